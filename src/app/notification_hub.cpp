#include "app/notification_hub.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <stdexcept>
#include <unordered_map>

#include "storage/repositories/user_repository.hpp"

namespace nanotasks::app {

namespace detail {

// The subscribers of one hub, shared with the subscriptions so that Close() works whatever
// outlives what.
struct NotificationRegistry {
    std::mutex mutex;
    std::condition_variable changed;
    bool stopping = false;
    std::size_t count = 0;
    std::unordered_map<std::string, std::vector<std::shared_ptr<NotificationSubscription>>> by_user;

    void Remove(const NotificationSubscription* subscription) {
        const std::lock_guard lock(mutex);
        const auto found = by_user.find(subscription->user_id());
        if (found == by_user.end()) return;
        auto& list = found->second;
        const auto before = list.size();
        std::erase_if(list, [&](const auto& entry) { return entry.get() == subscription; });
        count -= before - list.size();
        if (list.empty()) by_user.erase(found);
    }
};

}  // namespace detail

namespace {

using storage::NotificationRecord;
using storage::NotificationRepository;

// Seen ids are kept this much longer than the lookback, in case the clock steps back a little.
constexpr std::int64_t kForgetMarginMs = 2000;
constexpr int kReplayPage = 200;
}  // namespace

NotificationSubscription::NotificationSubscription(
    std::string user_id, const NotificationHubOptions& options,
    std::weak_ptr<detail::NotificationRegistry> registry)
    : user_id_(std::move(user_id)),
      max_pending_(options.max_pending),
      max_seen_(options.max_seen),
      registry_(std::move(registry)) {}

void NotificationSubscription::SetWakeup(std::function<void()> wake) {
    const std::lock_guard lock(mutex_);
    if (closed_) return;
    wake_ = std::move(wake);
    if (wake_ && (ended_ || !pending_.empty())) wake_();
}

std::optional<std::vector<NotificationRecord>> NotificationSubscription::Take() {
    const std::lock_guard lock(mutex_);
    if (ended_ || closed_) return std::nullopt;
    return std::exchange(pending_, {});
}

void NotificationSubscription::Close() {
    {
        const std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = true;
        wake_ = nullptr;
        pending_.clear();
        seen_.clear();
        seen_by_time_.clear();
    }
    if (const auto registry = registry_.lock()) registry->Remove(this);
}

bool NotificationSubscription::MarkSeen(const std::string& id, std::int64_t created_at_ms) {
    if (!seen_.insert(id).second) return false;
    seen_by_time_.emplace(created_at_ms, id);
    while (seen_by_time_.size() > max_seen_) {
        seen_.erase(seen_by_time_.begin()->second);
        seen_by_time_.erase(seen_by_time_.begin());
    }
    return true;
}

void NotificationSubscription::Offer(const std::vector<const NotificationRecord*>& records) {
    const std::lock_guard lock(mutex_);
    if (closed_ || ended_) return;
    bool queued = false;
    for (const NotificationRecord* record : records) {
        if (!MarkSeen(record->id, record->created_at_ms)) continue;
        if (pending_.size() >= max_pending_) {
            ended_ = true;
            pending_.clear();
            break;
        }
        pending_.push_back(*record);
        queued = true;
    }
    // Called under the lock so that it cannot run after Close() has returned; it only posts.
    if ((queued || ended_) && wake_) wake_();
}

void NotificationSubscription::Remember(
    const std::vector<std::pair<std::string, std::int64_t>>& ids) {
    const std::lock_guard lock(mutex_);
    for (const auto& [id, created_at_ms] : ids) MarkSeen(id, created_at_ms);
}

void NotificationSubscription::Forget(std::int64_t cutoff_ms) {
    const std::lock_guard lock(mutex_);
    while (!seen_by_time_.empty() && seen_by_time_.begin()->first < cutoff_ms) {
        seen_.erase(seen_by_time_.begin()->second);
        seen_by_time_.erase(seen_by_time_.begin());
    }
}

void NotificationSubscription::End() {
    const std::lock_guard lock(mutex_);
    if (closed_ || ended_) return;
    ended_ = true;
    pending_.clear();
    if (wake_) wake_();
}

NotificationHub::NotificationHub(storage::Database& db, const core::Clock& clock,
                                 NotificationHubOptions options)
    : db_(db),
      clock_(clock),
      options_(options),
      registry_(std::make_shared<detail::NotificationRegistry>()) {
    if (options_.poll_interval.count() <= 0 || options_.lookback.count() <= 0) {
        throw std::invalid_argument("the poll interval and the lookback must be positive");
    }
    if (options_.status_interval.count() <= 0) {
        throw std::invalid_argument("the status interval must be positive");
    }
    if (options_.max_seen < 1 || options_.poll_page < 1 || options_.replay_max < 0 ||
        static_cast<std::size_t>(options_.replay_max) > options_.max_pending) {
        throw std::invalid_argument(
            "max_seen and poll_page must be positive, replay_max within 0..max_pending");
    }
}

NotificationHub::~NotificationHub() { Stop(); }

void NotificationHub::Start() {
    const std::lock_guard lock(registry_->mutex);
    if (thread_.joinable() || registry_->stopping) return;
    thread_ = std::thread([this] { Loop(); });
}

void NotificationHub::Stop() {
    std::vector<std::shared_ptr<NotificationSubscription>> ended;
    {
        const std::lock_guard lock(registry_->mutex);
        registry_->stopping = true;
        for (auto& [user_id, list] : registry_->by_user) {
            ended.insert(ended.end(), list.begin(), list.end());
        }
        registry_->by_user.clear();
        registry_->count = 0;
    }
    registry_->changed.notify_all();
    if (thread_.joinable()) thread_.join();
    for (const auto& subscription : ended) subscription->End();
}

std::shared_ptr<NotificationSubscription> NotificationHub::Subscribe(
    const std::string& user_id, const std::optional<std::string>& last_event_id) {
    std::shared_ptr<NotificationSubscription> subscription(
        new NotificationSubscription(user_id, options_, registry_));
    const std::int64_t since = core::ToUnixMillis(clock_.Now()) - options_.lookback.count();
    std::vector<std::pair<std::string, std::int64_t>> committed;
    std::vector<NotificationRecord> replay;
    db_.RunTransaction(storage::TxMode::kRead, [&](storage::Transaction& tx) {
        // What has committed first, the replay second: on PostgreSQL each statement has a
        // snapshot of its own, and in this order a notification committing in between is in the
        // replay or found by a later poll, never lost between the two.
        committed = NotificationRepository::IdsCreatedSince(tx, user_id, since);
        replay.clear();
        if (!last_event_id) return;
        std::string cursor = *last_event_id;
        while (replay.size() < static_cast<std::size_t>(options_.replay_max)) {
            const int want =
                std::min<int>(kReplayPage, options_.replay_max - static_cast<int>(replay.size()));
            auto page = NotificationRepository::After(tx, user_id, cursor, want);
            const bool more = static_cast<int>(page.size()) == want;
            replay.insert(replay.end(), std::make_move_iterator(page.begin()),
                          std::make_move_iterator(page.end()));
            if (!more) break;
            cursor = replay.back().id;
        }
    });
    std::vector<const NotificationRecord*> queued;
    queued.reserve(replay.size());
    for (const auto& record : replay) queued.push_back(&record);
    subscription->Offer(queued);  // before Remember, which would count them as delivered
    subscription->Remember(committed);

    bool registered = false;
    {
        const std::lock_guard lock(registry_->mutex);
        if (!registry_->stopping) {
            registry_->by_user[user_id].push_back(subscription);
            ++registry_->count;
            registered = true;
        }
    }
    if (registered) {
        registry_->changed.notify_all();
    } else {
        subscription->End();
    }
    return subscription;
}

void NotificationHub::PollOnce() {
    const std::lock_guard poll_lock(poll_mutex_);
    {
        const std::lock_guard lock(registry_->mutex);
        if (registry_->count == 0) return;
    }
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    const std::int64_t since = now_ms - options_.lookback.count();
    std::vector<NotificationRecord> rows;
    db_.RunTransaction(storage::TxMode::kRead, [&](storage::Transaction& tx) {
        rows.clear();
        std::int64_t from = since;
        std::string after;
        for (;;) {
            auto page = NotificationRepository::CreatedSince(tx, from, after, options_.poll_page);
            const bool more = static_cast<int>(page.size()) == options_.poll_page;
            if (!page.empty()) {
                from = page.back().created_at_ms;
                after = page.back().id;
            }
            rows.insert(rows.end(), std::make_move_iterator(page.begin()),
                        std::make_move_iterator(page.end()));
            if (!more) break;
        }
    });

    using Delivery = std::pair<std::shared_ptr<NotificationSubscription>,
                               std::vector<const NotificationRecord*>>;
    std::vector<Delivery> deliveries;
    std::vector<std::shared_ptr<NotificationSubscription>> everyone;
    {
        const std::lock_guard lock(registry_->mutex);
        std::unordered_map<const NotificationSubscription*, std::size_t> slots;
        for (const NotificationRecord& row : rows) {
            const auto found = registry_->by_user.find(row.user_id);
            if (found == registry_->by_user.end()) continue;
            for (const auto& subscription : found->second) {
                const auto [slot, inserted] = slots.emplace(subscription.get(), deliveries.size());
                if (inserted)
                    deliveries.emplace_back(subscription, std::vector<const NotificationRecord*>{});
                deliveries[slot->second].second.push_back(&row);
            }
        }
        everyone.reserve(registry_->count);
        for (const auto& [user_id, list] : registry_->by_user) {
            everyone.insert(everyone.end(), list.begin(), list.end());
        }
    }

    // Every subscribed account now and then; otherwise those about to receive something, so
    // that an account suspended a moment ago gets nothing more.
    const bool check_everyone = now_ms >= next_status_check_ms_;
    std::vector<std::string> to_check;
    if (check_everyone) {
        for (const auto& subscription : everyone) to_check.push_back(subscription->user_id());
    } else {
        for (const auto& delivery : deliveries) to_check.push_back(delivery.first->user_id());
    }
    std::sort(to_check.begin(), to_check.end());
    to_check.erase(std::unique(to_check.begin(), to_check.end()), to_check.end());
    const std::unordered_set<std::string> inactive =
        to_check.empty() ? std::unordered_set<std::string>{} : InactiveUsers(to_check);
    if (check_everyone) next_status_check_ms_ = now_ms + options_.status_interval.count();

    // Outside the registry's lock: a subscription's own lock is never taken inside it.
    for (const auto& [subscription, records] : deliveries) {
        if (!inactive.contains(subscription->user_id())) subscription->Offer(records);
    }
    for (const auto& subscription : everyone) {
        if (inactive.contains(subscription->user_id())) {
            subscription->End();
        } else {
            subscription->Forget(since - kForgetMarginMs);
        }
    }
}

std::unordered_set<std::string> NotificationHub::InactiveUsers(
    const std::vector<std::string>& user_ids) {
    std::unordered_set<std::string> active;
    db_.RunTransaction(storage::TxMode::kRead, [&](storage::Transaction& tx) {
        active = storage::UserRepository::ActiveAmong(tx, user_ids);
    });
    std::unordered_set<std::string> inactive;
    for (const auto& user_id : user_ids) {
        if (!active.contains(user_id)) inactive.insert(user_id);
    }
    return inactive;
}

std::size_t NotificationHub::subscribers() const {
    const std::lock_guard lock(registry_->mutex);
    return registry_->count;
}

void NotificationHub::Loop() {
    bool failing = false;
    std::unique_lock lock(registry_->mutex);
    while (!registry_->stopping) {
        if (registry_->count == 0) {
            // Nobody listens: no queries at all until someone subscribes.
            registry_->changed.wait(lock,
                                    [&] { return registry_->stopping || registry_->count > 0; });
            continue;
        }
        lock.unlock();
        try {
            PollOnce();
            if (failing) spdlog::info("notification streams: polling works again");
            failing = false;
        } catch (const std::exception& e) {
            if (!failing) spdlog::warn("notification streams: poll failed: {}", e.what());
            failing = true;
        }
        lock.lock();
        registry_->changed.wait_for(lock, options_.poll_interval,
                                    [&] { return registry_->stopping; });
    }
}

}  // namespace nanotasks::app
