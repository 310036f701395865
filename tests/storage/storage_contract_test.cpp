#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <future>
#include <latch>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine_fixture.hpp"

namespace nanotasks::storage {
namespace {

using Kind = DatabaseError::Kind;

constexpr std::string_view kCreateItems =
    "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT, amount BIGINT)";

// Enough time for every thread of a concurrency test to get its turn, even under sanitizers.
constexpr DatabaseOptions kPatientOptions{.acquire_timeout_ms = 60'000};

class StorageContract : public EngineTest {};

TEST_P(StorageContract, ExecuteCountsChangedRowsAndQueryReturnsText) {
    const auto db = Open();
    db->RunTransaction(TxMode::kWrite, [](Transaction& tx) {
        EXPECT_EQ(tx.Execute(kCreateItems), 0);
        EXPECT_EQ(
            tx.Execute("INSERT INTO items (id, name, amount) VALUES ($1, $2, $3)", {1, "one", 10}),
            1);
        EXPECT_EQ(
            tx.Execute("INSERT INTO items (id, name, amount) VALUES ($1, $2, $3)", {2, "two", 20}),
            1);
        EXPECT_EQ(tx.Execute("UPDATE items SET amount = amount + 1"), 2);
        // A statement that changes nothing must not report the previous statement's count.
        EXPECT_EQ(tx.Execute("CREATE TABLE other (x BIGINT)"), 0);
        EXPECT_EQ(tx.Execute("UPDATE items SET amount = 0 WHERE id = $1", {99}), 0);
    });

    const Rows rows = QueryOnce(*db, "SELECT id, name, amount FROM items ORDER BY id");
    ASSERT_EQ(rows.size(), 2u);
    ASSERT_EQ(rows[0].size(), 3u);
    EXPECT_EQ(rows[0].Text(0), "1");
    EXPECT_EQ(rows[0].Text(1), "one");
    EXPECT_EQ(rows[0].Int(2), 11);
    EXPECT_EQ(rows[1].Int(0), 2);
    EXPECT_EQ(rows[1].Text(1), "two");
    EXPECT_EQ(rows[1].Text(2), "21");
}

TEST_P(StorageContract, ParametersBindByNumberNotByPosition) {
    const auto db = Open();
    ExecuteOnce(*db, "CREATE TABLE pairs (a TEXT, b TEXT)");
    // $2 appears first: SQLite would number it 1, so positional binding would swap the values.
    ExecuteOnce(*db, "INSERT INTO pairs (b, a) VALUES ($2, $1)", {"A", "B"});

    const Rows rows = QueryOnce(*db, "SELECT a, b FROM pairs WHERE b = $2 AND a = $1", {"A", "B"});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].Text(0), "A");
    EXPECT_EQ(rows[0].Text(1), "B");

    const Rows reused = QueryOnce(*db, "SELECT count(*) FROM pairs WHERE a = $1 OR b = $1", {"B"});
    EXPECT_EQ(reused.at(0).Int(0), 1);
}

TEST_P(StorageContract, NullsRoundTrip) {
    const auto db = Open();
    ExecuteOnce(*db, kCreateItems);
    ExecuteOnce(*db, "INSERT INTO items (id, name, amount) VALUES ($1, $2, $3)",
                {7, nullptr, nullptr});

    const Rows rows = QueryOnce(*db, "SELECT name, amount FROM items WHERE id = $1", {7});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_TRUE(rows[0].IsNull(0));
    EXPECT_TRUE(rows[0].IsNull(1));
    EXPECT_EQ(rows[0].OptionalText(0), std::nullopt);
    EXPECT_EQ(rows[0].OptionalInt(1), std::nullopt);
    EXPECT_THROW(rows[0].Int(1), DatabaseError);
    EXPECT_THROW(rows[0].Text(0), DatabaseError);

    const Rows matched = QueryOnce(*db, "SELECT count(*) FROM items WHERE name IS NULL");
    EXPECT_EQ(matched.at(0).Int(0), 1);
}

TEST_P(StorageContract, Int64ExtremesRoundTrip) {
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    const auto db = Open();
    ExecuteOnce(*db, kCreateItems);
    ExecuteOnce(*db, "INSERT INTO items (id, amount) VALUES ($1, $2)", {1, kMin});
    ExecuteOnce(*db, "INSERT INTO items (id, amount) VALUES ($1, $2)", {2, kMax});

    for (const std::int64_t value : {kMin, kMax}) {
        const Rows rows = QueryOnce(*db, "SELECT amount FROM items WHERE amount = $1", {value});
        ASSERT_EQ(rows.size(), 1u) << value;
        EXPECT_EQ(rows[0].Int(0), value);
    }
    const Rows cast = QueryOnce(*db, "SELECT CAST($1 AS BIGINT)", {kMax});
    EXPECT_EQ(cast.at(0).Text(0), "9223372036854775807");
}

TEST_P(StorageContract, UnicodeTextRoundTrips) {
    // Multi-byte characters, an astral-plane emoji, quotes, a backslash and a tab.
    const std::string text = "Zoë — 日本語 🎉 'single' \"double\" \\ tab\tend";
    const auto db = Open();
    ExecuteOnce(*db, kCreateItems);
    ExecuteOnce(*db, "INSERT INTO items (id, name) VALUES ($1, $2)", {1, text});

    const Rows rows =
        QueryOnce(*db, "SELECT name, length(name) FROM items WHERE name = $1", {text});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].Text(0), text);
    EXPECT_EQ(rows[0].Int(1), 39);  // characters, not bytes
}

TEST_P(StorageContract, ExceptionRollsBackAndIsRethrown) {
    const auto db = Open();
    ExecuteOnce(*db, kCreateItems);

    EXPECT_THROW(db->RunTransaction(TxMode::kWrite,
                                    [](Transaction& tx) {
                                        tx.Execute("INSERT INTO items (id) VALUES ($1)", {1});
                                        throw std::runtime_error("business rule failed");
                                    }),
                 std::runtime_error);

    EXPECT_EQ(QueryOnce(*db, "SELECT count(*) FROM items").at(0).Int(0), 0);
    // The connection is usable afterwards.
    EXPECT_EQ(ExecuteOnce(*db, "INSERT INTO items (id) VALUES ($1)", {1}), 1);
}

TEST_P(StorageContract, UniqueViolationIsMapped) {
    const auto db = Open();
    ExecuteOnce(*db, "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL UNIQUE)");
    ExecuteOnce(*db, "INSERT INTO users (id, email) VALUES ($1, $2)", {1, "a@example.com"});

    EXPECT_EQ(
        ErrorKindOf([&] {
            ExecuteOnce(*db, "INSERT INTO users (id, email) VALUES ($1, $2)", {1, "b@example.com"});
        }),
        Kind::kUniqueViolation);
    EXPECT_EQ(
        ErrorKindOf([&] {
            ExecuteOnce(*db, "INSERT INTO users (id, email) VALUES ($1, $2)", {2, "a@example.com"});
        }),
        Kind::kUniqueViolation);
}

TEST_P(StorageContract, FailedStatementAbortsTheTransaction) {
    const auto db = Open();
    ExecuteOnce(*db, kCreateItems);
    ExecuteOnce(*db, "INSERT INTO items (id) VALUES ($1)", {1});

    int statements_after_failure_that_ran = 0;
    const auto kind = ErrorKindOf([&] {
        db->RunTransaction(TxMode::kWrite, [&](Transaction& tx) {
            tx.Execute("INSERT INTO items (id) VALUES ($1)", {2});
            try {
                tx.Execute("INSERT INTO items (id) VALUES ($1)", {1});
            } catch (const DatabaseError&) {
                // Swallowed on purpose: the transaction must still refuse to go on and commit.
            }
            try {
                tx.Query("SELECT 1");
                ++statements_after_failure_that_ran;
            } catch (const DatabaseError&) {
            }
        });
    });
    EXPECT_EQ(kind, Kind::kUniqueViolation);
    EXPECT_EQ(statements_after_failure_that_ran, 0);
    EXPECT_EQ(QueryOnce(*db, "SELECT count(*) FROM items").at(0).Int(0), 1);
}

TEST_P(StorageContract, CheckViolationIsOther) {
    const auto db = Open();
    ExecuteOnce(*db,
                "CREATE TABLE wallets (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL "
                "CHECK (balance >= 0))");
    ExecuteOnce(*db, "INSERT INTO wallets (id, balance) VALUES ($1, $2)", {1, 5});

    EXPECT_EQ(
        ErrorKindOf([&] {
            ExecuteOnce(*db, "UPDATE wallets SET balance = balance - $1 WHERE id = $2", {6, 1});
        }),
        Kind::kOther);
    EXPECT_EQ(QueryOnce(*db, "SELECT balance FROM wallets").at(0).Int(0), 5);
}

TEST_P(StorageContract, SerializationFailureRunsTheWholeTransactionAgain) {
    const auto db = Open();
    ExecuteOnce(*db, kCreateItems);

    int runs = 0;
    db->RunTransaction(TxMode::kWrite, [&](Transaction& tx) {
        ++runs;
        tx.Execute("INSERT INTO items (id) VALUES ($1)", {1});
        if (runs < 3) {
            throw DatabaseError(Kind::kSerialization, "simulated deadlock");
        }
    });

    EXPECT_EQ(runs, 3);
    EXPECT_EQ(QueryOnce(*db, "SELECT count(*) FROM items").at(0).Int(0), 1);
}

TEST_P(StorageContract, SerializationFailureGivesUpAfterMaxAttempts) {
    const auto db = Open({.max_transaction_attempts = 4});
    int runs = 0;
    EXPECT_EQ(ErrorKindOf([&] {
                  db->RunTransaction(TxMode::kWrite, [&](Transaction&) {
                      ++runs;
                      throw DatabaseError(Kind::kSerialization, "simulated deadlock");
                  });
              }),
              Kind::kSerialization);
    EXPECT_EQ(runs, 4);
}

// A real deadlock, not a simulated one: two transactions each update one row, then the
// other's. PostgreSQL aborts one of them with 40P01, and RunTransaction runs it again.
TEST_P(StorageContract, DeadlockVictimRunsAgainUntilBothCommit) {
    if (GetParam() != Engine::kPostgres) GTEST_SKIP() << "SQLite has one writer: no deadlock";
    const auto db = Open(kPatientOptions);
    ExecuteOnce(*db, "CREATE TABLE counters (id BIGINT PRIMARY KEY, value BIGINT NOT NULL)");
    ExecuteOnce(*db, "INSERT INTO counters (id, value) VALUES (1, 0), (2, 0)");
    std::atomic<int> holding_first{0};
    std::atomic<int> attempts{0};
    const auto update_both = [&](std::int64_t first, std::int64_t second) {
        bool first_attempt = true;
        db->RunTransaction(TxMode::kWrite, [&](Transaction& tx) {
            attempts.fetch_add(1);
            tx.Execute("UPDATE counters SET value = value + 1 WHERE id = $1", {first});
            if (first_attempt) {
                // Both hold their first row before either asks for the other's.
                first_attempt = false;
                holding_first.fetch_add(1);
                while (holding_first.load() < 2) std::this_thread::yield();
            }
            tx.Execute("UPDATE counters SET value = value + 1 WHERE id = $1", {second});
        });
    };
    std::thread forward(update_both, 1, 2);
    std::thread backward(update_both, 2, 1);
    forward.join();
    backward.join();
    // At least one victim ran again (two victims are possible when both deadlock checks fire at
    // once); each transaction's effect is still counted exactly once.
    EXPECT_GE(attempts.load(), 3);
    EXPECT_EQ(QueryOnce(*db, "SELECT SUM(value) FROM counters").at(0).Int(0), 4);
}

// The SQLite settings the design relies on: WAL, synchronous FULL unless the operator says
// otherwise, and a busy timeout, on the writer and on the readers alike.
TEST_P(StorageContract, SqliteRunsInWalWithFullSynchronousByDefault) {
    if (GetParam() != Engine::kSqlite) GTEST_SKIP() << "SQLite's settings";
    const auto pragma = [](Database& db, TxMode mode, const std::string& name) {
        std::string value;
        db.RunTransaction(
            mode, [&](Transaction& tx) { value = tx.Query("PRAGMA " + name).at(0).Text(0); });
        return value;
    };
    for (const TxMode mode : {TxMode::kWrite, TxMode::kRead}) {
        const auto durable = Open();
        EXPECT_EQ(pragma(*durable, mode, "journal_mode"), "wal");
        EXPECT_EQ(pragma(*durable, mode, "synchronous"), "2");  // FULL
        EXPECT_EQ(pragma(*durable, mode, "busy_timeout"), "5000");
    }
    const auto fast = Open({.sqlite_synchronous_full = false});
    EXPECT_EQ(pragma(*fast, TxMode::kWrite, "synchronous"), "1");  // NORMAL
}

TEST_P(StorageContract, ConcurrentIncrementsAreExact) {
    constexpr int kThreads = 8;
    constexpr int kIncrementsPerThread = 50;
    const auto db = Open(kPatientOptions);
    ExecuteOnce(*db, "CREATE TABLE counters (id BIGINT PRIMARY KEY, value BIGINT NOT NULL)");
    ExecuteOnce(*db, "INSERT INTO counters (id, value) VALUES (1, 0)");

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kIncrementsPerThread; ++i) {
                db->RunTransaction(TxMode::kWrite, [](Transaction& tx) {
                    const Rows before = tx.Query("SELECT value FROM counters WHERE id = $1", {1});
                    // Guarded on the value read, so a lost update would show as 0 rows changed.
                    const std::int64_t changed = tx.Execute(
                        "UPDATE counters SET value = value + 1 WHERE id = $1 AND value >= $2",
                        {1, before.at(0).Int(0)});
                    ASSERT_EQ(changed, 1);
                });
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }

    EXPECT_EQ(QueryOnce(*db, "SELECT value FROM counters").at(0).Int(0),
              kThreads * kIncrementsPerThread);
}

TEST_P(StorageContract, GuardedDecrementNeverGoesNegative) {
    constexpr int kThreads = 8;
    constexpr int kAttemptsPerThread = 50;
    constexpr int kStartingBalance = 100;
    const auto db = Open(kPatientOptions);
    ExecuteOnce(*db, "CREATE TABLE wallets (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL)");
    ExecuteOnce(*db, "INSERT INTO wallets (id, balance) VALUES ($1, $2)", {1, kStartingBalance});

    std::atomic<int> successes = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kAttemptsPerThread; ++i) {
                db->RunTransaction(TxMode::kWrite, [&](Transaction& tx) {
                    if (tx.Execute("UPDATE wallets SET balance = balance - 1 "
                                   "WHERE id = 1 AND balance >= 1") == 1) {
                        ++successes;
                    }
                });
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }

    EXPECT_EQ(successes, kStartingBalance);
    EXPECT_EQ(QueryOnce(*db, "SELECT balance FROM wallets").at(0).Int(0), 0);
}

TEST_P(StorageContract, ReadDoesNotWaitForAnOpenWriteTransaction) {
    const auto db = Open();
    ExecuteOnce(*db, kCreateItems);
    ExecuteOnce(*db, "INSERT INTO items (id, amount) VALUES (1, 10)");

    std::promise<void> writer_updated;
    std::promise<void> reader_done;
    std::thread writer([&] {
        db->RunTransaction(TxMode::kWrite, [&](Transaction& tx) {
            tx.Execute("UPDATE items SET amount = 20 WHERE id = 1");
            writer_updated.set_value();
            reader_done.get_future().wait();
        });
    });
    writer_updated.get_future().wait();
    // The writer holds its transaction open until this read finishes: a read that waited for it
    // would never return.
    const Rows rows = QueryOnce(*db, "SELECT amount FROM items WHERE id = 1");
    reader_done.set_value();
    writer.join();

    EXPECT_EQ(rows.at(0).Int(0), 10);  // the last committed value
    EXPECT_EQ(QueryOnce(*db, "SELECT amount FROM items WHERE id = 1").at(0).Int(0), 20);
}

TEST_P(StorageContract, ReadTransactionRefusesWrites) {
    const auto db = Open();
    ExecuteOnce(*db, kCreateItems);
    EXPECT_THROW(db->RunTransaction(
                     TxMode::kRead,
                     [](Transaction& tx) { tx.Execute("INSERT INTO items (id) VALUES (1)"); }),
                 DatabaseError);
    EXPECT_EQ(QueryOnce(*db, "SELECT count(*) FROM items").at(0).Int(0), 0);
}

TEST_P(StorageContract, ReturningStatementsApplyEveryRow) {
    const auto db = Open();
    ExecuteOnce(*db, kCreateItems);
    // Execute must step a RETURNING statement to its end, or SQLite would insert only one row.
    EXPECT_EQ(ExecuteOnce(*db,
                          "INSERT INTO items (id, amount) VALUES (1, 1), (2, 2), (3, 3) "
                          "RETURNING id"),
              3);

    Rows updated;
    db->RunTransaction(TxMode::kWrite, [&](Transaction& tx) {
        updated = tx.Query(
            "UPDATE items SET amount = amount * 10 WHERE id >= $1 RETURNING id, amount", {2});
    });
    ASSERT_EQ(updated.size(), 2u);
    EXPECT_EQ(QueryOnce(*db, "SELECT sum(amount) FROM items").at(0).Int(0), 1 + 20 + 30);
}

TEST_P(StorageContract, ExecuteRunsSeveralStatementsWithoutParameters) {
    const auto db = Open();
    ExecuteOnce(*db,
                "CREATE TABLE a (x BIGINT);\n"
                "-- a comment between statements\n"
                "CREATE TABLE b (y TEXT);\n"
                "INSERT INTO a (x) VALUES (1);\n"
                "INSERT INTO b (y) VALUES ('semi;colon');\n");
    EXPECT_EQ(QueryOnce(*db, "SELECT count(*) FROM a").at(0).Int(0), 1);
    EXPECT_EQ(QueryOnce(*db, "SELECT y FROM b").at(0).Text(0), "semi;colon");
}

TEST_P(StorageContract, WrongNumberOfParametersIsOther) {
    const auto db = Open();
    ExecuteOnce(*db, kCreateItems);
    EXPECT_EQ(ErrorKindOf(
                  [&] { ExecuteOnce(*db, "INSERT INTO items (id, amount) VALUES ($1, $2)", {1}); }),
              Kind::kOther);
    // The connection survives the mistake.
    EXPECT_EQ(ExecuteOnce(*db, "INSERT INTO items (id, amount) VALUES ($1, $2)", {1, 2}), 1);
}

TEST_P(StorageContract, PingAndStats) {
    const auto db = Open({.pool_size = 3});
    EXPECT_TRUE(db->Ping());
    QueryOnce(*db, "SELECT 1");
    const PoolStats stats = db->Stats();
    EXPECT_GE(stats.size, 1);
    EXPECT_EQ(stats.in_use, 0);
}

TEST_P(StorageContract, ExhaustedPoolIsUnavailable) {
    const auto db = Open({.pool_size = 1, .acquire_timeout_ms = 100});
    std::promise<void> holding;
    std::promise<void> release;
    std::thread holder([&] {
        db->RunTransaction(TxMode::kRead, [&](Transaction& tx) {
            tx.Query("SELECT 1");
            holding.set_value();
            release.get_future().wait();
        });
    });
    holding.get_future().wait();
    const auto kind = ErrorKindOf([&] { QueryOnce(*db, "SELECT 1"); });
    const PoolStats stats = db->Stats();
    release.set_value();
    holder.join();

    EXPECT_EQ(kind, Kind::kUnavailable);
    EXPECT_GE(stats.waits, 1);
    EXPECT_GE(stats.in_use, 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, StorageContract,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres), EngineName);

}  // namespace
}  // namespace nanotasks::storage
