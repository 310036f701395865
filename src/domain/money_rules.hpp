#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nanotasks::domain {

// Prices and payouts are integer cents of one currency.
inline constexpr std::string_view kCurrency = "usd";

enum class PaymentStatus { kPending, kSucceeded, kFailed };
std::string_view PaymentStatusName(PaymentStatus status);
std::optional<PaymentStatus> ParsePaymentStatus(std::string_view name);

enum class WithdrawalStatus { kPending, kPaid, kRejected, kCancelled };
std::string_view WithdrawalStatusName(WithdrawalStatus status);
std::optional<WithdrawalStatus> ParseWithdrawalStatus(std::string_view name);

// Field limits of the contract (lengths in code points).
inline constexpr std::size_t kWithdrawalReasonMax = 2000;
inline constexpr std::size_t kAdjustmentReasonMax = 500;
// An account number is longer than the four characters ever shown of it, so that the last four
// never are the whole number.
inline constexpr std::size_t kAccountNumberMin = 6;
inline constexpr std::size_t kAccountNumberMax = 64;
// Large enough for any real withdrawal or adjustment, small enough that coins times cents per
// coin (at most 1,000,000) never overflows 64 bits.
inline constexpr std::int64_t kWithdrawalCoinsMax = 1'000'000'000'000;
inline constexpr std::int64_t kAdjustmentMax = 1'000'000'000;

// True when every character of an account number is an ASCII letter or digit or one of
// `@ . _ + -` (bank and wallet numbers, IBANs written without spaces, PayPal emails), and its
// length is kAccountNumberMin..kAccountNumberMax. Anything else (spaces, control, format and
// zero-width characters, look-alike letters) would let two numbers look the same to the admin
// who pays them out.
bool IsValidAccountNumber(std::string_view account_number);

// The last four code points of an account number: all of it that is ever stored or shown.
std::string AccountNumberLast4(std::string_view account_number);

// True when a package sells coins for less than a withdrawal pays out for them, so that a buyer
// and a worker acting together could turn purchased coins into more money than they paid.
bool PackageUndercutsPayout(std::int64_t package_coins, std::int64_t package_price_cents,
                            std::int64_t withdrawal_cents_per_coin);

}  // namespace nanotasks::domain
