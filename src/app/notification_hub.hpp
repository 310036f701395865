#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "storage/database.hpp"
#include "storage/repositories/notification_repository.hpp"

namespace nanotasks::app {

struct NotificationHubOptions {
    // How often the poller looks for new notifications while there are subscribers.
    std::chrono::milliseconds poll_interval{250};
    // How far back each poll looks. A notification's created_at is taken before its transaction
    // commits, and other processes commit in their own order, so a poll asks for everything
    // created this recently and skips what each subscriber already has. A notification whose
    // transaction took longer than this to commit is not streamed (it is still listed).
    std::chrono::milliseconds lookback{5000};
    // Undelivered notifications a subscriber may hold; beyond it the subscription ends (the
    // client reconnects with Last-Event-ID and gets the rest replayed).
    std::size_t max_pending = 1000;
    // Delivered ids remembered per subscriber (those older than the lookback are forgotten).
    std::size_t max_seen = 10000;
    // Notifications replayed after a Last-Event-ID at most (the oldest ones).
    int replay_max = 1000;
    // Rows per poll query; a poll reads pages until one is short.
    int poll_page = 500;
    // How often a poll also checks that every account it streams to is still active (one query
    // for all of them); the subscriptions of a suspended or removed account end. The accounts
    // about to receive something are checked on every poll that delivers.
    std::chrono::milliseconds status_interval{2000};
};

namespace detail {
struct NotificationRegistry;
}

// One client's view of the hub: the notifications of one user, in the order they were found.
// Thread-safe.
class NotificationSubscription {
  public:
    // `wake` is called (from the poller's thread, or at once) whenever Take() may return
    // something new, including the end; never after Close() has returned.
    void SetWakeup(std::function<void()> wake);
    // What arrived since the last call (possibly nothing), oldest first; nothing at all once the
    // subscription has ended (it fell max_pending behind, or the hub stopped).
    std::optional<std::vector<storage::NotificationRecord>> Take();
    // Leaves the hub; idempotent.
    void Close();

    const std::string& user_id() const { return user_id_; }

  private:
    friend class NotificationHub;
    NotificationSubscription(std::string user_id, const NotificationHubOptions& options,
                             std::weak_ptr<detail::NotificationRegistry> registry);

    // Queues the records not seen yet (sorted by created_at) and wakes the consumer.
    void Offer(const std::vector<const storage::NotificationRecord*>& records);
    // Counts ids as seen without delivering them.
    void Remember(const std::vector<std::pair<std::string, std::int64_t>>& ids);
    // Forgets seen ids created before cutoff_ms: no poll returns them any more.
    void Forget(std::int64_t cutoff_ms);
    // The hub stopped, or the account is no longer active.
    void End();
    // Requires mutex_.
    bool MarkSeen(const std::string& id, std::int64_t created_at_ms);

    const std::string user_id_;
    const std::size_t max_pending_;
    const std::size_t max_seen_;
    const std::weak_ptr<detail::NotificationRegistry> registry_;

    std::mutex mutex_;
    std::function<void()> wake_;
    std::vector<storage::NotificationRecord> pending_;
    std::unordered_set<std::string> seen_;
    std::set<std::pair<std::int64_t, std::string>> seen_by_time_;  // (created_at, id)
    bool ended_ = false;
    bool closed_ = false;
};

// Delivers new notifications to the open streams of this process (GET /notifications/stream).
//
// Notifications are written by whichever process runs the use case, in the use case's
// transaction, so the hub learns of them from the database: one poller thread per process runs
// one query every poll_interval while anyone is subscribed (and nothing at all otherwise) for
// everything created within the lookback, and hands each notification to the subscribers of its
// user that have not had it yet. A new subscriber counts what already committed within the
// lookback as seen, so it gets only what commits after it subscribed (plus, with a
// Last-Event-ID, the replay of everything after that id). A stream outlives its request's
// authentication, so the poller also ends the subscriptions of accounts that were suspended or
// removed since (see status_interval).
class NotificationHub {
  public:
    NotificationHub(storage::Database& db, const core::Clock& clock,
                    NotificationHubOptions options = {});
    ~NotificationHub();  // Stop()
    NotificationHub(const NotificationHub&) = delete;
    NotificationHub& operator=(const NotificationHub&) = delete;

    // Starts the poller thread.
    void Start();
    // Joins the poller and ends every subscription (their Take() returns nothing). Idempotent;
    // later subscriptions start ended.
    void Stop();

    // Subscribes to the user's new notifications; with last_event_id, the user's notifications
    // after that id (at most replay_max, oldest first) are queued first. Reads the database:
    // throws storage::DatabaseError.
    std::shared_ptr<NotificationSubscription> Subscribe(
        const std::string& user_id, const std::optional<std::string>& last_event_id);

    // One poll on the calling thread (what the poller runs; tests call it directly). Throws
    // storage::DatabaseError.
    void PollOnce();

    std::size_t subscribers() const;

  private:
    void Loop();
    // The ones among `user_ids` whose account is not active (suspended, removed or gone).
    std::unordered_set<std::string> InactiveUsers(const std::vector<std::string>& user_ids);

    storage::Database& db_;
    const core::Clock& clock_;
    const NotificationHubOptions options_;
    std::shared_ptr<detail::NotificationRegistry> registry_;
    std::mutex poll_mutex_;  // one poll at a time
    // When the next poll checks every subscribed account; guarded by poll_mutex_.
    std::int64_t next_status_check_ms_ = std::numeric_limits<std::int64_t>::min();
    std::thread thread_;
};

}  // namespace nanotasks::app
