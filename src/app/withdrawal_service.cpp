#include "app/withdrawal_service.hpp"

#include <algorithm>
#include <stdexcept>

#include "app/active_account.hpp"
#include "app/marketplace_effects.hpp"
#include "app/transaction.hpp"
#include "domain/money_rules.hpp"
#include "domain/rules.hpp"
#include "infra/id_generator.hpp"
#include "storage/repositories/ledger_repository.hpp"
#include "storage/repositories/user_repository.hpp"

namespace nanotasks::app {

using core::Error;
using core::ErrorCode;
using domain::WithdrawalStatus;
using storage::TxMode;
using storage::WithdrawalRecord;

namespace {

constexpr std::string_view kBelowMinimum = "below_minimum";

Error WithdrawalNotFound() { return Error::Of(ErrorCode::kNotFound, "No such withdrawal."); }

// "$12.50"
std::string Dollars(std::int64_t cents) {
    std::string fraction = std::to_string(cents % 100);
    if (fraction.size() < 2) fraction.insert(0, "0");
    return "$" + std::to_string(cents / 100) + "." + fraction;
}

WithdrawalStatus StatusAfter(WithdrawalDecisionKind kind) {
    switch (kind) {
        case WithdrawalDecisionKind::kApprove:
            return WithdrawalStatus::kPaid;
        case WithdrawalDecisionKind::kReject:
            return WithdrawalStatus::kRejected;
        case WithdrawalDecisionKind::kCancel:
            return WithdrawalStatus::kCancelled;
    }
    return WithdrawalStatus::kCancelled;
}

std::string Describe(const WithdrawalRecord& withdrawal) {
    return std::to_string(withdrawal.coins) + " coins (" + Dollars(withdrawal.amount_cents) + ")";
}

}  // namespace

WithdrawalService::WithdrawalService(storage::Database& db, infra::IdGenerator& ids,
                                     const core::Clock& clock, WithdrawalSettings settings)
    : db_(db), ids_(ids), clock_(clock), settings_(std::move(settings)) {}

std::vector<core::FieldError> WithdrawalService::CheckRequest(
    std::optional<std::int64_t> coins, const std::optional<std::string>& payment_system) const {
    std::vector<core::FieldError> errors;
    if (coins && *coins < settings_.minimum_coins) {
        errors.push_back({"coins", std::string(kBelowMinimum),
                          "must be at least " + std::to_string(settings_.minimum_coins)});
    }
    if (payment_system &&
        std::find(settings_.payment_systems.begin(), settings_.payment_systems.end(),
                  *payment_system) == settings_.payment_systems.end()) {
        std::string offered;
        for (const auto& system : settings_.payment_systems) {
            offered += offered.empty() ? system : ", " + system;
        }
        errors.push_back({"payment_system", "invalid", "must be one of " + offered});
    }
    return errors;
}

core::Error WithdrawalService::RequestError(std::vector<core::FieldError> errors) {
    const bool only_below_minimum =
        !errors.empty() && std::all_of(errors.begin(), errors.end(), [](const auto& error) {
            return error.field == "coins" && error.code == kBelowMinimum;
        });
    if (!only_below_minimum) return Error::Validation(std::move(errors));
    Error error = Error::Of(ErrorCode::kWithdrawalBelowMinimum,
                            "A withdrawal must be of at least the minimum number of coins.");
    error.errors = std::move(errors);
    return error;
}

core::Result<WithdrawalRecord> WithdrawalService::Request(const Caller& caller,
                                                          const WithdrawalInput& input) {
    // Validation comes before the balance: a request under the minimum is 422 even when the
    // wallet could not cover it either.
    auto errors = CheckRequest(input.coins, input.payment_system);
    if (!domain::IsValidAccountNumber(input.account_number)) {
        errors.push_back({"account_number", "invalid",
                          "must be " + std::to_string(domain::kAccountNumberMin) + " to " +
                              std::to_string(domain::kAccountNumberMax) +
                              " letters, digits or the characters @ . _ + -"});
    }
    if (!errors.empty()) return RequestError(std::move(errors));
    const std::string id = ids_.Next();
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    return InTransaction<WithdrawalRecord>(
        db_, TxMode::kWrite, [&](storage::Transaction& tx) -> core::Result<WithdrawalRecord> {
            // A suspension or removal in flight either waits for this request or is seen here.
            if (auto active = LockActiveAccount(tx, caller.id); !active) {
                return std::move(active).error();
            }
            const std::string hold = domain::HoldAccount(id);
            storage::LedgerRepository::CreateAccount(tx, hold, "hold", id);
            const auto held = storage::LedgerRepository::Post(
                tx, storage::TransferRequest{.id = ids_.Next(),
                                             .from_account = domain::WalletAccount(caller.id),
                                             .to_account = hold,
                                             .amount = core::Coins(input.coins),
                                             .kind = domain::TransferKind::kWithdrawalHold,
                                             .reference_type = "withdrawal",
                                             .reference_id = id,
                                             .created_at_ms = now_ms});
            if (held != storage::PostOutcome::kPosted) {
                return Error::Of(ErrorCode::kInsufficientCoins,
                                 "Your available coins do not cover this withdrawal.");
            }
            storage::WithdrawalRepository::Insert(
                tx, storage::NewWithdrawal{
                        .id = id,
                        .worker_id = caller.id,
                        .coins = input.coins,
                        .amount_cents = input.coins * settings_.cents_per_coin,
                        .currency = std::string(domain::kCurrency),
                        .payment_system = input.payment_system,
                        .account_number_last4 = domain::AccountNumberLast4(input.account_number),
                        .requested_at_ms = now_ms});
            WithdrawalRecord withdrawal = *storage::WithdrawalRepository::FindById(tx, id);
            for (const std::string& admin_id : storage::UserRepository::AdminIds(tx)) {
                Notify(tx, ids_, admin_id,
                       caller.name + " requested a withdrawal of " + Describe(withdrawal) + ".",
                       "/withdrawals?status=pending", now_ms);
            }
            return withdrawal;
        });
}

core::Result<WithdrawalRecord> WithdrawalService::Decide(const Caller& caller,
                                                         const std::string& id,
                                                         WithdrawalDecisionKind kind,
                                                         const std::optional<std::string>& reason) {
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    const WithdrawalStatus next = StatusAfter(kind);
    return InTransaction<WithdrawalRecord>(
        db_, TxMode::kWrite, [&](storage::Transaction& tx) -> core::Result<WithdrawalRecord> {
            const auto found = storage::WithdrawalRepository::FindById(tx, id);
            if (!found) return WithdrawalNotFound();
            if (kind == WithdrawalDecisionKind::kCancel && found->worker_id != caller.id) {
                return WithdrawalNotFound();
            }
            const bool decided = storage::WithdrawalRepository::Decide(
                tx, id,
                storage::WithdrawalDecision{
                    .status = std::string(domain::WithdrawalStatusName(next)),
                    .reason = reason,
                    .decided_by = caller.id,
                    .decided_at_ms = now_ms});
            if (!decided) {
                // Another decision won; read what it was (the first read may predate it).
                const auto current = storage::WithdrawalRepository::FindById(tx, id);
                return Error::Of(ErrorCode::kInvalidState,
                                 "The withdrawal is already " + current->status + ".");
            }
            const bool paid = next == WithdrawalStatus::kPaid;
            const auto moved = storage::LedgerRepository::Post(
                tx, storage::TransferRequest{
                        .id = ids_.Next(),
                        .from_account = domain::HoldAccount(id),
                        .to_account = paid ? std::string(domain::kPayoutAccount)
                                           : domain::WalletAccount(found->worker_id),
                        .amount = core::Coins(found->coins),
                        .kind = paid ? domain::TransferKind::kWithdrawalPayout
                                     : domain::TransferKind::kWithdrawalRelease,
                        .reference_type = "withdrawal",
                        .reference_id = id,
                        .created_at_ms = now_ms});
            if (moved != storage::PostOutcome::kPosted) {
                throw std::logic_error("hold of withdrawal " + id + " cannot cover its coins");
            }
            WithdrawalRecord withdrawal = *storage::WithdrawalRepository::FindById(tx, id);
            if (next == WithdrawalStatus::kPaid) {
                Notify(tx, ids_, withdrawal.worker_id,
                       "Your withdrawal of " + Describe(withdrawal) + " was paid.", "/withdrawals",
                       now_ms);
            } else if (next == WithdrawalStatus::kRejected) {
                Notify(tx, ids_, withdrawal.worker_id,
                       "Your withdrawal of " + Describe(withdrawal) + " was rejected (" +
                           reason.value_or("no reason given") +
                           "); the coins are back in your wallet.",
                       "/withdrawals", now_ms);
            }
            return withdrawal;
        });
}

core::Result<ListPage<WithdrawalRecord>> WithdrawalService::List(
    const Caller& caller, const std::optional<std::string>& status,
    const std::optional<std::string>& before_id, int limit) {
    storage::WithdrawalFilter filter{.status = status};
    if (caller.role != domain::Role::kAdmin) filter.worker_id = caller.id;
    std::vector<WithdrawalRecord> rows;
    db_.RunTransaction(TxMode::kRead, [&](storage::Transaction& tx) {
        rows = storage::WithdrawalRepository::List(tx, filter, before_id, limit + 1);
    });
    return MakePage(std::move(rows), limit);
}

}  // namespace nanotasks::app
