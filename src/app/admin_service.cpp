#include "app/admin_service.hpp"

#include "app/marketplace_effects.hpp"
#include "app/transaction.hpp"
#include "infra/id_generator.hpp"
#include "storage/repositories/session_repository.hpp"
#include "storage/repositories/task_repository.hpp"

namespace nanotasks::app {

using core::Error;
using core::ErrorCode;
using storage::TxMode;
using storage::UserRecord;

namespace {

// Open tasks are cancelled a page at a time; a buyer with more simply takes more pages.
constexpr int kTaskPage = 200;

Error UserNotFound() { return Error::Of(ErrorCode::kNotFound, "No such user."); }

Error Removed() { return Error::Of(ErrorCode::kInvalidState, "The account has been removed."); }

// Why a guarded change of `id` matched no row: there is no such user, or it is removed.
Error NotChangeable(storage::Transaction& tx, const std::string& id) {
    return storage::UserRepository::FindById(tx, id) ? Removed() : UserNotFound();
}

}  // namespace

core::Result<ListPage<UserRecord>> AdminService::Users(const storage::UserFilter& filter,
                                                       const std::optional<std::string>& before_id,
                                                       int limit) {
    std::vector<UserRecord> rows;
    db_.RunTransaction(TxMode::kRead, [&](storage::Transaction& tx) {
        rows = storage::UserRepository::List(tx, filter, before_id, limit + 1);
    });
    return MakePage(std::move(rows), limit);
}

core::Result<UserRecord> AdminService::UpdateUser(const Caller& caller, const std::string& id,
                                                  const UserChange& change) {
    if (id == caller.id && (change.role || change.status)) {
        return Error::Of(ErrorCode::kInvalidState,
                         "Admins cannot change their own role or status.");
    }
    std::optional<std::string> role;
    if (change.role) role = std::string(domain::RoleName(*change.role));
    std::optional<std::string> status;
    if (change.status) status = std::string(domain::AccountStatusName(*change.status));
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    return InTransaction<UserRecord>(
        db_, TxMode::kWrite, [&](storage::Transaction& tx) -> core::Result<UserRecord> {
            if (!storage::UserRepository::UpdateRoleStatusUnlessRemoved(tx, id, role, status,
                                                                        now_ms)) {
                return NotChangeable(tx, id);
            }
            return *storage::UserRepository::FindById(tx, id);
        });
}

core::Status AdminService::RemoveUser(const Caller& caller, const std::string& id) {
    if (id == caller.id) {
        return Error::Of(ErrorCode::kInvalidState, "Admins cannot remove their own account.");
    }
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    return InTransaction<core::Ok>(db_, TxMode::kWrite,
                                   [&](storage::Transaction& tx) -> core::Status {
                                       if (!storage::UserRepository::MarkRemoved(tx, id, now_ms)) {
                                           return NotChangeable(tx, id);
                                       }
                                       storage::SessionRepository::RevokeUser(tx, id, now_ms);
                                       CancelOpenTasks(tx, id, now_ms);
                                       return core::Ok{};
                                   });
}

// Cancels each of the buyer's open tasks inside the removal's transaction, as TaskService::Cancel
// does for one.
void AdminService::CancelOpenTasks(storage::Transaction& tx, const std::string& buyer_id,
                                   std::int64_t now_ms) {
    std::vector<std::string> open_ids;
    std::optional<storage::TaskKey> after;
    for (;;) {
        const auto page = storage::TaskRepository::BuyerTasks(
            tx, buyer_id, domain::TaskStatus::kOpen, after, kTaskPage, now_ms);
        for (const auto& task : page) open_ids.push_back(task.id);
        if (static_cast<int>(page.size()) < kTaskPage) break;
        after = storage::TaskKey{.value = page.back().completion_date_ms, .id = page.back().id};
    }
    for (const std::string& task_id : open_ids) {
        const auto task = storage::TaskRepository::Find(tx, task_id, storage::RowLock::kForUpdate);
        if (task) CancelTaskLocked(tx, ids_, *task, now_ms);
    }
}

core::Result<CoinAdjustment> AdminService::AdjustCoins(const Caller& caller, const std::string& id,
                                                       std::int64_t amount,
                                                       const std::string& reason) {
    if (id == caller.id) {
        return Error::Of(ErrorCode::kInvalidState, "Admins cannot adjust their own wallet.");
    }
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    return InTransaction<CoinAdjustment>(
        db_, TxMode::kWrite, [&](storage::Transaction& tx) -> core::Result<CoinAdjustment> {
            // Locked, so that a removal in flight either waits for the adjustment or is seen.
            const auto status = storage::UserRepository::LockStatus(tx, id);
            if (!status) return UserNotFound();
            if (*status == domain::AccountStatusName(domain::AccountStatus::kRemoved)) {
                return Removed();
            }
            const std::string wallet = domain::WalletAccount(id);
            const std::string mint(domain::kMintAccount);
            const auto posted = storage::LedgerRepository::Post(
                tx, storage::TransferRequest{.id = ids_.Next(),
                                             .from_account = amount > 0 ? mint : wallet,
                                             .to_account = amount > 0 ? wallet : mint,
                                             .amount = core::Coins(amount > 0 ? amount : -amount),
                                             .kind = domain::TransferKind::kAdminAdjustment,
                                             .reference_type = "user",
                                             .reference_id = caller.id,
                                             .memo = reason,
                                             .created_at_ms = now_ms});
            if (posted != storage::PostOutcome::kPosted) {
                return Error::Of(ErrorCode::kInsufficientCoins,
                                 "The wallet does not hold enough coins for this adjustment.");
            }
            // The wallet's row stays locked until commit, so its newest entry is this one.
            auto entries = storage::LedgerRepository::Entries(tx, wallet, std::nullopt, 1);
            return CoinAdjustment{.user = *storage::UserRepository::FindById(tx, id),
                                  .entry = std::move(entries.front())};
        });
}

core::Result<storage::PlatformStats> AdminService::Stats() {
    storage::PlatformStats stats;
    // One statement in one read transaction: the figures are one snapshot of the ledger.
    db_.RunTransaction(TxMode::kRead, [&](storage::Transaction& tx) {
        stats = storage::PlatformRepository::Stats(tx);
    });
    return stats;
}

}  // namespace nanotasks::app
