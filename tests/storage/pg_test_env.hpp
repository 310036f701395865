#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

// Test support for any test directory that needs the PostgreSQL cluster of the CTest fixture
// "postgres" (tests/pg_cluster.sh). Link nanotasks_pg_test_env and give the test
// FIXTURES_REQUIRED postgres and ENVIRONMENT NANOTASKS_TEST_PG_DIR=${NANOTASKS_PG_TEST_DIR}.
namespace nanotasks::test_support {

// The cluster's URL, read from $NANOTASKS_TEST_PG_DIR/url; nullopt when the variable is unset
// (a test binary run by hand). Throws std::runtime_error when it is set but the file is missing,
// since then the fixture failed and skipping would hide it.
std::optional<std::string> PostgresClusterUrl();

// The URL with its database name replaced: postgresql://u@h:p/nt -> postgresql://u@h:p/NAME.
std::string WithDatabaseName(const std::string& url, const std::string& name);

// A database of one test's own on the cluster (CREATE DATABASE t_<random>), so that tests run in
// parallel without seeing each other's rows; dropped, with any open connection, on destruction.
class ScratchPostgresDatabase {
  public:
    explicit ScratchPostgresDatabase(std::string cluster_url);
    ~ScratchPostgresDatabase();
    ScratchPostgresDatabase(const ScratchPostgresDatabase&) = delete;
    ScratchPostgresDatabase& operator=(const ScratchPostgresDatabase&) = delete;

    const std::string& name() const { return name_; }
    const std::string& url() const { return url_; }

  private:
    std::string cluster_url_;
    std::string name_;
    std::string url_;
};

}  // namespace nanotasks::test_support

// In a test body or SetUp: skips the test when no cluster is configured; otherwise declares
// `const std::string& url_variable` holding the cluster's URL.
#define NANOTASKS_POSTGRES_URL_OR_SKIP(url_variable)                                          \
    const std::optional<std::string> url_variable##_or_none =                                 \
        ::nanotasks::test_support::PostgresClusterUrl();                                      \
    if (!url_variable##_or_none) {                                                            \
        GTEST_SKIP() << "NANOTASKS_TEST_PG_DIR is not set: run through ctest for PostgreSQL"; \
    }                                                                                         \
    const std::string& url_variable = *url_variable##_or_none
