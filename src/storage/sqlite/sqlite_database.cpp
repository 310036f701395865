#include "storage/sqlite/sqlite_database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/transaction_support.hpp"

namespace nanotasks::storage {
namespace {

using Kind = DatabaseError::Kind;

// Applications use a fixed set of SQL strings; the bound only matters for code that builds SQL
// dynamically, which would otherwise grow the cache without limit.
constexpr std::size_t kMaxCachedStatements = 512;
constexpr std::chrono::milliseconds kPingTimeout{1000};
// Enough of a failing statement to recognise it in a log line.
constexpr std::size_t kSqlInMessageChars = 160;

Kind KindOf(int code) {
    switch (code) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
            return Kind::kUniqueViolation;
        default:
            break;
    }
    switch (code & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return Kind::kSerialization;
        default:
            // CHECK, NOT NULL and foreign key failures land here too: statements guard their
            // preconditions in SQL, so reaching a constraint means a bug, not an outcome.
            return Kind::kOther;
    }
}

[[noreturn]] void Throw(sqlite3* db, int code, std::string_view sql) {
    std::string message = "sqlite: ";
    message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    if (!sql.empty()) {
        message += " (in: ";
        message += sql.substr(0, kSqlInMessageChars);
        message += ')';
    }
    throw DatabaseError(KindOf(code), message);
}

bool IsBlank(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ';';
    });
}

// A prepared statement and how its parameters map to the caller's values: SQLite numbers named
// parameters in order of first appearance, so "$2 ... $1" gives "$2" index 1. Resolving each
// index's name once at prepare time makes binding by name free on every later use.
struct Statement {
    Statement() = default;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement() { sqlite3_finalize(handle); }

    sqlite3_stmt* handle = nullptr;
    std::vector<int> value_index;     // value_index[i]: the caller's value bound to index i + 1
    std::size_t values_required = 0;  // the highest N of the "$N" names
    bool more_statements = false;     // text after the first statement: run as a script
};

struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const noexcept {
        return std::hash<std::string_view>{}(sql);
    }
};

// Reads each "$N" parameter name of a fresh statement; anything else is refused, because the
// same SQL must run on PostgreSQL, which only knows $N.
void MapParameters(Statement& statement, std::string_view sql) {
    const int count = sqlite3_bind_parameter_count(statement.handle);
    statement.value_index.reserve(static_cast<std::size_t>(count));
    for (int index = 1; index <= count; ++index) {
        const char* name = sqlite3_bind_parameter_name(statement.handle, index);
        const std::string_view text = name != nullptr ? name : "?";
        int number = 0;
        const auto [end, error] =
            text.size() > 1 ? std::from_chars(text.data() + 1, text.data() + text.size(), number)
                            : std::from_chars_result{text.data(), std::errc::invalid_argument};
        if (text[0] != '$' || error != std::errc{} || end != text.data() + text.size() ||
            number < 1) {
            throw DatabaseError(Kind::kOther, "sqlite: parameter " + std::string(text) +
                                                  " is not of the $1 form (in: " +
                                                  std::string(sql.substr(0, kSqlInMessageChars)) +
                                                  ")");
        }
        statement.value_index.push_back(number - 1);
        statement.values_required =
            std::max(statement.values_required, static_cast<std::size_t>(number));
    }
}

}  // namespace

// One sqlite3 handle with its statement cache; used by one thread at a time (the writer mutex or
// a pool lease guarantees it), hence SQLITE_OPEN_NOMUTEX.
class SqliteConnection {
  public:
    enum class Role { kWriter, kReader };

    SqliteConnection(const std::string& path, const DatabaseOptions& options, Role role) {
        sqlite3* db = nullptr;
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                          (role == Role::kWriter ? SQLITE_OPEN_CREATE : 0);
        const int code = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
        db_.reset(db);
        if (code != SQLITE_OK) {
            throw DatabaseError(Kind::kUnavailable,
                                "sqlite: cannot open " + path + ": " +
                                    (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code)));
        }
        sqlite3_extended_result_codes(db, 1);
        // Set first: switching to WAL needs a lock another process may briefly hold.
        sqlite3_busy_timeout(db, options.busy_timeout_ms);
        if (role == Role::kWriter) {
            RunScript("PRAGMA journal_mode = WAL");
            RunScript(options.sqlite_synchronous_full ? "PRAGMA synchronous = FULL"
                                                      : "PRAGMA synchronous = NORMAL");
        } else {
            // A read transaction that writes is a bug; PostgreSQL's READ ONLY refuses it too.
            RunScript("PRAGMA query_only = ON");
        }
        RunScript("PRAGMA foreign_keys = ON");
    }

    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

    sqlite3* handle() const { return db_.get(); }
    bool broken() const { return broken_; }

    Statement& Prepare(std::string_view sql) {
        if (const auto found = cache_.find(sql); found != cache_.end()) {
            return found->second;
        }
        // No statement is mid-use here (each use resets it before returning), so the whole cache
        // can go.
        if (cache_.size() >= kMaxCachedStatements) {
            cache_.clear();
        }
        sqlite3_stmt* handle = nullptr;
        const char* tail = nullptr;
        const int code = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                            SQLITE_PREPARE_PERSISTENT, &handle, &tail);
        if (code != SQLITE_OK) {
            Throw(db_.get(), code, sql);
        }
        if (handle == nullptr) {
            throw DatabaseError(Kind::kOther, "sqlite: empty statement");
        }
        const auto [entry, inserted] = cache_.try_emplace(std::string(sql));
        Statement& statement = entry->second;
        statement.handle = handle;
        statement.more_statements = !IsBlank(
            std::string_view(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail)));
        try {
            MapParameters(statement, sql);
        } catch (...) {
            cache_.erase(entry);
            throw;
        }
        return statement;
    }

    // Runs one or more statements without parameters (migrations, pragmas) and returns the
    // number of rows they changed.
    std::int64_t RunScript(std::string_view sql) {
        const std::int64_t before = sqlite3_total_changes64(db_.get());
        const char* next = sql.data();
        const char* const end = sql.data() + sql.size();
        while (next < end) {
            sqlite3_stmt* raw = nullptr;
            const char* tail = nullptr;
            const int code =
                sqlite3_prepare_v2(db_.get(), next, static_cast<int>(end - next), &raw, &tail);
            if (code != SQLITE_OK) {
                Throw(db_.get(), code,
                      std::string_view(next, static_cast<std::size_t>(end - next)));
            }
            const std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement(raw);
            if (statement) {
                int step = SQLITE_ROW;
                while ((step = sqlite3_step(statement.get())) == SQLITE_ROW) {
                }
                if (step != SQLITE_DONE) {
                    Throw(db_.get(), step, sqlite3_sql(statement.get()));
                }
            }
            next = tail;
        }
        return sqlite3_total_changes64(db_.get()) - before;
    }

    // Runs one cached statement without parameters or rows (BEGIN, COMMIT).
    void Run(std::string_view sql) {
        Statement& statement = Prepare(sql);
        const int code = sqlite3_step(statement.handle);
        sqlite3_reset(statement.handle);
        if (code != SQLITE_DONE && code != SQLITE_ROW) {
            Throw(db_.get(), code, sql);
        }
    }

    // Undoes whatever transaction is open without throwing, since it runs while another
    // exception is on its way out. A connection left inside a transaction is marked broken, so it
    // is closed rather than reused half-way through someone else's work.
    void Rollback() noexcept {
        if (sqlite3_get_autocommit(db_.get()) != 0) {
            return;
        }
        sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        if (sqlite3_get_autocommit(db_.get()) == 0) {
            broken_ = true;
        }
    }

  private:
    struct Closer {
        void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
    };
    struct StatementFinalizer {
        void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
    };

    // Declared first so that it is destroyed last, after every statement is finalized.
    std::unique_ptr<sqlite3, Closer> db_;
    std::unordered_map<std::string, Statement, SqlHash, std::equal_to<>> cache_;
    bool broken_ = false;
};

namespace {

// Resets a statement when a use ends, also by exception, so that it holds no read lock and can be
// used again.
class ResetOnExit {
  public:
    explicit ResetOnExit(sqlite3_stmt* statement) : statement_(statement) {}
    ResetOnExit(const ResetOnExit&) = delete;
    ResetOnExit& operator=(const ResetOnExit&) = delete;
    ~ResetOnExit() {
        sqlite3_reset(statement_);
        sqlite3_clear_bindings(statement_);
    }

  private:
    sqlite3_stmt* statement_;
};

void Bind(sqlite3* db, const Statement& statement, const std::vector<Value>& values,
          std::string_view sql) {
    if (values.size() != statement.values_required) {
        throw DatabaseError(Kind::kOther,
                            "sqlite: statement takes " + std::to_string(statement.values_required) +
                                " parameters, " + std::to_string(values.size()) + " given (in: " +
                                std::string(sql.substr(0, kSqlInMessageChars)) + ")");
    }
    for (std::size_t i = 0; i < statement.value_index.size(); ++i) {
        const int index = static_cast<int>(i) + 1;
        const Value& value = values[static_cast<std::size_t>(statement.value_index[i])];
        int code = SQLITE_OK;
        if (const auto* number = std::get_if<std::int64_t>(&value)) {
            code = sqlite3_bind_int64(statement.handle, index, *number);
        } else if (const auto* text = std::get_if<std::string>(&value)) {
            // SQLITE_STATIC: the caller's strings outlive the statement's use, so no copy.
            code = sqlite3_bind_text64(statement.handle, index, text->data(), text->size(),
                                       SQLITE_STATIC, SQLITE_UTF8);
        } else {
            code = sqlite3_bind_null(statement.handle, index);
        }
        if (code != SQLITE_OK) {
            Throw(db, code, sql);
        }
    }
}

Row ReadRow(sqlite3_stmt* statement, int columns) {
    std::vector<std::optional<std::string>> cells;
    cells.reserve(static_cast<std::size_t>(columns));
    for (int column = 0; column < columns; ++column) {
        switch (sqlite3_column_type(statement, column)) {
            case SQLITE_NULL:
                cells.emplace_back(std::nullopt);
                break;
            case SQLITE_INTEGER: {
                // Formatted here rather than by sqlite3_column_text, which would allocate a
                // converted copy inside SQLite first.
                char buffer[24];
                const auto result = std::to_chars(buffer, buffer + sizeof buffer,
                                                  sqlite3_column_int64(statement, column));
                cells.emplace_back(std::in_place, buffer, result.ptr);
                break;
            }
            default: {
                const auto* text =
                    reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
                const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, column));
                cells.emplace_back(std::in_place, text, size);
                break;
            }
        }
    }
    return Row(std::move(cells));
}

class SqliteTransaction final : public Transaction {
  public:
    explicit SqliteTransaction(SqliteConnection& connection) : connection_(connection) {}

    using Transaction::Execute;
    using Transaction::Query;

    Engine engine() const override { return Engine::kSqlite; }

    Rows Query(std::string_view sql, const std::vector<Value>& params) override {
        return latch_.Run([&] {
            sqlite3* db = connection_.handle();
            Statement& statement = connection_.Prepare(sql);
            if (statement.more_statements) {
                throw DatabaseError(Kind::kOther, "sqlite: Query takes a single statement");
            }
            const ResetOnExit reset(statement.handle);
            Bind(db, statement, params, sql);
            const int columns = sqlite3_column_count(statement.handle);
            Rows rows;
            for (;;) {
                const int code = sqlite3_step(statement.handle);
                if (code == SQLITE_ROW) {
                    rows.push_back(ReadRow(statement.handle, columns));
                } else if (code == SQLITE_DONE) {
                    return rows;
                } else {
                    Throw(db, code, sql);
                }
            }
        });
    }

    std::int64_t Execute(std::string_view sql, const std::vector<Value>& params) override {
        return latch_.Run([&]() -> std::int64_t {
            sqlite3* db = connection_.handle();
            Statement& statement = connection_.Prepare(sql);
            if (statement.more_statements) {
                if (!params.empty()) {
                    throw DatabaseError(Kind::kOther,
                                        "sqlite: several statements in one Execute take no "
                                        "parameters");
                }
                return connection_.RunScript(sql);
            }
            const ResetOnExit reset(statement.handle);
            Bind(db, statement, params, sql);
            const std::int64_t before = sqlite3_total_changes64(db);
            // Stepped to the end even when it returns rows (RETURNING), since SQLite applies a
            // RETURNING statement's changes as it is stepped.
            int code = SQLITE_ROW;
            while ((code = sqlite3_step(statement.handle)) == SQLITE_ROW) {
            }
            if (code != SQLITE_DONE) {
                Throw(db, code, sql);
            }
            // sqlite3_changes keeps the count of the last INSERT/UPDATE/DELETE, so a statement
            // that changed nothing (DDL, a SELECT) would report an earlier statement's count.
            return sqlite3_total_changes64(db) == before ? 0 : sqlite3_changes64(db);
        });
    }

    void Commit() {
        latch_.ThrowIfFailed();
        connection_.Run("COMMIT");
    }

  private:
    SqliteConnection& connection_;
    FailureLatch latch_;
};

void RunOn(SqliteConnection& connection, TxMode mode, const std::function<void(Transaction&)>& fn) {
    connection.Run(mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
    SqliteTransaction transaction(connection);
    try {
        fn(transaction);
        transaction.Commit();
    } catch (...) {
        connection.Rollback();
        throw;
    }
}

void SelectOne(SqliteConnection& connection) {
    Statement& statement = connection.Prepare("SELECT 1");
    const ResetOnExit reset(statement.handle);
    const int code = sqlite3_step(statement.handle);
    if (code != SQLITE_ROW) {
        Throw(connection.handle(), code, "SELECT 1");
    }
}

}  // namespace

// The right to use the writer connection, given back when the lease ends.
class SqliteDatabase::WriterLease {
  public:
    explicit WriterLease(SqliteDatabase& database) : database_(&database) {}
    WriterLease(WriterLease&& other) noexcept
        : database_(std::exchange(other.database_, nullptr)) {}
    WriterLease& operator=(WriterLease&&) = delete;
    ~WriterLease() {
        if (database_ != nullptr) {
            {
                const std::lock_guard lock(database_->writer_mutex_);
                database_->writer_busy_ = false;
            }
            database_->writer_released_.notify_one();
        }
    }

  private:
    SqliteDatabase* database_;
};

SqliteDatabase::WriterLease SqliteDatabase::AcquireWriter(std::chrono::milliseconds timeout) {
    std::unique_lock lock(writer_mutex_);
    if (writer_busy_) {
        ++writer_waits_;
        if (!writer_released_.wait_for(lock, timeout, [this] { return !writer_busy_; })) {
            throw DatabaseError(Kind::kUnavailable, "sqlite: the writer stayed busy for " +
                                                        std::to_string(timeout.count()) + " ms");
        }
    }
    writer_busy_ = true;
    return WriterLease(*this);
}

SqliteDatabase::SqliteDatabase(std::string path, const DatabaseOptions& options)
    : path_(std::move(path)),
      options_(options),
      in_memory_(path_ == ":memory:"),
      readers_(options.pool_size, std::chrono::milliseconds(options.acquire_timeout_ms), [this] {
          return std::make_unique<SqliteConnection>(path_, options_,
                                                    SqliteConnection::Role::kReader);
      }) {
    // Opened now so that a bad path fails at startup, and so the file and WAL mode exist before
    // any reader opens it.
    const auto lease = AcquireWriter(std::chrono::milliseconds(options_.acquire_timeout_ms));
    Writer();
}

SqliteDatabase::~SqliteDatabase() = default;

SqliteConnection& SqliteDatabase::Writer() {
    // An in-memory database lives only in its connection, so it is kept even if broken.
    if (!writer_ || (writer_->broken() && !in_memory_)) {
        writer_.reset();
        writer_open_ = false;
        writer_ =
            std::make_unique<SqliteConnection>(path_, options_, SqliteConnection::Role::kWriter);
        writer_open_ = true;
    }
    return *writer_;
}

void SqliteDatabase::RunTransaction(TxMode mode, const std::function<void(Transaction&)>& fn) {
    const int attempts = std::max(1, options_.max_transaction_attempts);
    for (int attempt = 1;; ++attempt) {
        try {
            RunOnce(mode, fn);
            return;
        } catch (const DatabaseError& error) {
            if (error.kind() != Kind::kSerialization || attempt >= attempts) {
                throw;
            }
        }
        SleepBeforeRetry(attempt);
    }
}

void SqliteDatabase::RunOnce(TxMode mode, const std::function<void(Transaction&)>& fn) {
    if (mode == TxMode::kRead && !in_memory_) {
        const auto lease = readers_.Acquire();
        RunOn(*lease, mode, fn);
        return;
    }
    const auto lease = AcquireWriter(std::chrono::milliseconds(options_.acquire_timeout_ms));
    RunOn(Writer(), mode, fn);
}

bool SqliteDatabase::Ping() {
    const auto timeout =
        std::min(kPingTimeout, std::chrono::milliseconds(options_.acquire_timeout_ms));
    try {
        if (in_memory_) {
            const auto lease = AcquireWriter(timeout);
            SelectOne(Writer());
        } else {
            const auto lease = readers_.Acquire(timeout);
            SelectOne(*lease);
        }
        return true;
    } catch (const DatabaseError&) {
        return false;
    }
}

PoolStats SqliteDatabase::Stats() const {
    PoolStats stats = readers_.Stats();
    stats.size += writer_open_ ? 1 : 0;
    const std::lock_guard lock(writer_mutex_);
    stats.in_use += writer_busy_ ? 1 : 0;
    stats.waits += writer_waits_;
    return stats;
}

}  // namespace nanotasks::storage
