#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "engine_fixture.hpp"
#include "storage/pg_test_env.hpp"

namespace nanotasks::storage {
namespace {

// Runs tests/pg_cluster.sh on this test's own cluster (the fixture "postgres_restart"), so that
// stopping the server does not disturb tests that share the main cluster.
void ClusterScript(const std::string& command) {
    const std::string dir = std::getenv("NANOTASKS_TEST_PG_DIR");
    const std::string line = "bash '" NANOTASKS_PG_CLUSTER_SCRIPT "' " + command + " '" + dir + "'";
    ASSERT_EQ(std::system(line.c_str()), 0) << line;
}

constexpr int kPoolSize = 4;

// Opens every connection of the pool at once, so that a restart leaves that many idle
// connections cut, which the driver must notice and replace.
void FillPool(Database& db) {
    std::latch all_inside(kPoolSize);
    std::vector<std::thread> threads;
    for (int i = 0; i < kPoolSize; ++i) {
        threads.emplace_back([&] {
            db.RunTransaction(TxMode::kRead, [&](Transaction& tx) {
                tx.Query("SELECT 1");
                all_inside.arrive_and_wait();
            });
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    ASSERT_EQ(db.Stats().size, kPoolSize);
}

TEST(PostgresRestart, ServiceResumesWhenTheServerComesBack) {
    NANOTASKS_POSTGRES_URL_OR_SKIP(url);
    const auto db = OpenDatabase(url, {.pool_size = kPoolSize, .acquire_timeout_ms = 2000});
    FillPool(*db);

    ClusterScript("pause");
    EXPECT_FALSE(db->Ping());
    EXPECT_EQ(ErrorKindOf([&] { QueryOnce(*db, "SELECT 1"); }), DatabaseError::Kind::kUnavailable);
    EXPECT_EQ(ErrorKindOf([&] { ExecuteOnce(*db, "SELECT 1"); }),
              DatabaseError::Kind::kUnavailable);

    ClusterScript("resume");
    // pg_ctl -w returns once the server accepts connections, so the first request should
    // succeed; the poll only allows for a slow machine.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!db->Ping() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (int i = 0; i < 3 * kPoolSize; ++i) {
        EXPECT_EQ(QueryOnce(*db, "SELECT 1").at(0).Int(0), 1) << "request " << i;
    }
}

TEST(PostgresRestart, IdleConnectionsCutByARestartAreReplacedUnnoticed) {
    NANOTASKS_POSTGRES_URL_OR_SKIP(url);
    const auto db = OpenDatabase(url, {.pool_size = kPoolSize, .acquire_timeout_ms = 2000});
    ExecuteOnce(*db, "CREATE TABLE IF NOT EXISTS restart_probe (id BIGINT)");
    FillPool(*db);

    ClusterScript("pause");
    ClusterScript("resume");

    // Nothing ran while the server was down, so no request needs to fail: each stale
    // connection fails before any work was sent, and the work moves to a new connection.
    for (int i = 0; i < 2 * kPoolSize; ++i) {
        EXPECT_EQ(QueryOnce(*db, "SELECT 1").at(0).Int(0), 1) << "read " << i;
        EXPECT_EQ(ExecuteOnce(*db, "INSERT INTO restart_probe (id) VALUES ($1)", {i}), 1)
            << "write " << i;
    }
}

}  // namespace
}  // namespace nanotasks::storage
