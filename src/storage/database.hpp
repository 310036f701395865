#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace nanotasks::storage {

// The one small interface every repository is written against. SQL uses $1-style parameters on
// both engines; timestamps are stored as Unix milliseconds (BIGINT), ids and text as TEXT,
// booleans as 0/1 integers, so that one portable statement serves SQLite and PostgreSQL.
using Value = std::variant<std::nullptr_t, std::int64_t, std::string>;

enum class Engine { kSqlite, kPostgres };

class Row {
  public:
    explicit Row(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}

    std::size_t size() const { return cells_.size(); }
    bool IsNull(std::size_t column) const { return !cells_.at(column).has_value(); }
    // Throws DatabaseError on NULL or a value that is not an integer.
    std::int64_t Int(std::size_t column) const;
    std::optional<std::int64_t> OptionalInt(std::size_t column) const;
    const std::string& Text(std::size_t column) const;
    std::optional<std::string> OptionalText(std::size_t column) const { return cells_.at(column); }

  private:
    std::vector<std::optional<std::string>> cells_;
};

using Rows = std::vector<Row>;

// Infrastructure failures are exceptions, caught once at the dispatch boundary (500/503).
class DatabaseError : public std::runtime_error {
  public:
    enum class Kind {
        kUnavailable,  // cannot reach the database, pool exhausted: 503
        kUniqueViolation,
        kSerialization,  // 40001/40P01 or SQLITE_BUSY after the busy timeout: retried, then 503
        kOther,
    };
    DatabaseError(Kind kind, const std::string& message)
        : std::runtime_error(message), kind_(kind) {}
    Kind kind() const { return kind_; }

  private:
    Kind kind_;
};

// After a statement fails, the transaction is aborted on both engines (PostgreSQL's rule, applied
// to SQLite too so that the engines agree): every later statement and the commit throw the first
// error's kind again. So let a DatabaseError leave fn; to treat a unique violation as an outcome,
// catch it outside RunTransaction or write INSERT ... ON CONFLICT DO NOTHING RETURNING ....
// PostgreSQL receives parameters as untyped text and infers each type from its context; where
// the context does not fix it (arithmetic on a parameter, a bare SELECT $1), write
// CAST($1 AS BIGINT), which both engines accept ($1::bigint is PostgreSQL only).
class Transaction {
  public:
    virtual ~Transaction() = default;
    virtual Engine engine() const = 0;
    virtual Rows Query(std::string_view sql, const std::vector<Value>& params) = 0;
    // Returns the number of rows changed.
    virtual std::int64_t Execute(std::string_view sql, const std::vector<Value>& params) = 0;

    Rows Query(std::string_view sql) { return Query(sql, std::vector<Value>{}); }
    std::int64_t Execute(std::string_view sql) { return Execute(sql, std::vector<Value>{}); }
};

enum class TxMode {
    kRead,   // may run concurrently with writers (WAL snapshot, READ COMMITTED); writes fail
    kWrite,  // SQLite: BEGIN IMMEDIATE (one writer); PostgreSQL: READ COMMITTED with row locks
};

struct PoolStats {
    int size = 0;
    int in_use = 0;
    std::int64_t waits = 0;  // acquisitions that had to wait for a free connection
};

class Database {
  public:
    virtual ~Database() = default;
    virtual Engine engine() const = 0;
    // Runs fn inside one transaction and commits, or rolls back when fn throws (and rethrows).
    // On a serialization failure or deadlock the whole of fn runs again, a bounded number of
    // times, so fn must not have effects outside the transaction.
    virtual void RunTransaction(TxMode mode, const std::function<void(Transaction&)>& fn) = 0;
    // True when a trivial query succeeds within a short time.
    virtual bool Ping() = 0;
    virtual PoolStats Stats() const = 0;
};

struct DatabaseOptions {
    int pool_size = 8;
    int acquire_timeout_ms = 2000;
    int busy_timeout_ms = 5000;
    bool sqlite_synchronous_full = true;
    int max_transaction_attempts = 5;
};

// "sqlite:PATH", "sqlite::memory:" or "postgresql://..." / "postgres://...". Throws
// DatabaseError when the database cannot be opened; validate the URL first with IsValidDatabaseUrl.
std::unique_ptr<Database> OpenDatabase(const std::string& url, const DatabaseOptions& options);
bool IsValidDatabaseUrl(std::string_view url);

}  // namespace nanotasks::storage
