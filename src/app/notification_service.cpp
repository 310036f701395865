#include "app/notification_service.hpp"

#include "app/transaction.hpp"

namespace nanotasks::app {

core::Result<ListPage<storage::NotificationRecord>> NotificationService::List(
    const Caller& caller, bool unread_only, const std::optional<std::string>& before_id,
    int limit) {
    std::vector<storage::NotificationRecord> rows;
    db_.RunTransaction(storage::TxMode::kRead, [&](storage::Transaction& tx) {
        rows =
            storage::NotificationRepository::List(tx, caller.id, unread_only, before_id, limit + 1);
    });
    return MakePage(std::move(rows), limit);
}

core::Status NotificationService::MarkRead(const Caller& caller, const std::string& id) {
    bool found = false;
    db_.RunTransaction(storage::TxMode::kWrite, [&](storage::Transaction& tx) {
        found = storage::NotificationRepository::MarkRead(tx, caller.id, id);
    });
    if (!found) return core::Error::Of(core::ErrorCode::kNotFound, "No such notification.");
    return core::Ok{};
}

core::Status NotificationService::MarkAllRead(const Caller& caller) {
    db_.RunTransaction(storage::TxMode::kWrite, [&](storage::Transaction& tx) {
        storage::NotificationRepository::MarkAllRead(tx, caller.id);
    });
    return core::Ok{};
}

std::vector<storage::NotificationRecord> NotificationService::After(const std::string& user_id,
                                                                    const std::string& after_id,
                                                                    int limit) {
    std::vector<storage::NotificationRecord> rows;
    db_.RunTransaction(storage::TxMode::kRead, [&](storage::Transaction& tx) {
        rows = storage::NotificationRepository::After(tx, user_id, after_id, limit);
    });
    return rows;
}

}  // namespace nanotasks::app
