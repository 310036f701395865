#include "domain/money_rules.hpp"

#include <gtest/gtest.h>

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
