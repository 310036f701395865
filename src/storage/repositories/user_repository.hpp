#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "storage/database.hpp"
#include "storage/repositories/list_query.hpp"

namespace nanotasks::storage {

struct UserRecord {
    std::string id;
    std::string name;
    std::string email;
    std::string role;
    std::optional<std::string> photo_url;
    std::string status;
    std::int64_t created_at_ms = 0;
    std::int64_t coins = 0;  // the wallet's balance
    std::string password_hash;
};

struct NewUser {
    std::string id;
    std::string name;
    std::string email;
    std::string email_key;
    std::string password_hash;
    std::string role;
    std::optional<std::string> photo_url;
    std::int64_t created_at_ms = 0;
};

struct UserFilter {
    std::optional<std::string> role;
    std::optional<std::string> status;
    std::optional<std::string> text;  // found case-insensitively anywhere in the name or email
};

class UserRepository {
  public:
    // False when the email is taken (ON CONFLICT DO NOTHING: no read-then-check race).
    static bool Insert(Transaction& tx, const NewUser& user);
    static std::optional<UserRecord> FindById(Transaction& tx, const std::string& id);
    static std::optional<UserRecord> FindByEmailKey(Transaction& tx, const std::string& email_key);
    static void UpdateProfile(Transaction& tx, const std::string& id,
                              const std::optional<std::string>& name,
                              const std::optional<std::optional<std::string>>& photo_url,
                              std::int64_t now_ms);
    static void UpdatePasswordHash(Transaction& tx, const std::string& id,
                                   const std::string& password_hash);
    static void UpdateRoleStatus(Transaction& tx, const std::string& id,
                                 const std::optional<std::string>& role,
                                 const std::optional<std::string>& status, std::int64_t now_ms);
    static std::vector<std::string> AdminIds(Transaction& tx);

    // GET /admin/users: every account, removed ones too, newest first; ids below before_id.
    static ListQuery UsersQuery(const UserFilter& filter,
                                const std::optional<std::string>& before_id, int limit);
    static std::vector<UserRecord> List(Transaction& tx, const UserFilter& filter,
                                        const std::optional<std::string>& before_id, int limit);
    // UpdateRoleStatus for an account that is not removed; false (nothing changed) for a removed
    // or unknown one. The guard holds the row (PostgreSQL) so that a removal waits for it.
    static bool UpdateRoleStatusUnlessRemoved(Transaction& tx, const std::string& id,
                                              const std::optional<std::string>& role,
                                              const std::optional<std::string>& status,
                                              std::int64_t now_ms);
    // The guarded transition to removed: true for exactly one caller.
    static bool MarkRemoved(Transaction& tx, const std::string& id, std::int64_t now_ms);
    // The account's status, with its row share-locked until the end of the transaction on
    // PostgreSQL (SQLite has one writer anyway). A use case that must not run for an account
    // that is no longer active reads it so: a suspension or removal, which updates that row,
    // then either waits for the use case to commit or has committed before and is seen here.
    // Concurrent use cases of one account do not wait for each other. nullopt: no such user.
    static std::optional<std::string> LockStatus(Transaction& tx, const std::string& id);

    // Which of these accounts are active (the notification streams end the others' streams).
    static std::unordered_set<std::string> ActiveAmong(Transaction& tx,
                                                       const std::vector<std::string>& ids);
};

}  // namespace nanotasks::storage
