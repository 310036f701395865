#include "storage/repositories/idempotency_repository.hpp"

namespace nanotasks::storage {

IdempotencyBegin IdempotencyRepository::Begin(Transaction& tx, const IdempotencyRequest& request,
                                              std::int64_t now_ms, std::int64_t expires_before_ms,
                                              std::int64_t stale_running_before_ms) {
    const std::int64_t inserted = tx.Execute(
        "INSERT INTO idempotency_keys (user_id, key, method, path, body_hash, state, created_at) "
        "VALUES ($1, $2, $3, $4, $5, 'running', $6) ON CONFLICT (user_id, key) DO NOTHING",
        {request.user_id, request.key, request.method, request.path, request.body_hash, now_ms});
    if (inserted == 1) return {};

    // Take over an expired record, or a running one whose process died, in one guarded UPDATE.
    const std::int64_t taken = tx.Execute(
        "UPDATE idempotency_keys SET method = $3, path = $4, body_hash = $5, state = 'running', "
        "response_status = NULL, response_content_type = NULL, response_body = NULL, "
        "created_at = $6 WHERE user_id = $1 AND key = $2 AND (created_at < $7 OR "
        "(state = 'running' AND created_at < $8 AND method = $3 AND path = $4 AND "
        "body_hash = $5))",
        {request.user_id, request.key, request.method, request.path, request.body_hash, now_ms,
         expires_before_ms, stale_running_before_ms});
    if (taken == 1) return {};

    const Rows rows = tx.Query(
        "SELECT method, path, body_hash, state, response_status, response_content_type, "
        "response_body FROM idempotency_keys WHERE user_id = $1 AND key = $2",
        {request.user_id, request.key});
    if (rows.empty()) {
        // Deleted between our statements by the cleanup job: the caller may simply retry.
        return {.outcome = IdempotencyBegin::Outcome::kInProgress};
    }
    const Row& row = rows.front();
    if (row.Text(0) != request.method || row.Text(1) != request.path ||
        row.Text(2) != request.body_hash) {
        return {.outcome = IdempotencyBegin::Outcome::kReused};
    }
    if (row.Text(3) != "done") return {.outcome = IdempotencyBegin::Outcome::kInProgress};
    return {.outcome = IdempotencyBegin::Outcome::kReplay,
            .response = StoredResponse{.status = static_cast<int>(row.Int(4)),
                                       .content_type = row.OptionalText(5).value_or(""),
                                       .body = row.OptionalText(6).value_or("")}};
}

void IdempotencyRepository::Complete(Transaction& tx, const std::string& user_id,
                                     const std::string& key, const StoredResponse& response) {
    tx.Execute(
        "UPDATE idempotency_keys SET state = 'done', response_status = $3, "
        "response_content_type = $4, response_body = $5 WHERE user_id = $1 AND key = $2",
        {user_id, key, std::int64_t{response.status}, response.content_type, response.body});
}

void IdempotencyRepository::Abandon(Transaction& tx, const std::string& user_id,
                                    const std::string& key) {
    tx.Execute(
        "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND "
        "state = 'running'",
        {user_id, key});
}

std::int64_t IdempotencyRepository::DeleteOlderThan(Transaction& tx, std::int64_t before_ms) {
    return tx.Execute("DELETE FROM idempotency_keys WHERE created_at < $1", {before_ms});
}

}  // namespace nanotasks::storage
