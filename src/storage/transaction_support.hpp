#pragma once

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>

#include "storage/database.hpp"

namespace nanotasks::storage {

// Shared by the drivers; not part of the interface that repositories see.

// Waits a short random time before a transaction runs again after a serialization failure or a
// deadlock: the randomness keeps the transactions that collided from colliding again in lockstep,
// and the ceiling grows with the attempt but stays small, because the caller is a live request.
inline void SleepBeforeRetry(int attempt) {
    thread_local std::minstd_rand random(std::random_device{}());
    const int ceiling_us = std::min(50'000, 1'000 << std::clamp(attempt, 0, 6));
    std::uniform_int_distribution<int> delay_us(ceiling_us / 4, ceiling_us);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
}

// PostgreSQL aborts a whole transaction when one statement fails, while SQLite only undoes the
// statement. Both drivers apply PostgreSQL's rule, so that code tested on one engine behaves the
// same on the other: after a failed statement every later statement, and the commit, throws the
// first error's kind again (so a swallowed serialization failure still leads to a retry).
class FailureLatch {
  public:
    template <typename Fn>
    decltype(auto) Run(Fn&& fn) {
        ThrowIfFailed();
        try {
            return std::forward<Fn>(fn)();
        } catch (const DatabaseError& error) {
            failure_.emplace(error);
            throw;
        }
    }

    void ThrowIfFailed() const {
        if (failure_) {
            throw DatabaseError(
                failure_->kind(),
                std::string("transaction aborted by an earlier error: ") + failure_->what());
        }
    }

  private:
    std::optional<DatabaseError> failure_;
};

}  // namespace nanotasks::storage
