#include "storage/database.hpp"

#include <charconv>

namespace nanotasks::storage {

std::int64_t Row::Int(std::size_t column) const {
    const auto& cell = cells_.at(column);
    if (!cell) {
        throw DatabaseError(DatabaseError::Kind::kOther,
                            "column " + std::to_string(column) + " is NULL, expected an integer");
    }
    std::int64_t value = 0;
    const char* begin = cell->data();
    const char* end = begin + cell->size();
    const auto [ptr, error] = std::from_chars(begin, end, value);
    if (error != std::errc{} || ptr != end || begin == end) {
        throw DatabaseError(DatabaseError::Kind::kOther, "column " + std::to_string(column) +
                                                             " is not an integer: '" + *cell + "'");
    }
    return value;
}

std::optional<std::int64_t> Row::OptionalInt(std::size_t column) const {
    if (IsNull(column)) {
        return std::nullopt;
    }
    return Int(column);
}

const std::string& Row::Text(std::size_t column) const {
    const auto& cell = cells_.at(column);
    if (!cell) {
        throw DatabaseError(DatabaseError::Kind::kOther,
                            "column " + std::to_string(column) + " is NULL, expected text");
    }
    return *cell;
}

}  // namespace nanotasks::storage
