#include "domain/rules.hpp"

#include <gtest/gtest.h>

namespace nanotasks::domain {
namespace {

TEST(Rules, NormalizesEmails) {
    EXPECT_EQ(NormalizeEmail("  Alice@Example.COM \n"), "alice@example.com");
    for (const char* bad :
         {"", "alice", "@example.com", "alice@", "alice@example", "a@b@example.com",
          "alice @example.com", "alice@.example.com", "alice@example..com"}) {
        EXPECT_FALSE(NormalizeEmail(bad)) << bad;
    }
}

TEST(Rules, AcceptsOnlyAbsoluteHttpUrls) {
    EXPECT_TRUE(IsValidHttpUrl("https://example.com/a.png"));
    EXPECT_TRUE(IsValidHttpUrl("http://example.com"));
    for (const char* bad : {"ftp://example.com", "https://", "example.com/a", "javascript:x",
                            "https://exa mple.com", "https:///path"}) {
        EXPECT_FALSE(IsValidHttpUrl(bad)) << bad;
    }
    EXPECT_FALSE(IsValidHttpUrl("https://example.com/" + std::string(2048, 'a')));
}

TEST(Rules, CountsCodePoints) {
    EXPECT_EQ(CodePointCount("abc"), 3u);
    EXPECT_EQ(CodePointCount("h\xC3\xA9llo"), 5u);
    EXPECT_EQ(CodePointCount("\xF0\x9F\x98\x80"), 1u);
}

TEST(Rules, RolesAndAccounts) {
    EXPECT_EQ(ParseRole("buyer"), Role::kBuyer);
    EXPECT_FALSE(ParseRole("Buyer"));
    EXPECT_EQ(WalletAccount("u1"), "wallet:u1");
    EXPECT_EQ(TransferKindName(TransferKind::kSubmissionPayment), "submission_payment");
}

}  // namespace
}  // namespace nanotasks::domain
