#pragma once

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

}  // namespace nanotasks::storage
