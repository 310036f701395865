// NotificationHub over a SQLite file (the hub reads through the pool, so not :memory:): what a
// subscriber gets, replay, de-duplication, the end of a subscription and the poller thread.
#include "app/notification_hub.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/repositories/notification_repository.hpp"

namespace nanotasks::app {
namespace {

using namespace std::chrono_literals;
using storage::NotificationRecord;

constexpr std::int64_t kStart = 1'800'000'000'000;

class TestClock final : public core::Clock {
  public:
    core::TimePoint Now() const override { return core::FromUnixMillis(now_ms.load()); }
    std::atomic<std::int64_t> now_ms{kStart};
};

// Ids of the shape of ours, ordered by n.
std::string Id(int n) {
    char tail[13];
    std::snprintf(tail, sizeof(tail), "%012d", n);
    return std::string("0190b6c2-7d3e-7a41-9c2f-") + tail;
}

std::vector<std::string> Ids(const std::vector<NotificationRecord>& records) {
    std::vector<std::string> ids;
    for (const auto& record : records) ids.push_back(record.id);
    return ids;
}

class NotificationHubTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::random_device random;
        dir_ = std::filesystem::temp_directory_path() /
               ("nanotasks-hub-" + std::to_string(random()) + std::to_string(random()));
        std::filesystem::create_directories(dir_);
        db_ = storage::OpenDatabase("sqlite:" + (dir_ / "hub.db").string(), {.pool_size = 2});
        storage::Migrate(*db_);
        for (const char* user : {"alice", "bob"}) {
            db_->RunTransaction(storage::TxMode::kWrite, [&](storage::Transaction& tx) {
                tx.Execute(
                    "INSERT INTO users (id, name, email, email_key, password_hash, role, "
                    "created_at, updated_at) VALUES ($1, $1, $2, $2, 'x', 'worker', 0, 0)",
                    {std::string(user), std::string(user) + "@example.com"});
            });
        }
    }
    void TearDown() override {
        db_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    // A notification for `user` with id Id(n), created `age` before the clock's now.
    void Notify(const std::string& user, int n, std::chrono::milliseconds age = 0ms) {
        db_->RunTransaction(storage::TxMode::kWrite, [&](storage::Transaction& tx) {
            storage::NotificationRepository::Insert(
                tx, {.id = Id(n),
                     .user_id = user,
                     .message = "message " + std::to_string(n),
                     .action_route = "/tasks/" + std::to_string(n),
                     .created_at_ms = clock_.now_ms.load() - age.count()});
        });
    }

    void SetStatus(const std::string& user, const std::string& status) {
        db_->RunTransaction(storage::TxMode::kWrite, [&](storage::Transaction& tx) {
            tx.Execute("UPDATE users SET status = $1 WHERE id = $2", {status, user});
        });
    }

    std::filesystem::path dir_;
    std::unique_ptr<storage::Database> db_;
    TestClock clock_;
};

TEST_F(NotificationHubTest, DeliversWhatCommitsAfterSubscribingOnce) {
    NotificationHub hub(*db_, clock_);
    Notify("alice", 1);  // before the subscription: not new
    const auto subscription = hub.Subscribe("alice", std::nullopt);
    EXPECT_EQ(hub.subscribers(), 1u);
    EXPECT_EQ(subscription->Take().value().size(), 0u);
    Notify("alice", 2);
    Notify("bob", 3);  // someone else's
    clock_.now_ms += 250;
    hub.PollOnce();
    const auto first = subscription->Take().value();
    EXPECT_EQ(Ids(first), std::vector<std::string>{Id(2)});
    EXPECT_EQ(first[0].message, "message 2");
    EXPECT_EQ(first[0].action_route, "/tasks/2");
    EXPECT_EQ(first[0].created_at_ms, kStart);
    // The next polls see it again (it is within the lookback) but do not send it twice.
    clock_.now_ms += 250;
    hub.PollOnce();
    hub.PollOnce();
    EXPECT_EQ(subscription->Take().value().size(), 0u);
    subscription->Close();
}

TEST_F(NotificationHubTest, CommitOrderThatDiffersFromIdOrderLosesNothing) {
    NotificationHub hub(*db_, clock_);
    const auto subscription = hub.Subscribe("alice", std::nullopt);
    Notify("alice", 20);
    hub.PollOnce();
    EXPECT_EQ(Ids(subscription->Take().value()), std::vector<std::string>{Id(20)});
    // A transaction of another process that began earlier (smaller id, earlier created_at)
    // commits only now.
    clock_.now_ms += 500;
    Notify("alice", 10, 2s);
    hub.PollOnce();
    EXPECT_EQ(Ids(subscription->Take().value()), std::vector<std::string>{Id(10)});
    subscription->Close();
}

TEST_F(NotificationHubTest, EachSubscriberOfAUserGetsItsOwnCopy) {
    NotificationHub hub(*db_, clock_);
    const auto phone = hub.Subscribe("alice", std::nullopt);
    const auto laptop = hub.Subscribe("alice", std::nullopt);
    const auto bob = hub.Subscribe("bob", std::nullopt);
    Notify("alice", 1);
    Notify("alice", 2);
    hub.PollOnce();
    EXPECT_EQ(Ids(phone->Take().value()), (std::vector<std::string>{Id(1), Id(2)}));
    EXPECT_EQ(Ids(laptop->Take().value()), (std::vector<std::string>{Id(1), Id(2)}));
    EXPECT_EQ(bob->Take().value().size(), 0u);
    for (const auto& subscription : {phone, laptop, bob}) subscription->Close();
}

TEST_F(NotificationHubTest, LastEventIdReplaysWhatCameAfterIt) {
    NotificationHub hub(*db_, clock_);
    Notify("alice", 1, 1h);  // older than the lookback: only a replay can bring it
    Notify("alice", 2, 1h);
    Notify("alice", 3);
    Notify("bob", 4);
    const auto subscription = hub.Subscribe("alice", Id(1));
    EXPECT_EQ(Ids(subscription->Take().value()), (std::vector<std::string>{Id(2), Id(3)}));
    hub.PollOnce();  // finds 3 again: already sent
    EXPECT_EQ(subscription->Take().value().size(), 0u);
    Notify("alice", 5);
    hub.PollOnce();
    EXPECT_EQ(Ids(subscription->Take().value()), std::vector<std::string>{Id(5)});
    subscription->Close();
}

TEST_F(NotificationHubTest, ReplayIsBounded) {
    NotificationHub hub(*db_, clock_, {.max_pending = 10, .replay_max = 3});
    for (int n = 1; n <= 6; ++n) Notify("alice", n, 1h);
    const auto subscription = hub.Subscribe("alice", Id(0));
    EXPECT_EQ(Ids(subscription->Take().value()), (std::vector<std::string>{Id(1), Id(2), Id(3)}));
    subscription->Close();
}

TEST_F(NotificationHubTest, WakesTheConsumerWhenSomethingArrives) {
    NotificationHub hub(*db_, clock_);
    const auto subscription = hub.Subscribe("alice", std::nullopt);
    std::atomic<int> wakes{0};
    subscription->SetWakeup([&] { ++wakes; });
    EXPECT_EQ(wakes.load(), 0);
    hub.PollOnce();  // nothing new: no wake-up
    EXPECT_EQ(wakes.load(), 0);
    Notify("alice", 1);
    hub.PollOnce();
    EXPECT_EQ(wakes.load(), 1);
    subscription->Close();
    Notify("alice", 2);
    hub.PollOnce();
    EXPECT_EQ(wakes.load(), 1) << "no wake-up after Close()";
}

TEST_F(NotificationHubTest, SetWakeupWakesAtOnceWhenSomethingIsQueued) {
    NotificationHub hub(*db_, clock_);
    Notify("alice", 1, 1h);
    const auto subscription = hub.Subscribe("alice", Id(0));
    int wakes = 0;
    subscription->SetWakeup([&] { ++wakes; });
    EXPECT_EQ(wakes, 1);
    subscription->Close();
}

TEST_F(NotificationHubTest, CloseLeavesTheHub) {
    NotificationHub hub(*db_, clock_);
    const auto first = hub.Subscribe("alice", std::nullopt);
    const auto second = hub.Subscribe("alice", std::nullopt);
    EXPECT_EQ(hub.subscribers(), 2u);
    first->Close();
    first->Close();  // idempotent
    EXPECT_EQ(hub.subscribers(), 1u);
    EXPECT_FALSE(first->Take());
    EXPECT_TRUE(second->Take());
    second->Close();
    EXPECT_EQ(hub.subscribers(), 0u);
}

TEST_F(NotificationHubTest, FallingTooFarBehindEndsTheSubscription) {
    NotificationHub hub(*db_, clock_, {.max_pending = 2, .replay_max = 2});
    const auto subscription = hub.Subscribe("alice", std::nullopt);
    int wakes = 0;
    subscription->SetWakeup([&] { ++wakes; });
    for (int n = 1; n <= 3; ++n) Notify("alice", n);
    hub.PollOnce();
    EXPECT_EQ(wakes, 1);
    EXPECT_FALSE(subscription->Take()) << "ended: the client reconnects with Last-Event-ID";
    subscription->Close();
    EXPECT_EQ(hub.subscribers(), 0u);
}

TEST_F(NotificationHubTest, StopEndsEverySubscription) {
    NotificationHub hub(*db_, clock_);
    hub.Start();
    const auto subscription = hub.Subscribe("alice", std::nullopt);
    int wakes = 0;
    subscription->SetWakeup([&] { ++wakes; });
    hub.Stop();
    EXPECT_EQ(wakes, 1);
    EXPECT_FALSE(subscription->Take());
    EXPECT_EQ(hub.subscribers(), 0u);
    subscription->Close();  // after Stop: harmless
    EXPECT_FALSE(hub.Subscribe("alice", std::nullopt)->Take()) << "starts ended";
}

TEST_F(NotificationHubTest, SuspendedAccountsStreamEndsAtTheNextStatusCheck) {
    NotificationHub hub(*db_, clock_, {.status_interval = 2s});
    const auto alice = hub.Subscribe("alice", std::nullopt);
    const auto bob = hub.Subscribe("bob", std::nullopt);
    int wakes = 0;
    alice->SetWakeup([&] { ++wakes; });
    hub.PollOnce();  // the first poll checks every account: both active
    EXPECT_TRUE(alice->Take());
    SetStatus("alice", "suspended");
    clock_.now_ms += 1000;
    hub.PollOnce();  // nothing to deliver and no check due yet
    EXPECT_EQ(wakes, 0);
    EXPECT_TRUE(alice->Take());
    clock_.now_ms += 1000;
    hub.PollOnce();  // the check is due
    EXPECT_EQ(wakes, 1);
    EXPECT_FALSE(alice->Take()) << "ended: a reconnection is refused (403)";
    EXPECT_TRUE(bob->Take()) << "other accounts keep their streams";
    alice->Close();
    bob->Close();
}

TEST_F(NotificationHubTest, AnAccountThatIsNoLongerActiveGetsNothingMore) {
    NotificationHub hub(*db_, clock_, {.status_interval = 1h});
    const auto alice = hub.Subscribe("alice", std::nullopt);
    const auto bob = hub.Subscribe("bob", std::nullopt);
    hub.PollOnce();
    SetStatus("alice", "removed");
    Notify("alice", 1);
    Notify("bob", 2);
    hub.PollOnce();  // no periodic check due, but a delivery checks its account first
    EXPECT_FALSE(alice->Take());
    EXPECT_EQ(Ids(bob->Take().value()), std::vector<std::string>{Id(2)});
    alice->Close();
    bob->Close();
}

TEST_F(NotificationHubTest, SubscriptionMayOutliveTheHub) {
    std::shared_ptr<NotificationSubscription> subscription;
    {
        NotificationHub hub(*db_, clock_);
        subscription = hub.Subscribe("alice", std::nullopt);
    }
    EXPECT_FALSE(subscription->Take());
    subscription->Close();
}

TEST_F(NotificationHubTest, PollerThreadDeliversWhileSomeoneListens) {
    core::SystemClock clock;
    NotificationHub hub(*db_, clock, {.poll_interval = 10ms});
    hub.Start();
    const auto subscription = hub.Subscribe("alice", std::nullopt);
    std::mutex mutex;
    std::condition_variable woken;
    int wakes = 0;
    subscription->SetWakeup([&] {
        const std::lock_guard lock(mutex);
        ++wakes;
        woken.notify_all();
    });
    clock_.now_ms = core::ToUnixMillis(clock.Now());
    Notify("alice", 1);
    {
        std::unique_lock lock(mutex);
        ASSERT_TRUE(woken.wait_for(lock, 10s, [&] { return wakes > 0; }));
    }
    EXPECT_EQ(Ids(subscription->Take().value()), std::vector<std::string>{Id(1)});
    subscription->Close();
    hub.Stop();
}

TEST_F(NotificationHubTest, RefusesImpossibleOptions) {
    EXPECT_THROW(NotificationHub(*db_, clock_, {.poll_interval = 0ms}), std::invalid_argument);
    EXPECT_THROW(NotificationHub(*db_, clock_, {.lookback = 0ms}), std::invalid_argument);
    EXPECT_THROW(NotificationHub(*db_, clock_, {.status_interval = 0ms}), std::invalid_argument);
    EXPECT_THROW(NotificationHub(*db_, clock_, {.max_pending = 1, .replay_max = 2}),
                 std::invalid_argument);
}

}  // namespace
}  // namespace nanotasks::app
