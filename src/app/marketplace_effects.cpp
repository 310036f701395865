#include "app/marketplace_effects.hpp"

#include <stdexcept>

#include "domain/rules.hpp"
#include "infra/id_generator.hpp"
#include "storage/repositories/ledger_repository.hpp"
#include "storage/repositories/notification_repository.hpp"
#include "storage/repositories/submission_repository.hpp"

namespace nanotasks::app {

void RefundEscrow(storage::Transaction& tx, infra::IdGenerator& ids,
                  const storage::TaskRecord& task, std::int64_t amount, std::int64_t now_ms) {
    if (amount <= 0) return;
    const auto outcome = storage::LedgerRepository::Post(
        tx, storage::TransferRequest{.id = ids.Next(),
                                     .from_account = domain::EscrowAccount(task.id),
                                     .to_account = domain::WalletAccount(task.buyer_id),
                                     .amount = core::Coins(amount),
                                     .kind = domain::TransferKind::kTaskRefund,
                                     .reference_type = "task",
                                     .reference_id = task.id,
                                     .created_at_ms = now_ms});
    if (outcome != storage::PostOutcome::kPosted) {
        throw std::logic_error("escrow of task " + task.id + " cannot cover its refund");
    }
}

std::optional<std::int64_t> CancelTaskLocked(storage::Transaction& tx, infra::IdGenerator& ids,
                                             const storage::TaskRecord& task, std::int64_t now_ms) {
    if (task.Status(now_ms) != domain::TaskStatus::kOpen) return std::nullopt;
    const std::int64_t refund = task.slots_open * task.payable_amount;
    if (!storage::TaskRepository::Cancel(tx, task.id, now_ms)) return std::nullopt;
    RefundEscrow(tx, ids, task, refund, now_ms);
    const auto cancelled = storage::TaskRepository::Find(tx, task.id);
    return refund + SettleFinishedTask(tx, ids, *cancelled, now_ms);
}

std::int64_t SettleFinishedTask(storage::Transaction& tx, infra::IdGenerator& ids,
                                const storage::TaskRecord& task, std::int64_t now_ms) {
    if (!task.Finished()) return 0;
    if (storage::SubmissionRepository::PendingCount(tx, task.id) > 0) return 0;
    const std::int64_t left =
        storage::LedgerRepository::Balance(tx, domain::EscrowAccount(task.id));
    RefundEscrow(tx, ids, task, left, now_ms);
    return left > 0 ? left : 0;
}

void Notify(storage::Transaction& tx, infra::IdGenerator& ids, const std::string& user_id,
            std::string message, std::string action_route, std::int64_t now_ms) {
    storage::NotificationRepository::Insert(
        tx, storage::NotificationRecord{.id = ids.Next(),
                                        .user_id = user_id,
                                        .message = std::move(message),
                                        .action_route = std::move(action_route),
                                        .created_at_ms = now_ms});
}

std::string Quoted(const std::string& title) {
    constexpr std::size_t kMaxCodePoints = 80;
    std::string shortened;
    std::size_t code_points = 0;
    for (char c : title) {
        const bool starts_code_point = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        if (starts_code_point && ++code_points > kMaxCodePoints) {
            shortened += "...";
            break;
        }
        shortened += c;
    }
    return "\"" + shortened + "\"";
}

}  // namespace nanotasks::app
