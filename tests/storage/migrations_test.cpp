#include "storage/migrations.hpp"

#include <gtest/gtest.h>

#include <array>
#include <thread>
#include <vector>

#include "engine_fixture.hpp"

namespace nanotasks::storage {
namespace {

class Migrations : public EngineTest {};

// Not idempotent on purpose: applying one twice would fail on the CREATE TABLE.
constexpr std::array<Migration, 3> kThreeSteps{{
    {1, "first", "CREATE TABLE first (id BIGINT PRIMARY KEY)"},
    {2, "second", "CREATE TABLE second (id BIGINT PRIMARY KEY);\nINSERT INTO second VALUES (1);"},
    {3, "third", "ALTER TABLE second ADD COLUMN note TEXT"},
}};

Rows RecordedMigrations(Database& db) {
    return QueryOnce(db,
                     "SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
}

TEST_P(Migrations, AppliesTheEmbeddedMigrations) {
    const auto db = Open();
    EXPECT_EQ(SchemaVersion(*db), 0);

    Migrate(*db);

    EXPECT_EQ(SchemaVersion(*db), LatestEmbeddedVersion(GetParam()));
    EXPECT_EQ(ExecuteOnce(*db, "INSERT INTO settings (key, value) VALUES ($1, $2)", {"k", "v"}), 1);
}

TEST_P(Migrations, RunningTwiceChangesNothing) {
    const auto db = Open();
    Migrate(*db, kThreeSteps);
    const Rows first = RecordedMigrations(*db);

    Migrate(*db, kThreeSteps);

    const Rows second = RecordedMigrations(*db);
    ASSERT_EQ(first.size(), 3u);
    ASSERT_EQ(second.size(), 3u);
    for (std::size_t i = 0; i < first.size(); ++i) {
        EXPECT_EQ(second[i].Int(0), first[i].Int(0));
        EXPECT_EQ(second[i].Text(1), first[i].Text(1));
        EXPECT_EQ(second[i].Int(2), first[i].Int(2));  // not re-applied
    }
    EXPECT_EQ(first[1].Text(1), "second");
    EXPECT_EQ(QueryOnce(*db, "SELECT count(*) FROM second").at(0).Int(0), 1);
}

TEST_P(Migrations, AppliesOnlyTheNewOnes) {
    const auto db = Open();
    Migrate(*db, std::span(kThreeSteps).first(1));
    EXPECT_EQ(SchemaVersion(*db), 1);
    Migrate(*db, kThreeSteps);
    EXPECT_EQ(SchemaVersion(*db), 3);
}

TEST_P(Migrations, RefusesADatabaseNewerThanTheBinary) {
    const auto db = Open();
    Migrate(*db, kThreeSteps);
    ExecuteOnce(*db,
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                {7, "from_the_future", 0});

    try {
        Migrate(*db, kThreeSteps);
        FAIL() << "expected SchemaTooNewError";
    } catch (const SchemaTooNewError& error) {
        EXPECT_STREQ(error.what(), "database schema version 7 is newer than this binary (3)");
    }
    EXPECT_EQ(SchemaVersion(*db), 7);
}

TEST_P(Migrations, AFailedMigrationLeavesTheLastCompleteVersion) {
    const std::array<Migration, 2> broken{{
        {1, "first", "CREATE TABLE first (id BIGINT PRIMARY KEY)"},
        {2, "broken", "CREATE TABLE half (id BIGINT);\nINSERT INTO no_such_table VALUES (1);"},
    }};
    const auto db = Open();

    EXPECT_THROW(Migrate(*db, broken), DatabaseError);

    EXPECT_EQ(SchemaVersion(*db), 1);
    // The statement before the failing one was rolled back with it.
    EXPECT_THROW(QueryOnce(*db, "SELECT count(*) FROM half"), DatabaseError);
}

TEST_P(Migrations, ConcurrentMigratorsApplyEachMigrationOnce) {
    constexpr int kProcesses = 4;
    // Each thread has a Database of its own, as separate server processes would.
    std::vector<std::unique_ptr<Database>> databases;
    for (int i = 0; i < kProcesses; ++i) {
        databases.push_back(Open({.pool_size = 2, .acquire_timeout_ms = 30'000}));
    }
    std::vector<std::thread> threads;
    std::atomic<int> failures = 0;
    for (auto& database : databases) {
        threads.emplace_back([&failures, &database] {
            try {
                Migrate(*database, kThreeSteps);
            } catch (const std::exception& error) {
                ADD_FAILURE() << error.what();
                ++failures;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }

    EXPECT_EQ(failures, 0);
    EXPECT_EQ(RecordedMigrations(*databases[0]).size(), 3u);
    EXPECT_EQ(QueryOnce(*databases[0], "SELECT count(*) FROM second").at(0).Int(0), 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, Migrations, ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         EngineName);

TEST(EmbeddedMigrations, StartAtOneInAscendingOrderForBothEngines) {
    for (const Engine engine : {Engine::kSqlite, Engine::kPostgres}) {
        const auto migrations = EmbeddedMigrations(engine);
        ASSERT_FALSE(migrations.empty());
        EXPECT_EQ(migrations.front().version, 1);
        EXPECT_EQ(migrations.front().name, "init");
        EXPECT_NE(migrations.front().sql.find("CREATE TABLE settings"), std::string_view::npos);
        for (std::size_t i = 1; i < migrations.size(); ++i) {
            EXPECT_LT(migrations[i - 1].version, migrations[i].version);
        }
        EXPECT_EQ(LatestEmbeddedVersion(engine), migrations.back().version);
    }
    // The engines' schemas evolve in step: the same versions on both.
    EXPECT_EQ(LatestEmbeddedVersion(Engine::kSqlite), LatestEmbeddedVersion(Engine::kPostgres));
}

}  // namespace
}  // namespace nanotasks::storage
