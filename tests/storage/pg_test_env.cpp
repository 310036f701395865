#include "storage/pg_test_env.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>

namespace nanotasks::test_support {
namespace {

struct Finisher {
    void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};

// CREATE and DROP DATABASE cannot run inside a transaction, which is all that Database offers,
// hence plain libpq.
void RunOutsideTransaction(const std::string& url, const std::string& sql) {
    const std::unique_ptr<PGconn, Finisher> connection(PQconnectdb(url.c_str()));
    if (PQstatus(connection.get()) != CONNECTION_OK) {
        throw std::runtime_error("cannot connect to the test cluster: " +
                                 std::string(PQerrorMessage(connection.get())));
    }
    const std::unique_ptr<PGresult, ResultDeleter> result(PQexec(connection.get(), sql.c_str()));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
        throw std::runtime_error(sql + ": " + PQerrorMessage(connection.get()));
    }
}

std::string RandomName() {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::random_device source;
    std::string name = "t_";
    for (int i = 0; i < 16; ++i) {
        name += kDigits[source() % 16];
    }
    return name;
}

}  // namespace

std::optional<std::string> PostgresClusterUrl() {
    const char* dir = std::getenv("NANOTASKS_TEST_PG_DIR");
    if (dir == nullptr || *dir == '\0') {
        return std::nullopt;
    }
    std::ifstream file(std::string(dir) + "/url");
    std::string url;
    if (!std::getline(file, url) || url.empty()) {
        throw std::runtime_error(std::string("no cluster URL in ") + dir +
                                 "/url: did the pg_cluster_start fixture run?");
    }
    return url;
}

std::string WithDatabaseName(const std::string& url, const std::string& name) {
    const auto scheme_end = url.find("://");
    const auto authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    const auto path = url.find_first_of("/?", authority);
    if (path == std::string::npos) {
        return url + "/" + name;
    }
    const auto query = url.find('?', path);
    return url.substr(0, path) + "/" + name +
           (query == std::string::npos ? std::string() : url.substr(query));
}

ScratchPostgresDatabase::ScratchPostgresDatabase(std::string cluster_url)
    : cluster_url_(std::move(cluster_url)),
      name_(RandomName()),
      url_(WithDatabaseName(cluster_url_, name_)) {
    RunOutsideTransaction(cluster_url_, "CREATE DATABASE " + name_);
}

ScratchPostgresDatabase::~ScratchPostgresDatabase() {
    try {
        RunOutsideTransaction(cluster_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception& error) {
        // A leftover database only costs disk in a cluster that the fixture deletes anyway.
        std::cerr << "could not drop test database " << name_ << ": " << error.what() << '\n';
    }
}

}  // namespace nanotasks::test_support
