#include "storage/postgres/postgres_database.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/transaction_support.hpp"

namespace nanotasks::storage {
namespace {

using Kind = DatabaseError::Kind;
using Clock = std::chrono::steady_clock;

// Applications use a fixed set of SQL strings; past this bound (SQL built dynamically) statements
// run unprepared rather than filling the server's memory with one-off plans.
constexpr std::size_t kMaxPreparedStatements = 1024;
constexpr std::chrono::milliseconds kPingTimeout{1000};
constexpr std::size_t kSqlInMessageChars = 160;

// Set once per connection, so that neither a URL's options nor the server's defaults change them.
// Read transactions run their statements without BEGIN/COMMIT, two round trips fewer: under READ
// COMMITTED each statement sees the latest commits either way, and default_transaction_read_only
// still makes a write in one fail, as it does on SQLite. NOTICEs ("relation already exists,
// skipping") would go to stderr through libpq; warnings and errors still do.
// Prepared statements run their generic plan: every statement is parameterized and served by an
// index chosen from its shape, not its values, and the planner otherwise re-plans the list queries
// at each execution (their generic cost estimate exceeds the custom one), which cost more
// than the query itself (0.66 ms of planning for a 0.1 ms GET /tasks page).
constexpr const char* kSessionSettings =
    "SET default_transaction_isolation = 'read committed';"
    "SET default_transaction_read_only = on;"
    "SET plan_cache_mode = force_generic_plan;"
    "SET client_min_messages = warning";
constexpr const char* kBeginWrite = "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE";

struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Class 08 (connection exception) and the server shutting down or starting up: the connection
// is gone or about to be, and only a new one can help.
bool IsConnectionState(std::string_view sqlstate) {
    return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
           sqlstate == "57P03";
}

std::string_view TrimEnd(const char* text) {
    std::string_view view = text != nullptr ? text : "";
    while (!view.empty() && (view.back() == '\n' || view.back() == ' ')) {
        view.remove_suffix(1);
    }
    return view;
}

// Whether the text holds more than one statement: a ';' before the last statement's end. It may
// also say yes for a ';' inside a string literal, which only costs that statement its
// preparation; it never says no for a real script.
bool LooksLikeScript(std::string_view sql) {
    const auto last = sql.find_last_not_of(" \t\r\n;");
    return last != std::string_view::npos &&
           sql.substr(0, last).find(';') != std::string_view::npos;
}

// The parameter values as the C strings libpq wants, without allocating for the common case of
// a few parameters: integers are formatted into inline buffers, strings are used in place.
class TextParams {
  public:
    explicit TextParams(const std::vector<Value>& values) {
        const std::size_t count = values.size();
        if (count > kInline) {
            heap_pointers_.resize(count);
            heap_numbers_.resize(count);
        }
        const char** pointers = count > kInline ? heap_pointers_.data() : inline_pointers_.data();
        NumberBuffer* numbers = count > kInline ? heap_numbers_.data() : inline_numbers_.data();
        for (std::size_t i = 0; i < count; ++i) {
            if (const auto* number = std::get_if<std::int64_t>(&values[i])) {
                const auto result = std::to_chars(
                    numbers[i].data(), numbers[i].data() + numbers[i].size() - 1, *number);
                *result.ptr = '\0';
                pointers[i] = numbers[i].data();
            } else if (const auto* text = std::get_if<std::string>(&values[i])) {
                pointers[i] = text->c_str();
            } else {
                pointers[i] = nullptr;
            }
        }
        pointers_ = pointers;
    }
    TextParams(const TextParams&) = delete;
    TextParams& operator=(const TextParams&) = delete;

    const char* const* pointers() const { return pointers_; }

  private:
    static constexpr std::size_t kInline = 16;
    using NumberBuffer = std::array<char, 24>;  // "-9223372036854775808" and its terminator

    std::array<const char*, kInline> inline_pointers_{};
    std::array<NumberBuffer, kInline> inline_numbers_{};
    std::vector<const char*> heap_pointers_;
    std::vector<NumberBuffer> heap_numbers_;
    const char* const* pointers_ = nullptr;
};

struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const noexcept {
        return std::hash<std::string_view>{}(sql);
    }
};

enum class Statements { kOne, kScriptAllowed };

}  // namespace

// One libpq connection with the statements prepared on it. Used by one thread at a time (a pool
// lease guarantees it). Once broken it is never used again: the pool closes it.
class PostgresConnection {
  public:
    explicit PostgresConnection(const std::string& url) {
        // Listed before dbname, so that the URL's own settings override these defaults.
        const std::array<std::pair<const char*, const char*>, 8> settings{{
            {"application_name", "nanotasks"},
            {"connect_timeout", "3"},
            {"keepalives", "1"},
            {"keepalives_idle", "30"},
            {"keepalives_interval", "10"},
            {"keepalives_count", "3"},
            {"client_encoding", "UTF8"},
            {"dbname", url.c_str()},
        }};
        std::array<const char*, settings.size() + 1> keys{};  // null-terminated
        std::array<const char*, settings.size() + 1> values{};
        for (std::size_t i = 0; i < settings.size(); ++i) {
            keys[i] = settings[i].first;
            values[i] = settings[i].second;
        }
        connection_.reset(PQconnectdbParams(keys.data(), values.data(), 1));
        if (!connection_) {
            throw DatabaseError(Kind::kUnavailable, "postgres: out of memory while connecting");
        }
        if (PQstatus(connection_.get()) != CONNECTION_OK) {
            throw DatabaseError(Kind::kUnavailable,
                                "postgres: cannot connect: " +
                                    std::string(TrimEnd(PQerrorMessage(connection_.get()))));
        }
        Command(kSessionSettings);
    }
    PostgresConnection(const PostgresConnection&) = delete;
    PostgresConnection& operator=(const PostgresConnection&) = delete;

    bool broken() const { return broken_; }

    // Runs a statement of the transaction; the result holds rows or a command tag.
    Result Execute(std::string_view sql, const std::vector<Value>& values, Statements statements) {
        PGconn* connection = connection_.get();
        if (statements == Statements::kScriptAllowed && values.empty() && LooksLikeScript(sql)) {
            const std::string text(sql);
            return Check(Result(PQexec(connection, text.c_str())), sql);
        }
        const TextParams params(values);
        const int count = static_cast<int>(values.size());
        if (const Prepared* prepared = Prepare(sql)) {
            if (prepared->parameters != count) {
                throw DatabaseError(
                    Kind::kOther,
                    "postgres: statement takes " + std::to_string(prepared->parameters) +
                        " parameters, " + std::to_string(count) +
                        " given (in: " + std::string(sql.substr(0, kSqlInMessageChars)) + ")");
            }
            return Check(Result(PQexecPrepared(connection, prepared->name.c_str(), count,
                                               params.pointers(), nullptr, nullptr, 0)),
                         sql);
        }
        const std::string text(sql);
        return Check(Result(PQexecParams(connection, text.c_str(), count, nullptr,
                                         params.pointers(), nullptr, nullptr, 0)),
                     sql);
    }

    // BEGIN, COMMIT: the simple protocol, one round trip and nothing to prepare.
    Result Command(const char* sql) { return Check(Result(PQexec(connection_.get(), sql)), sql); }

    // Undoes whatever transaction is open without throwing, since it runs while another
    // exception is on its way out; a connection that cannot return to idle is marked broken.
    void Rollback() noexcept {
        if (broken_ || PQtransactionStatus(connection_.get()) == PQTRANS_IDLE) {
            return;
        }
        const Result result(PQexec(connection_.get(), "ROLLBACK"));
        if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK ||
            PQtransactionStatus(connection_.get()) != PQTRANS_IDLE) {
            broken_ = true;
        }
    }

    // SELECT 1 within the timeout, waiting on the socket so that a hung server cannot hold the
    // caller (a readiness probe) longer than that.
    bool Ping(std::chrono::milliseconds timeout) {
        PGconn* connection = connection_.get();
        if (PQsendQuery(connection, "SELECT 1") == 0) {
            broken_ = true;
            return false;
        }
        const auto deadline = Clock::now() + timeout;
        while (PQisBusy(connection) != 0) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) {
                // The query is still in flight: this connection cannot be reused.
                broken_ = true;
                return false;
            }
            pollfd descriptor{.fd = PQsocket(connection), .events = POLLIN, .revents = 0};
            const int ready = poll(&descriptor, 1, static_cast<int>(left.count()));
            if ((ready < 0 && errno != EINTR) || PQconsumeInput(connection) == 0) {
                broken_ = true;
                return false;
            }
        }
        bool ok = false;
        while (PGresult* raw = PQgetResult(connection)) {
            const Result result(raw);
            ok = PQresultStatus(result.get()) == PGRES_TUPLES_OK;
        }
        if (PQstatus(connection) != CONNECTION_OK) {
            broken_ = true;
            return false;
        }
        return ok;
    }

  private:
    struct Prepared {
        std::string name;
        int parameters = 0;
    };
    struct Finisher {
        void operator()(PGconn* connection) const { PQfinish(connection); }
    };

    // The statement prepared for this SQL on this connection, preparing it on first use; null
    // when the cache is full.
    const Prepared* Prepare(std::string_view sql) {
        if (const auto found = prepared_.find(sql); found != prepared_.end()) {
            return &found->second;
        }
        if (prepared_.size() >= kMaxPreparedStatements) {
            return nullptr;
        }
        std::string text(sql);
        Prepared prepared{.name = "nt" + std::to_string(prepared_.size() + 1)};
        Check(Result(PQprepare(connection_.get(), prepared.name.c_str(), text.c_str(), 0, nullptr)),
              sql);
        // The count lets a wrong number of values fail as a plain error: the server would answer
        // with a protocol violation (class 08), which reads as a lost connection.
        const Result description =
            Check(Result(PQdescribePrepared(connection_.get(), prepared.name.c_str())), sql);
        prepared.parameters = PQnparams(description.get());
        return &prepared_.emplace(std::move(text), std::move(prepared)).first->second;
    }

    Result Check(Result result, std::string_view sql) {
        PGconn* connection = connection_.get();
        if (result) {
            const ExecStatusType status = PQresultStatus(result.get());
            if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
                return result;
            }
        }
        const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
        const std::string_view sqlstate = state != nullptr ? state : "";
        Kind kind = Kind::kOther;
        if (!result || PQstatus(connection) != CONNECTION_OK || IsConnectionState(sqlstate)) {
            broken_ = true;
            kind = Kind::kUnavailable;
        } else if (sqlstate == "23505") {
            kind = Kind::kUniqueViolation;
        } else if (sqlstate == "40001" || sqlstate == "40P01") {
            kind = Kind::kSerialization;
        }
        std::string message = "postgres: ";
        message += result ? TrimEnd(PQresultErrorMessage(result.get()))
                          : TrimEnd(PQerrorMessage(connection));
        if (!sqlstate.empty()) {
            message += " [";
            message += sqlstate;
            message += ']';
        }
        message += " (in: ";
        message += sql.substr(0, kSqlInMessageChars);
        message += ')';
        throw DatabaseError(kind, message);
    }

    // Declared first so that it is destroyed last.
    std::unique_ptr<PGconn, Finisher> connection_;
    std::unordered_map<std::string, Prepared, SqlHash, std::equal_to<>> prepared_;
    bool broken_ = false;
};

namespace {

Rows ReadRows(const PGresult* result) {
    const int row_count = PQntuples(result);
    const int column_count = PQnfields(result);
    Rows rows;
    rows.reserve(static_cast<std::size_t>(row_count));
    for (int row = 0; row < row_count; ++row) {
        std::vector<std::optional<std::string>> cells;
        cells.reserve(static_cast<std::size_t>(column_count));
        for (int column = 0; column < column_count; ++column) {
            if (PQgetisnull(result, row, column) != 0) {
                cells.emplace_back(std::nullopt);
            } else {
                cells.emplace_back(std::in_place, PQgetvalue(result, row, column),
                                   static_cast<std::size_t>(PQgetlength(result, row, column)));
            }
        }
        rows.emplace_back(std::move(cells));
    }
    return rows;
}

std::int64_t AffectedRows(PGresult* result) {
    // Empty for statements that change no rows by nature (DDL, SET).
    const std::string_view text = PQcmdTuples(result);
    std::int64_t count = 0;
    std::from_chars(text.data(), text.data() + text.size(), count);
    return count;
}

class PostgresTransaction final : public Transaction {
  public:
    PostgresTransaction(PostgresConnection& connection, TxMode mode)
        : connection_(connection), mode_(mode) {}

    using Transaction::Execute;
    using Transaction::Query;

    Engine engine() const override { return Engine::kPostgres; }

    Rows Query(std::string_view sql, const std::vector<Value>& params) override {
        return latch_.Run(
            [&] { return ReadRows(connection_.Execute(sql, params, Statements::kOne).get()); });
    }

    std::int64_t Execute(std::string_view sql, const std::vector<Value>& params) override {
        return latch_.Run([&] {
            return AffectedRows(connection_.Execute(sql, params, Statements::kScriptAllowed).get());
        });
    }

    void Commit() {
        latch_.ThrowIfFailed();
        if (mode_ == TxMode::kRead) {
            return;  // its statements committed one by one
        }
        const Result result = connection_.Command("COMMIT");
        // COMMIT of a transaction the server had already aborted succeeds as "ROLLBACK".
        if (std::strcmp(PQcmdStatus(result.get()), "ROLLBACK") == 0) {
            throw DatabaseError(Kind::kOther, "postgres: the transaction was rolled back");
        }
    }

  private:
    PostgresConnection& connection_;
    const TxMode mode_;
    FailureLatch latch_;
};

}  // namespace

PostgresDatabase::PostgresDatabase(std::string url, const DatabaseOptions& options)
    : url_(std::move(url)),
      options_(options),
      pool_(options.pool_size, std::chrono::milliseconds(options.acquire_timeout_ms),
            [this] { return std::make_unique<PostgresConnection>(url_); }) {
    // The first connection stays in the pool for the first transaction.
    const auto lease = pool_.Acquire();
}

PostgresDatabase::~PostgresDatabase() = default;

void PostgresDatabase::RunOnce(TxMode mode, const std::function<void(Transaction&)>& fn) {
    // An idle connection may have been cut while it waited (a server restart). The work may run
    // again on another connection as long as nothing of it can have been applied: a read, or a
    // write whose BEGIN failed. A fresh connection that fails means the server is down: final.
    for (int tries = 1;; ++tries) {
        auto lease = pool_.Acquire();
        bool began_writing = false;
        try {
            if (mode == TxMode::kWrite) {
                lease->Command(kBeginWrite);
                began_writing = true;
            }
            PostgresTransaction transaction(*lease, mode);
            fn(transaction);
            transaction.Commit();
            return;
        } catch (const DatabaseError&) {
            lease->Rollback();
            if (!lease->broken()) {
                throw;
            }
            pool_.DiscardIdle();
            if (lease.fresh() || began_writing || tries > options_.pool_size) {
                throw;
            }
        } catch (...) {
            lease->Rollback();
            if (lease->broken()) {
                pool_.DiscardIdle();
            }
            throw;
        }
    }
}

void PostgresDatabase::RunTransaction(TxMode mode, const std::function<void(Transaction&)>& fn) {
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

bool PostgresDatabase::Ping() {
    const auto timeout =
        std::min(kPingTimeout, std::chrono::milliseconds(options_.acquire_timeout_ms));
    try {
        // A second try on a new connection, for when the first was an idle one cut by a restart.
        for (int tries = 1; tries <= 2; ++tries) {
            auto lease = pool_.Acquire(timeout);
            if (lease->Ping(timeout)) {
                return true;
            }
            pool_.DiscardIdle();
            if (lease.fresh()) {
                return false;
            }
        }
        return false;
    } catch (const DatabaseError&) {
        return false;
    }
}

PoolStats PostgresDatabase::Stats() const { return pool_.Stats(); }

bool IsValidPostgresConninfo(const std::string& conninfo) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
    if (error != nullptr) {
        PQfreemem(error);
    }
    if (options == nullptr) {
        return false;
    }
    PQconninfoFree(options);
    return true;
}

}  // namespace nanotasks::storage
