#include "app/idempotency_service.hpp"

namespace nanotasks::app {

storage::IdempotencyBegin IdempotencyService::Begin(const storage::IdempotencyRequest& request) {
    storage::IdempotencyBegin begin;
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    db_.RunTransaction(storage::TxMode::kWrite, [&](storage::Transaction& tx) {
        // A running record is never taken over before it expires: its first request may have
        // committed its effect just before the process died, and running it again could pay
        // twice. Such a key answers 409 until it expires.
        begin = storage::IdempotencyRepository::Begin(tx, request, now_ms, now_ms - kRetentionMs,
                                                      now_ms - kRetentionMs);
    });
    return begin;
}

void IdempotencyService::Complete(const std::string& user_id, const std::string& key,
                                  const storage::StoredResponse& response) {
    db_.RunTransaction(storage::TxMode::kWrite, [&](storage::Transaction& tx) {
        storage::IdempotencyRepository::Complete(tx, user_id, key, response);
    });
}

void IdempotencyService::Abandon(const std::string& user_id, const std::string& key) {
    db_.RunTransaction(storage::TxMode::kWrite, [&](storage::Transaction& tx) {
        storage::IdempotencyRepository::Abandon(tx, user_id, key);
    });
}

std::int64_t IdempotencyService::CleanUp() {
    std::int64_t deleted = 0;
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    db_.RunTransaction(storage::TxMode::kWrite, [&](storage::Transaction& tx) {
        deleted = storage::IdempotencyRepository::DeleteOlderThan(tx, now_ms - kRetentionMs);
    });
    return deleted;
}

}  // namespace nanotasks::app
