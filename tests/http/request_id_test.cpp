#include "http/request_id.hpp"

#include <gtest/gtest.h>

#include <set>

namespace nanotasks::http {
namespace {

TEST(RequestIdTest, AcceptsOnlyShortSafeIds) {
    EXPECT_TRUE(IsValidRequestId("a"));
    EXPECT_TRUE(IsValidRequestId("Abc-123_x.y"));
    EXPECT_TRUE(IsValidRequestId(std::string(128, 'a')));
    EXPECT_FALSE(IsValidRequestId(""));
    EXPECT_FALSE(IsValidRequestId(std::string(129, 'a')));
    EXPECT_FALSE(IsValidRequestId("has space"));
    EXPECT_FALSE(IsValidRequestId("new\nline"));
    EXPECT_FALSE(IsValidRequestId("semi;colon"));
    EXPECT_FALSE(IsValidRequestId("caf\xC3\xA9"));
}

TEST(RequestIdTest, GeneratedIdsAreValidAndUnique) {
    RequestIdGenerator generator;
    RequestIdGenerator other;
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) {
        const std::string id = generator.Next();
        EXPECT_TRUE(IsValidRequestId(id)) << id;
        ids.insert(id);
        ids.insert(other.Next());
    }
    EXPECT_EQ(ids.size(), 2000U);
}

}  // namespace
}  // namespace nanotasks::http
