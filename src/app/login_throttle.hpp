#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"

namespace nanotasks::app {

// Login attempts per key (a client address or an email) in a sliding minute. An attempt is
// counted when it starts, before the slow password check, so that parallel guesses cannot all
// pass the check before the first of them has failed; a success takes its attempt back. So while
// the limit's worth of attempts on a key are still being checked, one more is refused too. Per
// process, as the design allows for rate-limit counters: several processes each allow the limit.
class LoginThrottle {
  public:
    using Clock = std::chrono::steady_clock;

    // One attempt, counted against each of its keys.
    struct Attempt {
        std::vector<std::string> keys;
        Clock::time_point started_at;
    };

    explicit LoginThrottle(int max_failures, std::chrono::seconds window = std::chrono::seconds(60))
        : max_failures_(max_failures), window_(window) {}

    // Counts an attempt against every key at once, unless one of them already has the limit
    // within the window: then nothing is counted and the error (kRateLimited) says how many
    // seconds to wait.
    core::Result<Attempt> Reserve(std::vector<std::string> keys, Clock::time_point now);
    // Takes back an attempt that succeeded, so that only failures stay counted.
    void Release(const Attempt& attempt);

  private:
    void Prune(std::deque<Clock::time_point>& attempts, Clock::time_point now) const;

    int max_failures_;
    std::chrono::seconds window_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::deque<Clock::time_point>> attempts_;
    std::size_t reservations_since_sweep_ = 0;
};

}  // namespace nanotasks::app
