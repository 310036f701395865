#include "storage/repositories/session_repository.hpp"

namespace nanotasks::storage {

void SessionRepository::Insert(Transaction& tx, const std::string& id, const std::string& family_id,
                               const std::string& user_id, const std::string& token_hash,
                               std::int64_t created_at_ms, std::int64_t expires_at_ms) {
    tx.Execute(
        "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, "
        "expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        {id, family_id, user_id, token_hash, created_at_ms, expires_at_ms});
}

std::optional<RefreshTokenRecord> SessionRepository::FindByHash(Transaction& tx,
                                                                const std::string& token_hash) {
    const Rows rows = tx.Query(
        "SELECT id, family_id, user_id, expires_at, spent_at, revoked_at FROM refresh_tokens "
        "WHERE token_hash = $1",
        {token_hash});
    if (rows.empty()) return std::nullopt;
    const Row& row = rows.front();
    return RefreshTokenRecord{.id = row.Text(0),
                              .family_id = row.Text(1),
                              .user_id = row.Text(2),
                              .expires_at_ms = row.Int(3),
                              .spent_at_ms = row.OptionalInt(4),
                              .revoked_at_ms = row.OptionalInt(5)};
}

bool SessionRepository::MarkSpent(Transaction& tx, const std::string& id, std::int64_t now_ms) {
    return tx.Execute(
               "UPDATE refresh_tokens SET spent_at = $2 WHERE id = $1 AND "
               "spent_at IS NULL AND revoked_at IS NULL",
               {id, now_ms}) == 1;
}

void SessionRepository::RevokeFamily(Transaction& tx, const std::string& family_id,
                                     std::int64_t now_ms) {
    tx.Execute(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND "
        "revoked_at IS NULL",
        {family_id, now_ms});
}

void SessionRepository::RevokeUser(Transaction& tx, const std::string& user_id,
                                   std::int64_t now_ms) {
    tx.Execute(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND "
        "revoked_at IS NULL",
        {user_id, now_ms});
}

std::int64_t SessionRepository::DeleteExpired(Transaction& tx, std::int64_t now_ms) {
    return tx.Execute("DELETE FROM refresh_tokens WHERE expires_at < $1", {now_ms});
}

}  // namespace nanotasks::storage
