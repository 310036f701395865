#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "storage/database.hpp"

namespace nanotasks::storage {

// One list query, built but not run: repositories run it, and the query-plan test runs EXPLAIN on
// the very same text to check that an index serves it on both engines.
struct ListQuery {
    std::string sql;
    std::vector<Value> params;

    // Adds a parameter and returns its placeholder ("$3").
    std::string Param(Value value) {
        params.push_back(std::move(value));
        return "$" + std::to_string(params.size());
    }
};

// " LIMIT n" with n written into the text, never a parameter. PostgreSQL runs generic plans
// (see postgres_database.cpp), and a generic plan takes `LIMIT $n` for a tenth of the rows: with
// a million submissions it chose parallel or sequential scans and a sort over an index walk that
// stops after a page. Limits are small, validated integers, so the statement texts stay few.
inline std::string LimitClause(std::int64_t rows) { return " LIMIT " + std::to_string(rows); }

}  // namespace nanotasks::storage
