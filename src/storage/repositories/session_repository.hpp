#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/database.hpp"

namespace nanotasks::storage {

struct RefreshTokenRecord {
    std::string id;
    std::string family_id;
    std::string user_id;
    std::int64_t expires_at_ms = 0;
    std::optional<std::int64_t> spent_at_ms;
    std::optional<std::int64_t> revoked_at_ms;
};

// Refresh tokens are stored only as hashes; a family is one login's chain of rotations.
class SessionRepository {
  public:
    static void Insert(Transaction& tx, const std::string& id, const std::string& family_id,
                       const std::string& user_id, const std::string& token_hash,
                       std::int64_t created_at_ms, std::int64_t expires_at_ms);
    static std::optional<RefreshTokenRecord> FindByHash(Transaction& tx,
                                                        const std::string& token_hash);
    // Guarded: true for exactly one caller of a live token.
    static bool MarkSpent(Transaction& tx, const std::string& id, std::int64_t now_ms);
    static void RevokeFamily(Transaction& tx, const std::string& family_id, std::int64_t now_ms);
    static void RevokeUser(Transaction& tx, const std::string& user_id, std::int64_t now_ms);
    static std::int64_t DeleteExpired(Transaction& tx, std::int64_t now_ms);
};

}  // namespace nanotasks::storage
