#include "core/text.hpp"

#include <gtest/gtest.h>

namespace nanotasks::core {
namespace {

TEST(AsciiLower, LowersOnlyAsciiLetters) {
    EXPECT_EQ(AsciiLower("Application/JSON; Charset=UTF-8"), "application/json; charset=utf-8");
    EXPECT_EQ(AsciiLower("X-Request-Id"), "x-request-id");
    // Bytes of other scripts pass through unchanged ("É" in UTF-8).
    EXPECT_EQ(AsciiLower("\xC3\x89Z"), "\xC3\x89z");
    EXPECT_EQ(AsciiLower(""), "");
}

}  // namespace
}  // namespace nanotasks::core
