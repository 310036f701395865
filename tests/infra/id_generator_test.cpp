#include "infra/id_generator.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace nanotasks::infra {
namespace {

// A clock that stands still unless the test moves it.
class ManualClock final : public core::Clock {
  public:
    explicit ManualClock(std::int64_t millis) : millis_(millis) {}
    core::TimePoint Now() const override { return core::FromUnixMillis(millis_.load()); }
    void Set(std::int64_t millis) { millis_.store(millis); }

  private:
    std::atomic<std::int64_t> millis_;
};

constexpr std::int64_t kSomeMillis = 1'732'500'000'123;  // 0x0193610c0d7b

std::int64_t TimestampOf(const std::string& id) {
    const std::string hex = id.substr(0, 8) + id.substr(9, 4);
    return std::stoll(hex, nullptr, 16);
}

TEST(IdGenerator, ProducesCanonicalVersion7Ids) {
    ManualClock clock(kSomeMillis);
    IdGenerator generator(clock);
    for (int i = 0; i < 100; ++i) {
        const std::string id = generator.Next();
        ASSERT_EQ(id.size(), 36U);
        EXPECT_TRUE(IsValidId(id)) << id;
        EXPECT_EQ(id[14], '7') << id;
        // The variant bits are 0b10, so the first hex digit of the fourth group is 8..b.
        EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    }
}

TEST(IdGenerator, StartsWithTheClockMilliseconds) {
    ManualClock clock(kSomeMillis);
    IdGenerator generator(clock);
    const std::string id = generator.Next();
    EXPECT_EQ(id.substr(0, 13), "0193610c-0d7b");
    EXPECT_EQ(TimestampOf(id), kSomeMillis);
}

TEST(IdGenerator, IsStrictlyIncreasingWithinOneMillisecond) {
    ManualClock clock(kSomeMillis);
    IdGenerator generator(clock);
    std::string previous = generator.Next();
    for (int i = 0; i < 10000; ++i) {
        std::string id = generator.Next();
        ASSERT_LT(previous, id) << "after " << i << " ids";
        previous = std::move(id);
    }
    // 10000 ids overflow the 12-bit counter several times: the timestamp borrows a few
    // milliseconds from the future rather than breaking the order.
    EXPECT_GT(TimestampOf(previous), kSomeMillis);
    EXPECT_LE(TimestampOf(previous), kSomeMillis + 10);
}

TEST(IdGenerator, FollowsTheClockOnceItCatchesUp) {
    ManualClock clock(kSomeMillis);
    IdGenerator generator(clock);
    const std::string first = generator.Next();
    clock.Set(kSomeMillis + 1000);
    const std::string later = generator.Next();
    EXPECT_LT(first, later);
    EXPECT_EQ(TimestampOf(later), kSomeMillis + 1000);
}

TEST(IdGenerator, StaysIncreasingWhenTheClockStepsBack) {
    ManualClock clock(kSomeMillis);
    IdGenerator generator(clock);
    const std::string before = generator.Next();
    clock.Set(kSomeMillis - 5000);
    const std::string after = generator.Next();
    EXPECT_LT(before, after);
}

TEST(IdGenerator, IdsAreUniqueAcrossThreads) {
    constexpr int kThreads = 4;
    constexpr int kIdsPerThread = 5000;
    ManualClock clock(kSomeMillis);
    IdGenerator generator(clock);
    std::vector<std::vector<std::string>> ids(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&generator, &ids, t] {
            for (int i = 0; i < kIdsPerThread; ++i) {
                ids[static_cast<std::size_t>(t)].push_back(generator.Next());
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    std::set<std::string> all;
    for (const std::vector<std::string>& thread_ids : ids) {
        for (std::size_t i = 1; i < thread_ids.size(); ++i) {
            EXPECT_LT(thread_ids[i - 1], thread_ids[i]);
        }
        all.insert(thread_ids.begin(), thread_ids.end());
    }
    EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kIdsPerThread));
}

TEST(IdGenerator, TwoGeneratorsInTheSameMillisecondDiffer) {
    ManualClock clock(kSomeMillis);
    IdGenerator first(clock);
    IdGenerator second(clock);
    EXPECT_NE(first.Next(), second.Next());
}

TEST(IsValidId, AcceptsOnlyTheCanonicalLowercaseShape) {
    EXPECT_TRUE(IsValidId("019362f5-b8fb-7a41-9c2f-5b8e1d2a3c4f"));
    EXPECT_TRUE(IsValidId("00000000-0000-0000-0000-000000000000"));
    EXPECT_FALSE(IsValidId(""));
    EXPECT_FALSE(IsValidId("019362F5-B8FB-7A41-9C2F-5B8E1D2A3C4F"));
    EXPECT_FALSE(IsValidId("019362f5b8fb7a419c2f5b8e1d2a3c4f"));
    EXPECT_FALSE(IsValidId("019362f5-b8fb-7a41-9c2f-5b8e1d2a3c4"));
    EXPECT_FALSE(IsValidId("019362f5-b8fb-7a41-9c2f-5b8e1d2a3c4f0"));
    EXPECT_FALSE(IsValidId("019362f5b-8fb-7a41-9c2f-5b8e1d2a3c4f"));
    EXPECT_FALSE(IsValidId("019362f5-b8fb-7a41-9c2g-5b8e1d2a3c4f"));
    EXPECT_FALSE(IsValidId("{19362f5-b8fb-7a41-9c2f-5b8e1d2a3c4}"));
    EXPECT_FALSE(IsValidId("019362f5-b8fb-7a41-9c2f-5b8e1d2a3c4\n"));
}

}  // namespace
}  // namespace nanotasks::infra
