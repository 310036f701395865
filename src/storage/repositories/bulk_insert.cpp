#include "storage/repositories/bulk_insert.hpp"

#include <algorithm>
#include <iterator>

namespace nanotasks::storage {
namespace {

// Parameters per statement. 999 is SQLite's smallest build limit (SQLITE_MAX_VARIABLE_NUMBER
// before 3.32). PostgreSQL takes up to 65535, but libpq 15 treats a ParameterDescription message
// over 30,000 bytes (4 bytes a parameter) as a protocol error when it prepares the statement.
std::size_t MaxParameters(Engine engine) { return engine == Engine::kSqlite ? 999 : 7000; }

}  // namespace

BulkInsert::BulkInsert(Engine engine, std::string table, std::vector<std::string> columns,
                       std::size_t rows_per_statement)
    : table_(std::move(table)), columns_(std::move(columns)) {
    if (columns_.empty()) throw std::logic_error("bulk insert into " + table_ + ": no columns");
    const std::size_t most = std::max<std::size_t>(1, MaxParameters(engine) / columns_.size());
    rows_per_statement_ = rows_per_statement == 0 ? (engine == Engine::kSqlite ? 1 : most)
                                                  : std::min(rows_per_statement, most);
    full_statement_ = StatementFor(rows_per_statement_);
}

std::string BulkInsert::StatementFor(std::size_t rows) const {
    std::string sql = "INSERT INTO " + table_ + " (";
    for (std::size_t column = 0; column < columns_.size(); ++column) {
        if (column > 0) sql += ", ";
        sql += columns_[column];
    }
    sql += ") VALUES ";
    std::size_t parameter = 0;
    for (std::size_t row = 0; row < rows; ++row) {
        sql += row > 0 ? ", (" : "(";
        for (std::size_t column = 0; column < columns_.size(); ++column) {
            if (column > 0) sql += ", ";
            sql += '$';
            sql += std::to_string(++parameter);
        }
        sql += ')';
    }
    return sql;
}

void BulkInsert::Flush(Transaction& tx) {
    const std::size_t width = columns_.size();
    const std::size_t rows = pending_.size() / width;
    for (std::size_t first = 0; first < rows; first += rows_per_statement_) {
        const std::size_t count = std::min(rows_per_statement_, rows - first);
        batch_.clear();
        batch_.insert(
            batch_.end(),
            std::make_move_iterator(pending_.begin() + static_cast<std::ptrdiff_t>(first * width)),
            std::make_move_iterator(pending_.begin() +
                                    static_cast<std::ptrdiff_t>((first + count) * width)));
        tx.Execute(count == rows_per_statement_ ? full_statement_ : StatementFor(count), batch_);
        written_rows_ += static_cast<std::int64_t>(count);
    }
    pending_.clear();
}

}  // namespace nanotasks::storage
