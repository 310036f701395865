#include "storage/repositories/user_repository.hpp"

#include <algorithm>
#include <bit>

namespace nanotasks::storage {
namespace {

constexpr std::string_view kSelectUser =
    "SELECT u.id, u.name, u.email, u.role, u.photo_url, u.status, u.created_at, "
    "COALESCE(a.balance, 0), u.password_hash FROM users u "
    "LEFT JOIN accounts a ON a.id = 'wallet:' || u.id ";

UserRecord ToUser(const Row& row) {
    return UserRecord{.id = row.Text(0),
                      .name = row.Text(1),
                      .email = row.Text(2),
                      .role = row.Text(3),
                      .photo_url = row.OptionalText(4),
                      .status = row.Text(5),
                      .created_at_ms = row.Int(6),
                      .coins = row.Int(7),
                      .password_hash = row.Text(8)};
}

Value OptionalValue(const std::optional<std::string>& text) {
    if (!text) return nullptr;
    return *text;
}

// A LIKE pattern matching `text` anywhere, lower-cased (ASCII), with the wildcards it contains
// escaped by a backslash.
std::string ContainsPattern(std::string_view text) {
    std::string pattern = "%";
    for (const char c : text) {
        if (c == '%' || c == '_' || c == '\\') pattern += '\\';
        pattern += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    pattern += '%';
    return pattern;
}

}  // namespace

bool UserRepository::Insert(Transaction& tx, const NewUser& user) {
    return tx.Execute(
               "INSERT INTO users (id, name, email, email_key, password_hash, role, "
               "photo_url, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
               "$6, $7, 'active', $8, $8) ON CONFLICT (email_key) DO NOTHING",
               {user.id, user.name, user.email, user.email_key, user.password_hash, user.role,
                OptionalValue(user.photo_url), user.created_at_ms}) == 1;
}

std::optional<UserRecord> UserRepository::FindById(Transaction& tx, const std::string& id) {
    const Rows rows = tx.Query(std::string(kSelectUser) + "WHERE u.id = $1", {id});
    if (rows.empty()) return std::nullopt;
    return ToUser(rows.front());
}

std::optional<UserRecord> UserRepository::FindByEmailKey(Transaction& tx,
                                                         const std::string& email_key) {
    const Rows rows = tx.Query(std::string(kSelectUser) + "WHERE u.email_key = $1", {email_key});
    if (rows.empty()) return std::nullopt;
    return ToUser(rows.front());
}

void UserRepository::UpdateProfile(Transaction& tx, const std::string& id,
                                   const std::optional<std::string>& name,
                                   const std::optional<std::optional<std::string>>& photo_url,
                                   std::int64_t now_ms) {
    if (name) {
        tx.Execute("UPDATE users SET name = $2, updated_at = $3 WHERE id = $1",
                   {id, *name, now_ms});
    }
    if (photo_url) {
        tx.Execute("UPDATE users SET photo_url = $2, updated_at = $3 WHERE id = $1",
                   {id, OptionalValue(*photo_url), now_ms});
    }
}

void UserRepository::UpdatePasswordHash(Transaction& tx, const std::string& id,
                                        const std::string& password_hash) {
    tx.Execute("UPDATE users SET password_hash = $2 WHERE id = $1", {id, password_hash});
}

void UserRepository::UpdateRoleStatus(Transaction& tx, const std::string& id,
                                      const std::optional<std::string>& role,
                                      const std::optional<std::string>& status,
                                      std::int64_t now_ms) {
    if (role) {
        tx.Execute("UPDATE users SET role = $2, updated_at = $3 WHERE id = $1",
                   {id, *role, now_ms});
    }
    if (status) {
        tx.Execute("UPDATE users SET status = $2, updated_at = $3 WHERE id = $1",
                   {id, *status, now_ms});
    }
}

std::vector<std::string> UserRepository::AdminIds(Transaction& tx) {
    std::vector<std::string> ids;
    for (const Row& row :
         tx.Query("SELECT id FROM users WHERE role = 'admin' AND status = 'active'")) {
        ids.push_back(row.Text(0));
    }
    return ids;
}

ListQuery UserRepository::UsersQuery(const UserFilter& filter,
                                     const std::optional<std::string>& before_id, int limit) {
    ListQuery query;
    // '~' sorts after every id character, so it stands for "no upper bound".
    query.sql = std::string(kSelectUser) + "WHERE u.id < " + query.Param(before_id.value_or("~"));
    if (filter.role) query.sql += " AND u.role = " + query.Param(*filter.role);
    if (filter.status) query.sql += " AND u.status = " + query.Param(*filter.status);
    if (filter.text) {
        const std::string pattern = query.Param(ContainsPattern(*filter.text));
        query.sql += " AND (LOWER(u.name) LIKE " + pattern + " ESCAPE '\\' OR u.email_key LIKE " +
                     pattern + " ESCAPE '\\')";
    }
    query.sql += " ORDER BY u.id DESC" + LimitClause(limit);
    return query;
}

std::vector<UserRecord> UserRepository::List(Transaction& tx, const UserFilter& filter,
                                             const std::optional<std::string>& before_id,
                                             int limit) {
    const ListQuery query = UsersQuery(filter, before_id, limit);
    std::vector<UserRecord> users;
    for (const Row& row : tx.Query(query.sql, query.params)) users.push_back(ToUser(row));
    return users;
}

bool UserRepository::UpdateRoleStatusUnlessRemoved(Transaction& tx, const std::string& id,
                                                   const std::optional<std::string>& role,
                                                   const std::optional<std::string>& status,
                                                   std::int64_t now_ms) {
    if (tx.Execute("UPDATE users SET updated_at = $2 WHERE id = $1 AND status <> 'removed'",
                   {id, now_ms}) != 1) {
        return false;
    }
    UpdateRoleStatus(tx, id, role, status, now_ms);
    return true;
}

bool UserRepository::MarkRemoved(Transaction& tx, const std::string& id, std::int64_t now_ms) {
    return tx.Execute(
               "UPDATE users SET status = 'removed', updated_at = $2 "
               "WHERE id = $1 AND status <> 'removed'",
               {id, now_ms}) == 1;
}

std::optional<std::string> UserRepository::LockStatus(Transaction& tx, const std::string& id) {
    std::string sql = "SELECT status FROM users WHERE id = $1";
    // FOR SHARE conflicts with the UPDATE of a status but not with the key-share lock that a
    // foreign key check takes, so rows referring to the user are still inserted meanwhile.
    if (tx.engine() == Engine::kPostgres) sql += " FOR SHARE";
    const Rows rows = tx.Query(sql, {id});
    if (rows.empty()) return std::nullopt;
    return rows.front().Text(0);
}

std::unordered_set<std::string> UserRepository::ActiveAmong(Transaction& tx,
                                                            const std::vector<std::string>& ids) {
    // Accounts per statement at most. A batch is padded (repeating its last id) to a power of
    // two, so that a handful of statement texts serve every count and stay prepared.
    constexpr std::size_t kBatch = 256;
    std::unordered_set<std::string> active;
    for (std::size_t start = 0; start < ids.size(); start += kBatch) {
        const std::size_t count = std::min(kBatch, ids.size() - start);
        std::vector<Value> params;
        params.reserve(std::bit_ceil(count));
        for (std::size_t i = 0; i < count; ++i) params.emplace_back(ids[start + i]);
        while (params.size() < std::bit_ceil(count)) params.push_back(params.back());
        std::string sql = "SELECT id FROM users WHERE status = 'active' AND id IN (";
        for (std::size_t i = 1; i <= params.size(); ++i) {
            if (i > 1) sql += ", ";
            sql += "$" + std::to_string(i);
        }
        sql += ")";
        for (const Row& row : tx.Query(sql, params)) active.insert(row.Text(0));
    }
    return active;
}

}  // namespace nanotasks::storage
