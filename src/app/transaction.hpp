#pragma once

#include <optional>
#include <utility>

#include "core/error.hpp"
#include "storage/database.hpp"

namespace nanotasks::app {

// Runs fn(tx) -> Result<T> in one transaction. An error result rolls the transaction back (a
// rule refused part-way must leave nothing behind), then is returned as a value.
template <typename T, typename Fn>
core::Result<T> InTransaction(storage::Database& db, storage::TxMode mode, Fn&& fn) {
    struct Abort {
        core::Error error;
    };
    std::optional<core::Result<T>> outcome;
    try {
        db.RunTransaction(mode, [&](storage::Transaction& tx) {
            core::Result<T> result = fn(tx);
            if (!result.ok()) throw Abort{std::move(result).error()};
            outcome.emplace(std::move(result));
        });
    } catch (Abort& abort) {
        return std::move(abort.error);
    }
    return std::move(*outcome);
}

}  // namespace nanotasks::app
