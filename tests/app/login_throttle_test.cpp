#include "app/login_throttle.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace nanotasks::app {
namespace {

using std::chrono::seconds;

const LoginThrottle::Clock::time_point kStart = LoginThrottle::Clock::time_point{} + seconds(1000);

TEST(LoginThrottle, RefusesAfterMaxAttemptsInAMinute) {
    LoginThrottle throttle(3);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(throttle.Reserve({"email:a"}, kStart + seconds(i)));
    }
    const auto refused = throttle.Reserve({"email:a"}, kStart + seconds(3));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, core::ErrorCode::kRateLimited);
    EXPECT_EQ(refused.error().retry_after_seconds, 57);
    EXPECT_TRUE(throttle.Reserve({"email:b"}, kStart + seconds(3))) << "keys are separate";
}

TEST(LoginThrottle, AttemptsExpireAfterTheWindow) {
    LoginThrottle throttle(2);
    EXPECT_TRUE(throttle.Reserve({"addr:1"}, kStart));
    EXPECT_TRUE(throttle.Reserve({"addr:1"}, kStart + seconds(30)));
    EXPECT_FALSE(throttle.Reserve({"addr:1"}, kStart + seconds(59)));
    EXPECT_TRUE(throttle.Reserve({"addr:1"}, kStart + seconds(60)));
}

TEST(LoginThrottle, ReleasedAttemptsDoNotCount) {
    LoginThrottle throttle(2);
    for (int i = 0; i < 10; ++i) {
        auto attempt = throttle.Reserve({"addr:1", "email:a"}, kStart + seconds(i));
        ASSERT_TRUE(attempt) << i;
        throttle.Release(*attempt);
    }
    EXPECT_TRUE(throttle.Reserve({"addr:1", "email:a"}, kStart + seconds(10)));
    EXPECT_TRUE(throttle.Reserve({"addr:1", "email:a"}, kStart + seconds(10)));
    EXPECT_FALSE(throttle.Reserve({"addr:1", "email:a"}, kStart + seconds(10)));
}

TEST(LoginThrottle, ReleasingAnExpiredAttemptTakesNothingElse) {
    LoginThrottle throttle(2);
    auto old = throttle.Reserve({"addr:1"}, kStart);
    ASSERT_TRUE(old);
    EXPECT_TRUE(throttle.Reserve({"addr:1"}, kStart + seconds(61)));
    EXPECT_TRUE(throttle.Reserve({"addr:1"}, kStart + seconds(62)));
    throttle.Release(*old);
    EXPECT_FALSE(throttle.Reserve({"addr:1"}, kStart + seconds(63)));
}

TEST(LoginThrottle, ARefusalCountsAgainstNoKey) {
    LoginThrottle throttle(2);
    EXPECT_TRUE(throttle.Reserve({"addr:1", "email:a"}, kStart));
    EXPECT_TRUE(throttle.Reserve({"addr:1", "email:b"}, kStart + seconds(10)));
    // The address is full, so these count against neither the address nor email c.
    for (int i = 0; i < 5; ++i) {
        const auto refused = throttle.Reserve({"addr:1", "email:c"}, kStart + seconds(20));
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().retry_after_seconds, 40);
    }
    EXPECT_TRUE(throttle.Reserve({"addr:2", "email:c"}, kStart + seconds(20)));
    EXPECT_TRUE(throttle.Reserve({"addr:3", "email:c"}, kStart + seconds(20)));
}

TEST(LoginThrottle, RetryAfterIsTheLongestWaitOfTheFullKeys) {
    LoginThrottle throttle(1);
    EXPECT_TRUE(throttle.Reserve({"addr:1"}, kStart));
    EXPECT_TRUE(throttle.Reserve({"email:a"}, kStart + seconds(30)));
    const auto refused = throttle.Reserve({"addr:1", "email:a"}, kStart + seconds(40));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().retry_after_seconds, 50);
}

TEST(LoginThrottle, MemoryPerKeyIsBounded) {
    LoginThrottle throttle(2);
    for (int i = 0; i < 10000; ++i) (void)throttle.Reserve({"addr:flood"}, kStart);
    const auto refused = throttle.Reserve({"addr:flood"}, kStart);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().retry_after_seconds, 60);
}

// Parallel guesses all start before any of them is known to fail: each must still count.
TEST(LoginThrottle, ParallelAttemptsStopAtTheLimit) {
    constexpr int kThreads = 40;
    LoginThrottle throttle(3);
    std::atomic<int> admitted = 0;
    std::atomic<bool> go = false;
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            while (!go) std::this_thread::yield();
            // One address for all, another email for each: the address's count stops them.
            const std::string email = "email:" + std::to_string(i);
            if (throttle.Reserve({"addr:1", email}, LoginThrottle::Clock::now())) ++admitted;
        });
    }
    go = true;
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(admitted, 3);
}

}  // namespace
}  // namespace nanotasks::app
