#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nanotasks::domain {

enum class Role { kWorker, kBuyer, kAdmin };
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

enum class AccountStatus { kActive, kSuspended, kRemoved };
std::string_view AccountStatusName(AccountStatus status);
std::optional<AccountStatus> ParseAccountStatus(std::string_view name);

// Why a transfer happened; the names are the contract's transaction kinds.
enum class TransferKind {
    kSignupBonus,
    kPurchase,
    kTaskEscrow,
    kTaskRefund,
    kSubmissionPayment,
    kWithdrawalHold,
    kWithdrawalRelease,
    kWithdrawalPayout,
    kAdminAdjustment,
};
std::string_view TransferKindName(TransferKind kind);

// Ledger account ids are derived from what they belong to, so no lookup is needed to post.
std::string WalletAccount(std::string_view user_id);
std::string EscrowAccount(std::string_view task_id);
std::string HoldAccount(std::string_view withdrawal_id);
inline constexpr std::string_view kMintAccount = "mint";
inline constexpr std::string_view kPayoutAccount = "payout";

// Without leading and trailing spaces, tabs and line breaks.
std::string Trim(std::string_view text);

// Field rules of the contract. Lengths count Unicode code points, not bytes.
std::size_t CodePointCount(std::string_view utf8);
// Trimmed, lower-cased identity of an email; nullopt when it is not a plausible address.
std::optional<std::string> NormalizeEmail(std::string_view email);
bool IsValidHttpUrl(std::string_view url);  // absolute http:// or https://, up to 2048 chars

inline constexpr std::size_t kNameMax = 100;
inline constexpr std::size_t kPasswordMin = 8;
inline constexpr std::size_t kPasswordMax = 128;
inline constexpr std::size_t kEmailMax = 254;
inline constexpr std::size_t kUrlMax = 2048;

}  // namespace nanotasks::domain
