#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "storage/database.hpp"

namespace nanotasks::storage {

// One numbered file of migrations/<engine>/, e.g. 0002_tasks.sql -> {2, "tasks", "<its SQL>"}.
struct Migration {
    std::int64_t version = 0;
    std::string_view name;
    std::string_view sql;
};

// The migrations compiled into this binary for an engine, in ascending version order.
std::span<const Migration> EmbeddedMigrations(Engine engine);

// The newest embedded version for an engine, 0 when it has none.
std::int64_t LatestEmbeddedVersion(Engine engine);

// Thrown when the database was migrated by a newer binary: running an older one against it could
// corrupt data it does not understand, so it must refuse to start.
class SchemaTooNewError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Applies every embedded migration newer than the database's version, each in its own write
// transaction together with its row in schema_migrations, so a failure leaves the database at the
// last complete version. Running it again changes nothing. Several processes may run it at once:
// on PostgreSQL an advisory lock serialises them, on SQLite BEGIN IMMEDIATE does.
// A SQL statement that cannot run inside a transaction (CREATE INDEX CONCURRENTLY) is not allowed.
void Migrate(Database& database);
// The same with an explicit list (ascending versions), for tests.
void Migrate(Database& database, std::span<const Migration> migrations);

// The highest version recorded in schema_migrations, 0 for a database never migrated.
std::int64_t SchemaVersion(Database& database);

}  // namespace nanotasks::storage
