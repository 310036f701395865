#include "app/login_throttle.hpp"

#include <gtest/gtest.h>

namespace nanotasks::app {
namespace {

using std::chrono::seconds;

TEST(LoginThrottle, ThrottlesAfterMaxFailuresInAMinute) {
    LoginThrottle throttle(3);
    const auto start = LoginThrottle::Clock::time_point{} + seconds(1000);
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(throttle.RetryAfter("email:a", start + seconds(i)));
        throttle.RecordFailure("email:a", start + seconds(i));
    }
    const auto retry = throttle.RetryAfter("email:a", start + seconds(3));
    ASSERT_TRUE(retry);
    EXPECT_EQ(*retry, 57);
    EXPECT_FALSE(throttle.RetryAfter("email:b", start + seconds(3))) << "keys are separate";
}

TEST(LoginThrottle, FailuresExpireAfterTheWindow) {
    LoginThrottle throttle(2);
    const auto start = LoginThrottle::Clock::time_point{} + seconds(1000);
    throttle.RecordFailure("addr:1", start);
    throttle.RecordFailure("addr:1", start + seconds(30));
    EXPECT_TRUE(throttle.RetryAfter("addr:1", start + seconds(59)));
    EXPECT_FALSE(throttle.RetryAfter("addr:1", start + seconds(60)));
}

TEST(LoginThrottle, MemoryPerKeyIsBounded) {
    LoginThrottle throttle(2);
    const auto start = LoginThrottle::Clock::time_point{} + seconds(1000);
    for (int i = 0; i < 10000; ++i) throttle.RecordFailure("addr:flood", start);
    const auto retry = throttle.RetryAfter("addr:flood", start);
    ASSERT_TRUE(retry);
    EXPECT_EQ(*retry, 60);
}

}  // namespace
}  // namespace nanotasks::app
