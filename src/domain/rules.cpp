#include "domain/rules.hpp"

#include <algorithm>

namespace nanotasks::domain {

std::string_view RoleName(Role role) {
    switch (role) {
        case Role::kWorker:
            return "worker";
        case Role::kBuyer:
            return "buyer";
        case Role::kAdmin:
            return "admin";
    }
    return "worker";
}

std::optional<Role> ParseRole(std::string_view name) {
    if (name == "worker") return Role::kWorker;
    if (name == "buyer") return Role::kBuyer;
    if (name == "admin") return Role::kAdmin;
    return std::nullopt;
}

std::string_view AccountStatusName(AccountStatus status) {
    switch (status) {
        case AccountStatus::kActive:
            return "active";
        case AccountStatus::kSuspended:
            return "suspended";
        case AccountStatus::kRemoved:
            return "removed";
    }
    return "active";
}

std::optional<AccountStatus> ParseAccountStatus(std::string_view name) {
    if (name == "active") return AccountStatus::kActive;
    if (name == "suspended") return AccountStatus::kSuspended;
    if (name == "removed") return AccountStatus::kRemoved;
    return std::nullopt;
}

std::string_view TransferKindName(TransferKind kind) {
    switch (kind) {
        case TransferKind::kSignupBonus:
            return "signup_bonus";
        case TransferKind::kPurchase:
            return "purchase";
        case TransferKind::kTaskEscrow:
            return "task_escrow";
        case TransferKind::kTaskRefund:
            return "task_refund";
        case TransferKind::kSubmissionPayment:
            return "submission_payment";
        case TransferKind::kWithdrawalHold:
            return "withdrawal_hold";
        case TransferKind::kWithdrawalRelease:
            return "withdrawal_release";
        case TransferKind::kWithdrawalPayout:
            return "withdrawal_payout";
        case TransferKind::kAdminAdjustment:
            return "admin_adjustment";
    }
    return "admin_adjustment";
}

std::string WalletAccount(std::string_view user_id) { return "wallet:" + std::string(user_id); }
std::string EscrowAccount(std::string_view task_id) { return "escrow:" + std::string(task_id); }
std::string HoldAccount(std::string_view withdrawal_id) {
    return "hold:" + std::string(withdrawal_id);
}

std::string Trim(std::string_view text) {
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    const auto end = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(begin, end - begin + 1));
}

std::size_t CodePointCount(std::string_view utf8) {
    return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

std::optional<std::string> NormalizeEmail(std::string_view email) {
    std::string key = Trim(email);
    if (key.empty() || key.size() > kEmailMax) return std::nullopt;
    const auto at = key.find('@');
    if (at == std::string::npos || at == 0 || at != key.rfind('@') || at + 1 >= key.size()) {
        return std::nullopt;
    }
    const std::string_view domain = std::string_view(key).substr(at + 1);
    if (domain.find('.') == std::string_view::npos || domain.front() == '.' ||
        domain.back() == '.' || domain.find("..") != std::string_view::npos) {
        return std::nullopt;
    }
    for (char& c : key) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7F || c == '<' || c == '>' || c == ',' || c == ';' || c == '"') {
            return std::nullopt;
        }
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return key;
}

bool IsValidHttpUrl(std::string_view url) {
    if (url.size() > kUrlMax) return false;
    std::string_view rest;
    if (url.starts_with("https://")) {
        rest = url.substr(8);
    } else if (url.starts_with("http://")) {
        rest = url.substr(7);
    } else {
        return false;
    }
    const auto host_end = rest.find_first_of("/?#");
    const auto host = rest.substr(0, host_end);
    if (host.empty() || host.front() == ':' || host.front() == '@') return false;
    return std::none_of(url.begin(), url.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7F || c == '"' || c == '<' || c == '>' || c == '\\';
    });
}

}  // namespace nanotasks::domain
