#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "app/caller.hpp"
#include "app/list_page.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/rules.hpp"
#include "storage/database.hpp"
#include "storage/repositories/ledger_repository.hpp"
#include "storage/repositories/platform_repository.hpp"
#include "storage/repositories/user_repository.hpp"

namespace nanotasks::infra {
class IdGenerator;
}

namespace nanotasks::app {

struct UserChange {
    std::optional<domain::Role> role;
    std::optional<domain::AccountStatus> status;  // active or suspended (checked by the endpoint)
};

struct CoinAdjustment {
    storage::UserRecord user;
    storage::WalletEntry entry;  // the adjustment as the user's wallet shows it
};

// Platform administration: accounts (role, suspension, soft removal), admin adjustments of a
// wallet, platform totals. Every change takes effect on the user's next request, because
// authentication reads role and status from the database each time.
class AdminService {
  public:
    AdminService(storage::Database& db, infra::IdGenerator& ids, const core::Clock& clock)
        : db_(db), ids_(ids), clock_(clock) {}

    core::Result<ListPage<storage::UserRecord>> Users(const storage::UserFilter& filter,
                                                      const std::optional<std::string>& before_id,
                                                      int limit);
    // A removed account cannot be changed (invalid_state); nor can an admin change their own
    // role or status, so that the platform never loses its last admin by accident.
    core::Result<storage::UserRecord> UpdateUser(const Caller& caller, const std::string& id,
                                                 const UserChange& change);
    // Soft removal in one transaction: the status becomes removed, refresh tokens are revoked,
    // the account's open tasks are cancelled with their open slots' escrow refunded to it.
    // Pending withdrawals stay pending, to be decided as usual. The status changes first, so
    // that a task creation in flight (LockActiveAccount) either commits before the open tasks
    // are listed or sees the removal.
    core::Status RemoveUser(const Caller& caller, const std::string& id);
    // A signed admin_adjustment between mint and the wallet; a wallet never goes below zero
    // (insufficient_coins). An admin cannot adjust their own wallet (invalid_state), as they
    // cannot change their own role or status.
    core::Result<CoinAdjustment> AdjustCoins(const Caller& caller, const std::string& id,
                                             std::int64_t amount, const std::string& reason);
    core::Result<storage::PlatformStats> Stats();

  private:
    void CancelOpenTasks(storage::Transaction& tx, const std::string& buyer_id,
                         std::int64_t now_ms);

    storage::Database& db_;
    infra::IdGenerator& ids_;
    const core::Clock& clock_;
};

}  // namespace nanotasks::app
