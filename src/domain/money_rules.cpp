#include "domain/money_rules.hpp"

namespace nanotasks::domain {

std::string_view PaymentStatusName(PaymentStatus status) {
    switch (status) {
        case PaymentStatus::kPending:
            return "pending";
        case PaymentStatus::kSucceeded:
            return "succeeded";
        case PaymentStatus::kFailed:
            return "failed";
    }
    return "pending";
}

std::optional<PaymentStatus> ParsePaymentStatus(std::string_view name) {
    if (name == "pending") return PaymentStatus::kPending;
    if (name == "succeeded") return PaymentStatus::kSucceeded;
    if (name == "failed") return PaymentStatus::kFailed;
    return std::nullopt;
}

std::string_view WithdrawalStatusName(WithdrawalStatus status) {
    switch (status) {
        case WithdrawalStatus::kPending:
            return "pending";
        case WithdrawalStatus::kPaid:
            return "paid";
        case WithdrawalStatus::kRejected:
            return "rejected";
        case WithdrawalStatus::kCancelled:
            return "cancelled";
    }
    return "pending";
}

std::optional<WithdrawalStatus> ParseWithdrawalStatus(std::string_view name) {
    if (name == "pending") return WithdrawalStatus::kPending;
    if (name == "paid") return WithdrawalStatus::kPaid;
    if (name == "rejected") return WithdrawalStatus::kRejected;
    if (name == "cancelled") return WithdrawalStatus::kCancelled;
    return std::nullopt;
}

bool IsValidAccountNumber(std::string_view account_number) {
    if (account_number.size() < kAccountNumberMin || account_number.size() > kAccountNumberMax) {
        return false;
    }
    for (const char c : account_number) {
        const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                             (c >= '0' && c <= '9') || c == '@' || c == '.' || c == '_' ||
                             c == '+' || c == '-';
        if (!allowed) return false;
    }
    return true;
}

std::string AccountNumberLast4(std::string_view account_number) {
    // Walk back over four code points (UTF-8 continuation bytes are 10xxxxxx).
    std::size_t begin = account_number.size();
    for (int code_points = 0; code_points < 4 && begin > 0; ++code_points) {
        do {
            --begin;
        } while (begin > 0 && (static_cast<unsigned char>(account_number[begin]) & 0xC0) == 0x80);
    }
    return std::string(account_number.substr(begin));
}

bool PackageUndercutsPayout(std::int64_t package_coins, std::int64_t package_price_cents,
                            std::int64_t withdrawal_cents_per_coin) {
    return package_price_cents < package_coins * withdrawal_cents_per_coin;
}

}  // namespace nanotasks::domain
