#include "http/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "http/metrics.hpp"

namespace nanotasks::http {
namespace {

// Holds jobs until opened, and lets the test wait until a given number of them are inside.
class Gate {
  public:
    void Enter() {
        std::unique_lock lock(mutex_);
        ++inside_;
        changed_.notify_all();
        changed_.wait(lock, [&] { return open_; });
    }
    void WaitInside(int count) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return inside_ >= count; });
    }
    void Open() {
        const std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int inside_ = 0;
    bool open_ = false;
};

TEST(WorkerPoolTest, RunsJobs) {
    std::atomic<int> done{0};
    {
        WorkerPool pool({.threads = 2, .queue_max = 100});
        for (int i = 0; i < 50; ++i) {
            ASSERT_TRUE(pool.TryPost([&] { ++done; }));
        }
    }  // the destructor drains the queue
    EXPECT_EQ(done.load(), 50);
}

TEST(WorkerPoolTest, RefusesWhenEveryThreadIsBusyAndTheQueueIsFull) {
    Gate gate;
    WorkerPool pool({.threads = 1, .queue_max = 0});
    ASSERT_TRUE(pool.TryPost([&] { gate.Enter(); }));
    gate.WaitInside(1);
    EXPECT_EQ(pool.busy(), 1);
    EXPECT_FALSE(pool.TryPost([] {}));
    gate.Open();
}

TEST(WorkerPoolTest, QueueHoldsUpToQueueMaxWaitingJobs) {
    Gate gate;
    std::atomic<int> done{0};
    WorkerPool pool({.threads = 1, .queue_max = 2});
    ASSERT_TRUE(pool.TryPost([&] { gate.Enter(); }));
    gate.WaitInside(1);
    EXPECT_TRUE(pool.TryPost([&] { ++done; }));
    EXPECT_TRUE(pool.TryPost([&] { ++done; }));
    EXPECT_FALSE(pool.TryPost([&] { ++done; }));
    EXPECT_EQ(pool.queued(), 2U);
    gate.Open();
    pool.Shutdown();
    EXPECT_EQ(done.load(), 2);
}

TEST(WorkerPoolTest, ShutdownDrainsThenRefuses) {
    Gate gate;
    std::atomic<int> done{0};
    WorkerPool pool({.threads = 1, .queue_max = 5});
    ASSERT_TRUE(pool.TryPost([&] { gate.Enter(); }));
    gate.WaitInside(1);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(pool.TryPost([&] { ++done; }));
    std::thread opener([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        gate.Open();
    });
    pool.Shutdown();
    opener.join();
    EXPECT_EQ(done.load(), 5);
    EXPECT_EQ(pool.threads(), 0);
    EXPECT_FALSE(pool.TryPost([] {}));
    pool.Shutdown();  // idempotent
}

TEST(WorkerPoolTest, AThrowingJobDoesNotKillItsThread) {
    std::atomic<int> done{0};
    WorkerPool pool({.threads = 1, .queue_max = 10});
    ASSERT_TRUE(pool.TryPost([] { throw std::runtime_error("boom"); }));
    ASSERT_TRUE(pool.TryPost([&] { ++done; }));
    pool.Shutdown();
    EXPECT_EQ(done.load(), 1);
}

TEST(WorkerPoolTest, RejectsImpossibleOptions) {
    EXPECT_THROW(WorkerPool({.threads = 0, .queue_max = 1}), std::invalid_argument);
    EXPECT_THROW(WorkerPool({.threads = 1, .queue_max = -1}), std::invalid_argument);
}

TEST(WorkerPoolTest, ExportsGaugesThatOutliveThePool) {
    Metrics metrics;
    Gate gate;
    auto pool = std::make_unique<WorkerPool>(WorkerPoolOptions{.threads = 2, .queue_max = 4});
    pool->ExportGauges(metrics);
    ASSERT_TRUE(pool->TryPost([&] { gate.Enter(); }));
    gate.WaitInside(1);
    const std::string text = metrics.Render();
    EXPECT_NE(text.find("# TYPE nanotasks_worker_pool_queued gauge\n"), std::string::npos);
    EXPECT_NE(text.find("\nnanotasks_worker_pool_busy 1\n"), std::string::npos);
    EXPECT_NE(text.find("\nnanotasks_worker_pool_threads 2\n"), std::string::npos);
    gate.Open();
    pool.reset();
    const std::string after = metrics.Render();
    EXPECT_NE(after.find("\nnanotasks_worker_pool_threads 0\n"), std::string::npos);
}

}  // namespace
}  // namespace nanotasks::http
