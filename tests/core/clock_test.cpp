#include "core/clock.hpp"

#include <gtest/gtest.h>

namespace nanotasks::core {
namespace {

TEST(Clock, FormatsRfc3339Utc) {
    EXPECT_EQ(FormatRfc3339(FromUnixMillis(0)), "1970-01-01T00:00:00Z");
    EXPECT_EQ(FormatRfc3339(FromUnixMillis(1795576800000)), "2026-11-25T03:20:00Z");
    EXPECT_EQ(FormatRfc3339(FromUnixMillis(951782400000)), "2000-02-29T00:00:00Z");
}

TEST(Clock, ParsesDateTimesWithOffsets) {
    const auto utc = ParseRfc3339("2026-11-25T03:20:00Z", BareDate::kReject);
    ASSERT_TRUE(utc);
    EXPECT_EQ(FormatRfc3339(*utc), "2026-11-25T03:20:00Z");
    const auto offset = ParseRfc3339("2026-11-25T05:20:00+02:00", BareDate::kReject);
    ASSERT_TRUE(offset);
    EXPECT_EQ(*offset, *utc);
    const auto fraction = ParseRfc3339("2026-11-25T03:20:00.250Z", BareDate::kReject);
    ASSERT_TRUE(fraction);
    EXPECT_EQ(ToUnixMillis(*fraction) - ToUnixMillis(*utc), 250);
}

TEST(Clock, BareDateMeansEndOfThatUtcDay) {
    const auto day = ParseRfc3339("2026-12-31", BareDate::kEndOfDay);
    ASSERT_TRUE(day);
    EXPECT_EQ(FormatRfc3339(*day), "2026-12-31T23:59:59Z");
    EXPECT_FALSE(ParseRfc3339("2026-12-31", BareDate::kReject));
}

TEST(Clock, RejectsMalformedTimes) {
    for (const char* text : {"", "2026", "2026-13-01", "2026-02-30", "2026-11-25T25:00:00Z",
                             "2026-11-25T03:20:00", "2026-11-25 03:20:00Z", "2026-11-25T03:20Z",
                             "2026-11-25T03:20:00Zjunk", "2026-11-25T03:20:00+2:00"}) {
        EXPECT_FALSE(ParseRfc3339(text, BareDate::kEndOfDay)) << text;
    }
}

}  // namespace
}  // namespace nanotasks::core
