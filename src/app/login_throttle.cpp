#include "app/login_throttle.hpp"

namespace nanotasks::app {

void LoginThrottle::Prune(std::deque<Clock::time_point>& failures, Clock::time_point now) const {
    while (!failures.empty() && failures.front() + window_ <= now) failures.pop_front();
}

std::optional<int> LoginThrottle::RetryAfter(const std::string& key, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    const auto it = failures_.find(key);
    if (it == failures_.end()) return std::nullopt;
    Prune(it->second, now);
    if (static_cast<int>(it->second.size()) < max_failures_) return std::nullopt;
    const auto wait = it->second.front() + window_ - now;
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
    return static_cast<int>(seconds < 1 ? 1 : seconds);
}

void LoginThrottle::RecordFailure(const std::string& key, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto& failures = failures_[key];
    Prune(failures, now);
    // Keep at most what the decision needs, so that a flood cannot grow memory per key.
    if (static_cast<int>(failures.size()) >= max_failures_) failures.pop_front();
    failures.push_back(now);
    // Sweep keys whose failures all expired, now and then, so that the map stays bounded.
    if (++records_since_sweep_ >= 1024) {
        records_since_sweep_ = 0;
        for (auto entry = failures_.begin(); entry != failures_.end();) {
            Prune(entry->second, now);
            entry = entry->second.empty() ? failures_.erase(entry) : std::next(entry);
        }
    }
}

}  // namespace nanotasks::app
