#include "domain/money_rules.hpp"

#include <gtest/gtest.h>

#include <string>

namespace nanotasks::domain {
namespace {

TEST(MoneyRules, KeepsTheLastFourCodePointsOfAnAccountNumber) {
    EXPECT_EQ(AccountNumberLast4("DE89370400440532013000"), "3000");
    EXPECT_EQ(AccountNumberLast4("1234"), "1234");
    EXPECT_EQ(AccountNumberLast4("123"), "123");
    EXPECT_EQ(AccountNumberLast4(""), "");
    // Code points, not bytes: a multi-byte character is never cut in half.
    EXPECT_EQ(AccountNumberLast4("x\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"),
              "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9");
    EXPECT_EQ(AccountNumberLast4("ab\xF0\x9F\x98\x80"
                                 "cd9"),
              "\xF0\x9F\x98\x80"
              "cd9");
}

TEST(MoneyRules, AcceptsPlainAccountNumbersLongerThanTheirLastFour) {
    for (const char* number :
         {"123456", "DE89370400440532013000", "jane.doe+pay@example.com", "01712-345_678"}) {
        EXPECT_TRUE(IsValidAccountNumber(number)) << number;
    }
    EXPECT_TRUE(IsValidAccountNumber(std::string(kAccountNumberMax, '7')));
    EXPECT_FALSE(IsValidAccountNumber(std::string(kAccountNumberMax + 1, '7')));
    // As long as what is shown of it, or nearly: the last four would give it away.
    for (const char* number : {"", "1234", "12345"}) {
        EXPECT_FALSE(IsValidAccountNumber(number)) << number;
    }
    // Characters that hide or look like others: space, tab, BEL, zero-width space, soft hyphen,
    // right-to-left override, full-width digits, a Cyrillic a.
    for (const char* number :
         {"1234 5678", "1234\t5678", "1234\a5678",
          "1234\xE2\x80\x8B"
          "5678",
          "1234\xC2\xAD"
          "5678",
          "1234\xE2\x80\xAE"
          "5678",
          "\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96",
          "p\xD0\xB0ypal@example.com", "<b>1234</b>"}) {
        EXPECT_FALSE(IsValidAccountNumber(number)) << number;
    }
}

TEST(MoneyRules, FlagsPackagesThatSellCoinsBelowThePayout) {
    // The contract's defaults at 5 cents a coin: the two large packages undercut the payout.
    EXPECT_FALSE(PackageUndercutsPayout(10, 100, 5));
    EXPECT_FALSE(PackageUndercutsPayout(150, 1000, 5));
    EXPECT_TRUE(PackageUndercutsPayout(500, 2000, 5));
    EXPECT_TRUE(PackageUndercutsPayout(1000, 3500, 5));
    EXPECT_FALSE(PackageUndercutsPayout(100, 500, 5));  // exactly the payout
}

TEST(MoneyRules, ParsesStatusNames) {
    for (auto status :
         {PaymentStatus::kPending, PaymentStatus::kSucceeded, PaymentStatus::kFailed}) {
        EXPECT_EQ(ParsePaymentStatus(PaymentStatusName(status)), status);
    }
    for (auto status : {WithdrawalStatus::kPending, WithdrawalStatus::kPaid,
                        WithdrawalStatus::kRejected, WithdrawalStatus::kCancelled}) {
        EXPECT_EQ(ParseWithdrawalStatus(WithdrawalStatusName(status)), status);
    }
    EXPECT_FALSE(ParsePaymentStatus("refunded"));
    EXPECT_FALSE(ParseWithdrawalStatus("Paid"));
}

}  // namespace
}  // namespace nanotasks::domain
