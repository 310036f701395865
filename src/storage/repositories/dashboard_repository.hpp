#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/database.hpp"
#include "storage/repositories/list_query.hpp"

namespace nanotasks::storage {

struct TopWorker {
    std::string id;
    std::string name;
    std::optional<std::string> photo_url;
    std::int64_t coins = 0;
};

struct WorkerStats {
    std::int64_t total_submissions = 0;
    std::int64_t pending_submissions = 0;
    std::int64_t approved_submissions = 0;
    std::int64_t total_earned = 0;
};

struct BuyerStats {
    std::int64_t task_count = 0;
    std::int64_t open_slots = 0;
    std::int64_t pending_reviews = 0;
    std::int64_t total_paid = 0;
};

// Dashboards: SQL aggregates over indexed ranges, never rows pulled into memory to be added up.
class DashboardRepository {
  public:
    // Active workers with the most coins first, ties by id (newest first).
    static ListQuery TopWorkersQuery(int limit);
    static std::vector<TopWorker> TopWorkers(Transaction& tx, int limit);
    // ForWorker and ForBuyer are each one statement: one snapshot on both engines.
    static WorkerStats ForWorker(Transaction& tx, const std::string& worker_id);
    static BuyerStats ForBuyer(Transaction& tx, const std::string& buyer_id, std::int64_t now_ms);
};

}  // namespace nanotasks::storage
