#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "app/caller.hpp"
#include "app/list_page.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "storage/database.hpp"
#include "storage/repositories/submission_repository.hpp"

namespace nanotasks::infra {
class IdGenerator;
}

namespace nanotasks::app {

struct SubmissionSettings {
    std::int64_t auto_approve_after_seconds = 259200;
};

// Submissions and their review. Submitting takes a slot; approving pays payable_amount from
// the task's escrow to the worker; rejecting gives the slot back (or, once the task is cancelled
// or closed, its escrow to the buyer). Decisions are guarded transitions out of pending.
class SubmissionService {
  public:
    SubmissionService(storage::Database& db, infra::IdGenerator& ids, const core::Clock& clock,
                      SubmissionSettings settings)
        : db_(db), ids_(ids), clock_(clock), settings_(settings) {}

    core::Result<storage::SubmissionRecord> Submit(const Caller& caller, const std::string& task_id,
                                                   const std::string& submission_details);
    // Visible to its worker, its task's buyer and admins; anyone else gets not_found.
    core::Result<storage::SubmissionRecord> Get(const Caller& caller, const std::string& id);
    core::Result<storage::SubmissionRecord> Approve(const Caller& caller, const std::string& id,
                                                    const std::optional<std::string>& feedback);
    core::Result<storage::SubmissionRecord> Reject(const Caller& caller, const std::string& id,
                                                   const std::string& feedback);

    core::Result<ListPage<storage::SubmissionRecord>> WorkerSubmissions(
        const Caller& caller, storage::SubmissionFilter filter);
    core::Result<ListPage<storage::SubmissionRecord>> BuyerSubmissions(
        const Caller& caller, storage::SubmissionFilter filter);

    // The auto-approval job: approves, exactly as the buyer would, every submission pending for
    // longer than the delay. Safe in several processes at once. Returns submissions approved.
    std::int64_t AutoApproveDue();

  private:
    core::Result<storage::SubmissionRecord> DecideByBuyer(
        const Caller& caller, const std::string& id, domain::SubmissionStatus status,
        const std::optional<std::string>& feedback);
    // Decides a pending submission inside the caller's transaction: the guarded transition, then
    // the money and the slot. kAlreadyDecided when it was not pending any more.
    core::Status DecideLocked(storage::Transaction& tx, const storage::SubmissionRecord& submission,
                              const storage::Decision& decision);

    storage::Database& db_;
    infra::IdGenerator& ids_;
    const core::Clock& clock_;
    SubmissionSettings settings_;
};

}  // namespace nanotasks::app
