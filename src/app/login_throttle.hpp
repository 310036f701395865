#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace nanotasks::app {

// Failed logins per key (a client address or an email) in a sliding minute. Per process, as
// the design allows for rate-limit counters: several processes each allow the limit.
class LoginThrottle {
  public:
    using Clock = std::chrono::steady_clock;
    explicit LoginThrottle(int max_failures, std::chrono::seconds window = std::chrono::seconds(60))
        : max_failures_(max_failures), window_(window) {}

    // Seconds until the key may try again, when it is throttled now.
    std::optional<int> RetryAfter(const std::string& key, Clock::time_point now);
    void RecordFailure(const std::string& key, Clock::time_point now);

  private:
    void Prune(std::deque<Clock::time_point>& failures, Clock::time_point now) const;

    int max_failures_;
    std::chrono::seconds window_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::deque<Clock::time_point>> failures_;
    std::size_t records_since_sweep_ = 0;
};

}  // namespace nanotasks::app
