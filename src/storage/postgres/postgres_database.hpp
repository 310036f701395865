#pragma once

#include <functional>
#include <string>

#include "storage/connection_pool.hpp"
#include "storage/database.hpp"

namespace nanotasks::storage {

class PostgresConnection;

// PostgreSQL through libpq: a lazily filled pool of connections, READ COMMITTED write
// transactions, read transactions whose statements run without BEGIN/COMMIT on a read-only
// session (the same visibility under READ COMMITTED, two round trips fewer), statements prepared
// once per connection. Parameters travel as text with no declared type, so the server infers
// each from its context; where the context does not decide it (arithmetic on a parameter, a bare
// SELECT $1, COALESCE($1, ...)), the SQL casts it: CAST($1 AS BIGINT), which SQLite also accepts.
// A connection that fails is closed with the idle ones (a server restart cuts them all) and the
// next transaction reconnects, so service resumes by itself when the server is back. A write
// whose COMMIT is cut off throws kUnavailable and is not retried: it may or may not have landed.
class PostgresDatabase final : public Database {
  public:
    // Connects once now, so that a wrong URL or password fails at startup; throws DatabaseError
    // kUnavailable when it cannot.
    PostgresDatabase(std::string url, const DatabaseOptions& options);
    ~PostgresDatabase() override;
    PostgresDatabase(const PostgresDatabase&) = delete;
    PostgresDatabase& operator=(const PostgresDatabase&) = delete;

    Engine engine() const override { return Engine::kPostgres; }
    void RunTransaction(TxMode mode, const std::function<void(Transaction&)>& fn) override;
    bool Ping() override;
    PoolStats Stats() const override;

  private:
    using Pool = ConnectionPool<PostgresConnection>;

    void RunOnce(TxMode mode, const std::function<void(Transaction&)>& fn);

    const std::string url_;
    const DatabaseOptions options_;
    Pool pool_;
};

// True when libpq accepts the text as a connection string or URI.
bool IsValidPostgresConninfo(const std::string& conninfo);

}  // namespace nanotasks::storage
