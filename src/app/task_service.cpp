#include "app/task_service.hpp"

#include <stdexcept>

#include "app/active_account.hpp"
#include "app/marketplace_effects.hpp"
#include "app/transaction.hpp"
#include "domain/rules.hpp"
#include "infra/id_generator.hpp"
#include "storage/repositories/ledger_repository.hpp"

namespace nanotasks::app {

using core::Error;
using core::ErrorCode;
using storage::TaskRecord;
using storage::TxMode;

namespace {

// Tasks closed per transaction by the expiry job: SQLite has one writer, so a batch saves
// commits; on PostgreSQL one task per transaction keeps row locks short and lets several
// processes share the work.
int ExpiryBatch(storage::Engine engine) { return engine == storage::Engine::kSqlite ? 64 : 1; }
constexpr int kMaxExpiriesPerRun = 1000;

Error TaskNotFound() { return Error::Of(ErrorCode::kNotFound, "No such task."); }

Error NotOwner() { return Error::Of(ErrorCode::kForbidden, "Only the task's buyer may do this."); }

Error NotOpen(const TaskRecord& task, std::int64_t now_ms) {
    return Error::Of(ErrorCode::kInvalidState,
                     task.Status(now_ms) == domain::TaskStatus::kCancelled
                         ? "The task is cancelled."
                         : "The task is closed: its completion date has passed.");
}

}  // namespace

core::Result<TaskRecord> TaskService::Create(const Caller& caller, const NewTaskInput& input) {
    const std::int64_t now_ms = NowMs();
    if (const auto problem = domain::CheckNewDeadline(input.completion_date_ms, now_ms);
        problem != domain::DeadlineProblem::kNone) {
        return Error::Validation(
            {{"completion_date",
              problem == domain::DeadlineProblem::kTooFar ? "too_far" : "not_in_future",
              problem == domain::DeadlineProblem::kTooFar ? "must be within 365 days"
                                                          : "must be in the future"}});
    }
    const std::string task_id = ids_.Next();
    const core::Coins escrow =
        domain::TaskEscrow(input.required_workers, core::Coins(input.payable_amount));
    return InTransaction<TaskRecord>(
        db_, TxMode::kWrite, [&](storage::Transaction& tx) -> core::Result<TaskRecord> {
            // A removal in flight must either see this task and cancel it, or be seen here.
            if (auto active = LockActiveAccount(tx, caller.id); !active) {
                return std::move(active).error();
            }
            storage::TaskRepository::Insert(
                tx, storage::NewTask{.id = task_id,
                                     .buyer_id = caller.id,
                                     .title = input.title,
                                     .detail = input.detail,
                                     .submission_info = input.submission_info,
                                     .image_url = input.image_url,
                                     .required_workers = input.required_workers,
                                     .payable_amount = input.payable_amount,
                                     .completion_date_ms = input.completion_date_ms,
                                     .created_at_ms = now_ms});
            storage::LedgerRepository::CreateAccount(tx, domain::EscrowAccount(task_id), "escrow",
                                                     task_id);
            const auto posted = storage::LedgerRepository::Post(
                tx, storage::TransferRequest{.id = ids_.Next(),
                                             .from_account = domain::WalletAccount(caller.id),
                                             .to_account = domain::EscrowAccount(task_id),
                                             .amount = escrow,
                                             .kind = domain::TransferKind::kTaskEscrow,
                                             .reference_type = "task",
                                             .reference_id = task_id,
                                             .created_at_ms = now_ms});
            if (posted == storage::PostOutcome::kInsufficientFunds) {
                return Error::Of(ErrorCode::kInsufficientCoins,
                                 "This task needs " + std::to_string(escrow.amount()) +
                                     " coins in escrow; your wallet does not cover them.");
            }
            return *storage::TaskRepository::Find(tx, task_id);
        });
}

core::Result<TaskRecord> TaskService::Get(const Caller& caller, const std::string& id) {
    const std::int64_t now_ms = NowMs();
    return InTransaction<TaskRecord>(
        db_, TxMode::kRead, [&](storage::Transaction& tx) -> core::Result<TaskRecord> {
            auto task = storage::TaskRepository::Find(tx, id);
            if (!task) return TaskNotFound();
            // Workers never learn that a cancelled task exists.
            if (caller.role == domain::Role::kWorker &&
                task->Status(now_ms) == domain::TaskStatus::kCancelled) {
                return TaskNotFound();
            }
            return std::move(*task);
        });
}

core::Result<TaskRecord> TaskService::Update(const Caller& caller, const std::string& id,
                                             const storage::TaskChange& change) {
    const std::int64_t now_ms = NowMs();
    return InTransaction<TaskRecord>(
        db_, TxMode::kWrite, [&](storage::Transaction& tx) -> core::Result<TaskRecord> {
            auto task = storage::TaskRepository::Find(tx, id, storage::RowLock::kForUpdate);
            if (!task) return TaskNotFound();
            if (task->buyer_id != caller.id) return NotOwner();
            if (task->Status(now_ms) != domain::TaskStatus::kOpen) return NotOpen(*task, now_ms);
            if (change.completion_date_ms) {
                const auto problem = domain::CheckDeadlineChange(
                    task->completion_date_ms, *change.completion_date_ms, now_ms);
                if (problem == domain::DeadlineProblem::kNotLater) {
                    return Error::Validation({{"completion_date", "not_later",
                                               "may only move later than the current one"}});
                }
                if (problem == domain::DeadlineProblem::kTooFar) {
                    return Error::Validation(
                        {{"completion_date", "too_far", "must be within 365 days"}});
                }
            }
            if (!storage::TaskRepository::Update(tx, id, change, now_ms)) {
                return NotOpen(*task, now_ms);
            }
            return *storage::TaskRepository::Find(tx, id);
        });
}

core::Result<CancelledTask> TaskService::Cancel(const Caller& caller, const std::string& id) {
    const std::int64_t now_ms = NowMs();
    return InTransaction<CancelledTask>(
        db_, TxMode::kWrite, [&](storage::Transaction& tx) -> core::Result<CancelledTask> {
            auto task = storage::TaskRepository::Find(tx, id, storage::RowLock::kForUpdate);
            if (!task) return TaskNotFound();
            if (caller.role != domain::Role::kAdmin && task->buyer_id != caller.id) {
                return NotOwner();
            }
            const auto refunded = CancelTaskLocked(tx, ids_, *task, now_ms);
            if (!refunded) return NotOpen(*task, now_ms);
            return CancelledTask{.task = *storage::TaskRepository::Find(tx, id),
                                 .refunded_coins = *refunded};
        });
}

core::Result<ListPage<TaskRecord>> TaskService::OpenTasks(const Caller& caller,
                                                          const OpenTasksRequest& request) {
    storage::OpenTasksFilter filter{.sort = request.sort,
                                    .min_pay = request.min_pay,
                                    .words = request.words,
                                    .after = request.after,
                                    .limit = request.limit + 1,
                                    .now_ms = NowMs()};
    if (caller.role == domain::Role::kWorker) filter.exclude_worker_id = caller.id;
    std::vector<TaskRecord> rows;
    db_.RunTransaction(TxMode::kRead, [&](storage::Transaction& tx) {
        rows = storage::TaskRepository::OpenTasks(tx, filter);
    });
    return MakePage(std::move(rows), request.limit);
}

core::Result<ListPage<TaskRecord>> TaskService::BuyerTasks(
    const Caller& caller, std::optional<domain::TaskStatus> status,
    const std::optional<storage::TaskKey>& after, int limit) {
    const std::int64_t now_ms = NowMs();
    std::vector<TaskRecord> rows;
    db_.RunTransaction(TxMode::kRead, [&](storage::Transaction& tx) {
        rows = storage::TaskRepository::BuyerTasks(tx, caller.id, status, after, limit + 1, now_ms);
    });
    return MakePage(std::move(rows), limit);
}

core::Result<ListPage<TaskRecord>> TaskService::AllTasks(
    std::optional<domain::TaskStatus> status, const std::optional<std::string>& before_id,
    int limit) {
    const std::int64_t now_ms = NowMs();
    std::vector<TaskRecord> rows;
    db_.RunTransaction(TxMode::kRead, [&](storage::Transaction& tx) {
        rows = storage::TaskRepository::AllTasks(tx, status, before_id, limit + 1, now_ms);
    });
    return MakePage(std::move(rows), limit);
}

std::int64_t TaskService::ExpireDue() {
    const int batch = ExpiryBatch(db_.engine());
    std::int64_t closed = 0;
    for (bool more = true; more && closed < kMaxExpiriesPerRun;) {
        std::int64_t closed_now = 0;
        db_.RunTransaction(TxMode::kWrite, [&](storage::Transaction& tx) {
            closed_now = 0;
            const std::int64_t now_ms = NowMs();
            const auto ids = storage::TaskRepository::ClaimExpired(tx, now_ms, batch);
            more = static_cast<int>(ids.size()) == batch;
            for (const auto& id : ids) {
                auto task = storage::TaskRepository::Find(tx, id, storage::RowLock::kForUpdate);
                // Another process may have closed it between our claim and now (SQLite), or
                // the guard below refuses: either way nothing is refunded twice.
                if (!task || !storage::TaskRepository::CloseSlots(tx, id, now_ms)) continue;
                const std::int64_t refund = task->slots_open * task->payable_amount;
                RefundEscrow(tx, ids_, *task, refund, now_ms);
                TaskRecord closed_task = *storage::TaskRepository::Find(tx, id);
                const std::int64_t settled = SettleFinishedTask(tx, ids_, closed_task, now_ms);
                Notify(tx, ids_, task->buyer_id,
                       "Your task " + Quoted(task->title) + " has closed; " +
                           std::to_string(refund + settled) +
                           " coins of unfilled slots were refunded to your wallet.",
                       "/tasks/" + id, now_ms);
                ++closed_now;
            }
        });
        closed += closed_now;
    }
    return closed;
}

}  // namespace nanotasks::app
