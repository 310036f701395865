#include "app/login_throttle.hpp"

#include <algorithm>
#include <optional>

namespace nanotasks::app {

void LoginThrottle::Prune(std::deque<Clock::time_point>& attempts, Clock::time_point now) const {
    while (!attempts.empty() && attempts.front() + window_ <= now) attempts.pop_front();
}

core::Result<LoginThrottle::Attempt> LoginThrottle::Reserve(std::vector<std::string> keys,
                                                            Clock::time_point now) {
    std::lock_guard lock(mutex_);
    // Wait for the key whose window frees a place last.
    std::optional<Clock::duration> wait;
    for (const auto& key : keys) {
        const auto it = attempts_.find(key);
        if (it == attempts_.end()) continue;
        Prune(it->second, now);
        if (static_cast<int>(it->second.size()) < max_failures_) continue;
        const auto key_wait = it->second.front() + window_ - now;
        wait = std::max(wait.value_or(key_wait), key_wait);
    }
    if (wait) {
        const auto seconds = std::chrono::ceil<std::chrono::seconds>(*wait).count();
        core::Error error =
            core::Error::Of(core::ErrorCode::kRateLimited, "Too many failed logins; try later.");
        error.retry_after_seconds = static_cast<int>(seconds < 1 ? 1 : seconds);
        return error;
    }
    // Each key holds at most the limit, since a full one refuses: memory per key is bounded.
    for (const auto& key : keys) attempts_[key].push_back(now);
    // Sweep keys whose attempts all expired, now and then, so that the map stays bounded.
    if (++reservations_since_sweep_ >= 1024) {
        reservations_since_sweep_ = 0;
        for (auto entry = attempts_.begin(); entry != attempts_.end();) {
            Prune(entry->second, now);
            entry = entry->second.empty() ? attempts_.erase(entry) : std::next(entry);
        }
    }
    return Attempt{.keys = std::move(keys), .started_at = now};
}

void LoginThrottle::Release(const Attempt& attempt) {
    std::lock_guard lock(mutex_);
    for (const auto& key : attempt.keys) {
        const auto it = attempts_.find(key);
        if (it == attempts_.end()) continue;
        auto& attempts = it->second;
        // Attempts that started at the same moment are alike; taking back any one of them will
        // do. The attempt may already have left the window, and then there is nothing to take.
        const auto found = std::find(attempts.rbegin(), attempts.rend(), attempt.started_at);
        if (found != attempts.rend()) attempts.erase(std::next(found).base());
        if (attempts.empty()) attempts_.erase(it);
    }
}

}  // namespace nanotasks::app
