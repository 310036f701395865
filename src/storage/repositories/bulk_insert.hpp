#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "storage/database.hpp"

namespace nanotasks::storage {

// Many rows into one table through multi-row `INSERT ... VALUES (...), (...)` statements: far
// fewer statements to run than one INSERT per row, and on PostgreSQL far fewer round trips. The
// statement texts repeat (one per batch size), so both drivers' statement caches prepare them
// once. Rows wait in memory until Flush, so that the caller decides the order in which tables
// are written: parents before children, for the foreign keys.
class BulkInsert {
  public:
    // rows_per_statement 0: as many as the engine's parameter limit allows (SQLite: one).
    BulkInsert(Engine engine, std::string table, std::vector<std::string> columns,
               std::size_t rows_per_statement = 0);

    // One row, its values in the order of the columns.
    template <typename... Values>
    void Add(Values&&... values) {
        static_assert(sizeof...(Values) > 0);
        if (sizeof...(Values) != columns_.size()) {
            throw std::logic_error("bulk insert into " + table_ + ": wrong number of values");
        }
        (pending_.emplace_back(std::forward<Values>(values)), ...);
    }

    // Writes every pending row in the caller's transaction.
    void Flush(Transaction& tx);

    std::size_t pending_rows() const { return pending_.size() / columns_.size(); }
    std::int64_t written_rows() const { return written_rows_; }

  private:
    std::string StatementFor(std::size_t rows) const;

    std::string table_;
    std::vector<std::string> columns_;
    std::size_t rows_per_statement_ = 1;
    std::string full_statement_;  // the text for rows_per_statement_ rows
    std::vector<Value> pending_;
    std::vector<Value> batch_;
    std::int64_t written_rows_ = 0;
};

}  // namespace nanotasks::storage
