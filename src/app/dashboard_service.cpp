#include "app/dashboard_service.hpp"

namespace nanotasks::app {

core::Result<std::vector<storage::TopWorker>> DashboardService::TopWorkers(int limit) {
    std::vector<storage::TopWorker> workers;
    db_.RunTransaction(storage::TxMode::kRead, [&](storage::Transaction& tx) {
        workers = storage::DashboardRepository::TopWorkers(tx, limit);
    });
    return workers;
}

core::Result<storage::WorkerStats> DashboardService::WorkerStats(const Caller& caller) {
    storage::WorkerStats stats;
    db_.RunTransaction(storage::TxMode::kRead, [&](storage::Transaction& tx) {
        stats = storage::DashboardRepository::ForWorker(tx, caller.id);
    });
    return stats;
}

core::Result<storage::BuyerStats> DashboardService::BuyerStats(const Caller& caller) {
    storage::BuyerStats stats;
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    db_.RunTransaction(storage::TxMode::kRead, [&](storage::Transaction& tx) {
        stats = storage::DashboardRepository::ForBuyer(tx, caller.id, now_ms);
    });
    return stats;
}

}  // namespace nanotasks::app
