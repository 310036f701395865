#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.hpp"
#include "app/list_page.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "storage/database.hpp"
#include "storage/repositories/withdrawal_repository.hpp"

namespace nanotasks::infra {
class IdGenerator;
}

namespace nanotasks::app {

struct WithdrawalSettings {
    std::int64_t minimum_coins = 200;
    std::int64_t cents_per_coin = 5;
    std::vector<std::string> payment_systems;
};

// Types and lengths already checked by the endpoint; the rules (minimum, payment systems) are
// checked here, by CheckRequest, and the account number's characters by Request.
struct WithdrawalInput {
    std::int64_t coins = 0;
    std::string payment_system;
    std::string account_number;  // never stored or logged in full
};

enum class WithdrawalDecisionKind { kApprove, kReject, kCancel };

// Withdrawals: the coins move from the wallet into a hold account of the withdrawal at request
// time; approving moves them on to payout (they leave the platform), rejecting or cancelling
// returns them. Each decision is one guarded transition out of pending.
class WithdrawalService {
  public:
    WithdrawalService(storage::Database& db, infra::IdGenerator& ids, const core::Clock& clock,
                      WithdrawalSettings settings);

    // The rule violations of a request, each as a field error: coins under the minimum
    // ("below_minimum"), a payment system that is not offered. `coins` or `payment_system`
    // absent: already reported by the endpoint, not checked again.
    std::vector<core::FieldError> CheckRequest(
        std::optional<std::int64_t> coins, const std::optional<std::string>& payment_system) const;
    // The problem for a request with these field errors: withdrawal_below_minimum when being
    // under the minimum is all that is wrong with it, validation_failed otherwise.
    static core::Error RequestError(std::vector<core::FieldError> errors);

    core::Result<storage::WithdrawalRecord> Request(const Caller& caller,
                                                    const WithdrawalInput& input);
    // An admin's approve or reject, or the worker's own cancel. Anything but pending is
    // invalid_state; another worker's withdrawal is not_found.
    core::Result<storage::WithdrawalRecord> Decide(const Caller& caller, const std::string& id,
                                                   WithdrawalDecisionKind kind,
                                                   const std::optional<std::string>& reason);
    // A worker's own withdrawals, or every one for an admin; newest first.
    core::Result<ListPage<storage::WithdrawalRecord>> List(
        const Caller& caller, const std::optional<std::string>& status,
        const std::optional<std::string>& before_id, int limit);

  private:
    storage::Database& db_;
    infra::IdGenerator& ids_;
    const core::Clock& clock_;
    WithdrawalSettings settings_;
};

}  // namespace nanotasks::app
