#include "app/submission_service.hpp"

#include <stdexcept>

#include "app/active_account.hpp"
#include "app/marketplace_effects.hpp"
#include "app/transaction.hpp"
#include "domain/rules.hpp"
#include "infra/id_generator.hpp"
#include "storage/repositories/ledger_repository.hpp"
#include "storage/repositories/task_repository.hpp"

namespace nanotasks::app {

using core::Error;
using core::ErrorCode;
using storage::SubmissionRecord;
using storage::TxMode;

namespace {

// Submissions auto-approved per transaction (see ExpiryBatch in task_service.cpp for why).
int ApprovalBatch(storage::Engine engine) { return engine == storage::Engine::kSqlite ? 64 : 1; }
constexpr int kMaxApprovalsPerRun = 1000;

Error SubmissionNotFound() { return Error::Of(ErrorCode::kNotFound, "No such submission."); }

Error AlreadyDecided() {
    return Error::Of(ErrorCode::kAlreadyDecided, "The submission was decided already.");
}

bool MaySee(const Caller& caller, const SubmissionRecord& submission) {
    return caller.role == domain::Role::kAdmin || caller.id == submission.worker_id ||
           caller.id == submission.buyer_id;
}

}  // namespace

core::Result<SubmissionRecord> SubmissionService::Submit(const Caller& caller,
                                                         const std::string& task_id,
                                                         const std::string& submission_details) {
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    const std::string submission_id = ids_.Next();
    return InTransaction<SubmissionRecord>(
        db_, TxMode::kWrite, [&](storage::Transaction& tx) -> core::Result<SubmissionRecord> {
            // A removal or suspension in flight either sees this submission or is seen here.
            if (auto active = LockActiveAccount(tx, caller.id); !active) {
                return std::move(active).error();
            }
            // The guarded UPDATE takes a slot or changes nothing: no read-then-write race.
            if (!storage::TaskRepository::TakeSlot(tx, task_id, now_ms)) {
                const auto task = storage::TaskRepository::Find(tx, task_id);
                if (!task || task->cancelled_at_ms) {
                    return Error::Of(ErrorCode::kNotFound, "No such task.");
                }
                if (storage::SubmissionRepository::Exists(tx, task_id, caller.id)) {
                    return Error::Of(ErrorCode::kAlreadySubmitted,
                                     "You already submitted to this task.");
                }
                if (task->Status(now_ms) == domain::TaskStatus::kClosed) {
                    return Error::Of(ErrorCode::kTaskClosed,
                                     "The task's completion date has passed.");
                }
                return Error::Of(ErrorCode::kTaskFull, "Every slot of the task is taken.");
            }
            const auto task = storage::TaskRepository::Find(tx, task_id);
            const bool inserted = storage::SubmissionRepository::Insert(
                tx, storage::NewSubmission{.id = submission_id,
                                           .task_id = task_id,
                                           .worker_id = caller.id,
                                           .buyer_id = task->buyer_id,
                                           .submission_details = submission_details,
                                           .submitted_at_ms = now_ms});
            // The unique (task_id, worker_id) refused it; the error rolls the slot back.
            if (!inserted) {
                return Error::Of(ErrorCode::kAlreadySubmitted,
                                 "You already submitted to this task.");
            }
            Notify(tx, ids_, task->buyer_id,
                   "New submission to " + Quoted(task->title) + " from " + caller.name + ".",
                   "/submissions/" + submission_id, now_ms);
            return *storage::SubmissionRepository::Find(tx, submission_id);
        });
}

core::Result<SubmissionRecord> SubmissionService::Get(const Caller& caller, const std::string& id) {
    return InTransaction<SubmissionRecord>(
        db_, TxMode::kRead, [&](storage::Transaction& tx) -> core::Result<SubmissionRecord> {
            auto submission = storage::SubmissionRepository::Find(tx, id);
            if (!submission || !MaySee(caller, *submission)) return SubmissionNotFound();
            return std::move(*submission);
        });
}

core::Status SubmissionService::DecideLocked(storage::Transaction& tx,
                                             const SubmissionRecord& submission,
                                             const storage::Decision& decision) {
    // The transition is the guard: of two decisions racing, one changes the row and the other
    // finds it decided, and moves nothing.
    if (!storage::SubmissionRepository::Decide(tx, submission.id, decision)) {
        return AlreadyDecided();
    }
    // Lock order everywhere: submission, then task, then accounts.
    const auto task =
        storage::TaskRepository::Find(tx, submission.task_id, storage::RowLock::kForUpdate);
    if (!task) throw std::logic_error("submission " + submission.id + " has no task");
    const std::int64_t now_ms = decision.decided_at_ms;
    const std::string route = "/submissions/" + submission.id;
    if (decision.status == domain::SubmissionStatus::kApproved) {
        const auto paid = storage::LedgerRepository::Post(
            tx, storage::TransferRequest{.id = ids_.Next(),
                                         .from_account = domain::EscrowAccount(task->id),
                                         .to_account = domain::WalletAccount(submission.worker_id),
                                         .amount = core::Coins(task->payable_amount),
                                         .kind = domain::TransferKind::kSubmissionPayment,
                                         .reference_type = "submission",
                                         .reference_id = submission.id,
                                         .created_at_ms = now_ms});
        if (paid != storage::PostOutcome::kPosted) {
            throw std::logic_error("escrow of task " + task->id + " cannot pay a submission");
        }
        Notify(tx, ids_, submission.worker_id,
               "Your submission to " + Quoted(task->title) + " was approved" +
                   (decision.decided_by == domain::Decider::kAuto ? " automatically" : "") + ": +" +
                   std::to_string(task->payable_amount) + " coins.",
               route, now_ms);
    } else {
        const auto freed = domain::OnRejection(task->cancelled_at_ms.has_value(),
                                               task->closed_refunded_at_ms.has_value());
        if (freed == domain::FreedSlot::kReopen) {
            if (!storage::TaskRepository::ReopenSlot(tx, task->id, now_ms)) {
                throw std::logic_error("task " + task->id + " cannot take its slot back");
            }
        } else {
            RefundEscrow(tx, ids_, *task, task->payable_amount, now_ms);
        }
        Notify(tx, ids_, submission.worker_id,
               "Your submission to " + Quoted(task->title) + " was rejected.", route, now_ms);
    }
    SettleFinishedTask(tx, ids_, *task, now_ms);
    return core::Ok{};
}

core::Result<SubmissionRecord> SubmissionService::Approve(
    const Caller& caller, const std::string& id, const std::optional<std::string>& feedback) {
    return DecideByBuyer(caller, id, domain::SubmissionStatus::kApproved, feedback);
}

core::Result<SubmissionRecord> SubmissionService::Reject(const Caller& caller,
                                                         const std::string& id,
                                                         const std::string& feedback) {
    return DecideByBuyer(caller, id, domain::SubmissionStatus::kRejected, feedback);
}

core::Result<SubmissionRecord> SubmissionService::DecideByBuyer(
    const Caller& caller, const std::string& id, domain::SubmissionStatus status,
    const std::optional<std::string>& feedback) {
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    return InTransaction<SubmissionRecord>(
        db_, TxMode::kWrite, [&](storage::Transaction& tx) -> core::Result<SubmissionRecord> {
            const auto submission = storage::SubmissionRepository::Find(tx, id);
            // Only the task's buyer decides; to any other buyer the submission does not exist.
            if (!submission || submission->buyer_id != caller.id) return SubmissionNotFound();
            if (submission->status != "pending") return AlreadyDecided();
            auto decided = DecideLocked(tx, *submission,
                                        storage::Decision{.status = status,
                                                          .feedback = feedback,
                                                          .decided_by = domain::Decider::kBuyer,
                                                          .decided_at_ms = now_ms});
            if (!decided) return std::move(decided).error();
            return *storage::SubmissionRepository::Find(tx, id);
        });
}

core::Result<ListPage<SubmissionRecord>> SubmissionService::WorkerSubmissions(
    const Caller& caller, storage::SubmissionFilter filter) {
    const int limit = filter.limit;
    filter.limit = limit + 1;
    std::vector<SubmissionRecord> rows;
    db_.RunTransaction(TxMode::kRead, [&](storage::Transaction& tx) {
        rows = storage::SubmissionRepository::List(
            tx, storage::SubmissionRepository::WorkerSubmissionsQuery(caller.id, filter));
    });
    return MakePage(std::move(rows), limit);
}

core::Result<ListPage<SubmissionRecord>> SubmissionService::BuyerSubmissions(
    const Caller& caller, storage::SubmissionFilter filter) {
    const int limit = filter.limit;
    filter.limit = limit + 1;
    std::vector<SubmissionRecord> rows;
    db_.RunTransaction(TxMode::kRead, [&](storage::Transaction& tx) {
        rows = storage::SubmissionRepository::List(
            tx, storage::SubmissionRepository::BuyerSubmissionsQuery(caller.id, filter));
    });
    return MakePage(std::move(rows), limit);
}

std::int64_t SubmissionService::AutoApproveDue() {
    const int batch = ApprovalBatch(db_.engine());
    std::int64_t approved = 0;
    for (bool more = true; more && approved < kMaxApprovalsPerRun;) {
        std::int64_t approved_now = 0;
        db_.RunTransaction(TxMode::kWrite, [&](storage::Transaction& tx) {
            approved_now = 0;
            const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
            const std::int64_t cutoff_ms = now_ms - settings_.auto_approve_after_seconds * 1000;
            const auto ids = storage::SubmissionRepository::ClaimOverdue(tx, cutoff_ms, batch);
            more = static_cast<int>(ids.size()) == batch;
            for (const auto& id : ids) {
                const auto submission = storage::SubmissionRepository::Find(tx, id);
                if (!submission) continue;
                const auto decided =
                    DecideLocked(tx, *submission,
                                 storage::Decision{.status = domain::SubmissionStatus::kApproved,
                                                   .decided_by = domain::Decider::kAuto,
                                                   .decided_at_ms = now_ms});
                // Decided by the buyer a moment ago: nothing to do, nothing moved.
                if (decided) ++approved_now;
            }
        });
        approved += approved_now;
    }
    return approved;
}

}  // namespace nanotasks::app
