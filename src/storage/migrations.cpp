#include "storage/migrations.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace nanotasks::storage {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

// Every migrating process takes the same transaction-scoped lock, so on PostgreSQL they apply
// migrations one after another and each sees what the previous one committed. The key is an
// arbitrary constant that only has to differ from the application's other advisory locks.
constexpr std::string_view kPostgresLock = "SELECT pg_advisory_xact_lock(7346582910334721)";

std::int64_t NowUnixMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool TableExists(Transaction& tx) {
    const Rows rows = tx.engine() == Engine::kSqlite
                          ? tx.Query(
                                "SELECT count(*) FROM sqlite_master "
                                "WHERE type = 'table' AND name = 'schema_migrations'")
                          : tx.Query(
                                "SELECT count(*) FROM pg_catalog.pg_tables "
                                "WHERE schemaname = current_schema() "
                                "AND tablename = 'schema_migrations'");
    return rows.at(0).Int(0) > 0;
}

std::int64_t RecordedVersion(Transaction& tx) {
    const Rows rows = tx.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    return rows.at(0).Int(0);
}

}  // namespace

std::int64_t LatestEmbeddedVersion(Engine engine) {
    const auto migrations = EmbeddedMigrations(engine);
    return migrations.empty() ? 0 : migrations.back().version;
}

void Migrate(Database& database) { Migrate(database, EmbeddedMigrations(database.engine())); }

void Migrate(Database& database, std::span<const Migration> migrations) {
    if (!std::is_sorted(
            migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; })) {
        throw std::logic_error("migrations must be listed in ascending version order");
    }
    const std::int64_t latest = migrations.empty() ? 0 : migrations.back().version;
    // One transaction per migration: the version is read again under the lock each time, because
    // another process may have applied some of them while this one waited.
    for (bool done = false; !done;) {
        database.RunTransaction(TxMode::kWrite, [&](Transaction& tx) {
            done = false;
            if (tx.engine() == Engine::kPostgres) {
                tx.Execute(kPostgresLock);
            }
            tx.Execute(kCreateTable);
            const std::int64_t current = RecordedVersion(tx);
            if (current > latest) {
                throw SchemaTooNewError("database schema version " + std::to_string(current) +
                                        " is newer than this binary (" + std::to_string(latest) +
                                        ")");
            }
            const auto next =
                std::find_if(migrations.begin(), migrations.end(),
                             [current](const Migration& m) { return m.version > current; });
            if (next == migrations.end()) {
                done = true;
                return;
            }
            tx.Execute(next->sql);
            tx.Execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                {next->version, std::string(next->name), NowUnixMillis()});
        });
    }
}

std::int64_t SchemaVersion(Database& database) {
    std::int64_t version = 0;
    database.RunTransaction(TxMode::kRead, [&](Transaction& tx) {
        version = TableExists(tx) ? RecordedVersion(tx) : 0;
    });
    return version;
}

}  // namespace nanotasks::storage
