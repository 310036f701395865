#include <memory>
#include <string>
#include <string_view>

#include "storage/database.hpp"
#include "storage/postgres/postgres_database.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace nanotasks::storage {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite:";
constexpr std::string_view kSqliteMemory = "sqlite::memory:";
constexpr std::string_view kPostgresSchemes[] = {"postgresql://", "postgres://"};

bool IsPostgresUrl(std::string_view url) {
    for (const std::string_view scheme : kPostgresSchemes) {
        // Something must follow the scheme (a host, "/dbname" or "?host=/socket/dir"): an empty
        // remainder is more likely a half-written setting than a wish for libpq's defaults.
        if (url.starts_with(scheme) && url.size() > scheme.size()) {
            return true;
        }
    }
    return false;
}

}  // namespace

bool IsValidDatabaseUrl(std::string_view url) {
    if (url.starts_with(kSqliteScheme)) {
        return url.size() > kSqliteScheme.size();
    }
    return IsPostgresUrl(url) && IsValidPostgresConninfo(std::string(url));
}

std::unique_ptr<Database> OpenDatabase(const std::string& url, const DatabaseOptions& options) {
    if (!IsValidDatabaseUrl(url)) {
        // The URL itself is not repeated: it may carry a password.
        throw DatabaseError(DatabaseError::Kind::kOther,
                            "not a database URL (sqlite:PATH, sqlite::memory: or "
                            "postgresql://...)");
    }
    if (url == kSqliteMemory) {
        return std::make_unique<SqliteDatabase>(":memory:", options);
    }
    if (url.starts_with(kSqliteScheme)) {
        return std::make_unique<SqliteDatabase>(url.substr(kSqliteScheme.size()), options);
    }
    return std::make_unique<PostgresDatabase>(url, options);
}

}  // namespace nanotasks::storage
