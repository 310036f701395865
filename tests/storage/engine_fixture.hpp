#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"
#include "storage/pg_test_env.hpp"

namespace nanotasks::storage {

// The contract suites run every case once per engine: on SQLite in a fresh file, on PostgreSQL
// in a fresh database of the fixture's cluster, so the two drivers cannot drift apart.
class EngineTest : public ::testing::TestWithParam<Engine> {
  protected:
    void SetUp() override {
        if (GetParam() == Engine::kPostgres) {
            const auto cluster = test_support::PostgresClusterUrl();
            if (!cluster) {
                GTEST_SKIP() << "NANOTASKS_TEST_PG_DIR is not set: run through ctest";
            }
            scratch_.emplace(*cluster);
            url_ = scratch_->url();
        } else {
            std::random_device random;
            dir_ = std::filesystem::temp_directory_path() /
                   ("nanotasks_storage_" + std::to_string(random()) + std::to_string(random()));
            std::filesystem::create_directories(dir_);
            url_ = "sqlite:" + (dir_ / "test.db").string();
        }
    }

    void TearDown() override {
        if (!dir_.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(dir_, ignored);
        }
    }

    std::unique_ptr<Database> Open(const DatabaseOptions& options = {}) const {
        return OpenDatabase(url_, options);
    }

    std::string url_;

  private:
    std::optional<test_support::ScratchPostgresDatabase> scratch_;
    std::filesystem::path dir_;
};

inline std::string EngineName(const ::testing::TestParamInfo<Engine>& info) {
    return info.param == Engine::kSqlite ? "Sqlite" : "Postgres";
}

// One statement in its own transaction, for a test's setup and checks.
inline Rows QueryOnce(Database& database, std::string_view sql,
                      const std::vector<Value>& params = {}) {
    Rows rows;
    database.RunTransaction(TxMode::kRead, [&](Transaction& tx) { rows = tx.Query(sql, params); });
    return rows;
}

inline std::int64_t ExecuteOnce(Database& database, std::string_view sql,
                                const std::vector<Value>& params = {}) {
    std::int64_t changed = 0;
    database.RunTransaction(TxMode::kWrite,
                            [&](Transaction& tx) { changed = tx.Execute(sql, params); });
    return changed;
}

// Runs fn and returns the kind of the DatabaseError it throws; fails the test if it throws none.
template <typename Fn>
std::optional<DatabaseError::Kind> ErrorKindOf(Fn&& fn) {
    try {
        fn();
    } catch (const DatabaseError& error) {
        return error.kind();
    }
    ADD_FAILURE() << "expected a DatabaseError";
    return std::nullopt;
}

}  // namespace nanotasks::storage
