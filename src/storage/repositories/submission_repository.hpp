#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/task_rules.hpp"
#include "storage/database.hpp"
#include "storage/repositories/list_query.hpp"

namespace nanotasks::storage {

struct SubmissionRecord {
    std::string id;
    std::string task_id;
    std::string task_title;
    std::int64_t payable_amount = 0;
    std::string worker_id;
    std::string worker_name;
    std::string buyer_id;
    std::string buyer_name;
    std::string submission_details;
    std::string status;
    std::optional<std::string> feedback;
    std::optional<std::string> decided_by;
    std::int64_t submitted_at_ms = 0;
    std::optional<std::int64_t> decided_at_ms;
};

struct NewSubmission {
    std::string id;
    std::string task_id;
    std::string worker_id;
    std::string buyer_id;
    std::string submission_details;
    std::int64_t submitted_at_ms = 0;
};

struct Decision {
    domain::SubmissionStatus status = domain::SubmissionStatus::kApproved;
    std::optional<std::string> feedback;
    domain::Decider decided_by = domain::Decider::kBuyer;
    std::int64_t decided_at_ms = 0;
};

struct SubmissionFilter {
    std::optional<domain::SubmissionStatus> status;
    std::optional<std::string> task_id;
    std::optional<std::string> before_id;
    int limit = 20;
};

class SubmissionRepository {
  public:
    // False when this worker already submitted to this task (the unique constraint decides, in
    // one statement: no read-then-check race).
    static bool Insert(Transaction& tx, const NewSubmission& submission);
    static std::optional<SubmissionRecord> Find(Transaction& tx, const std::string& id);
    static bool Exists(Transaction& tx, const std::string& task_id, const std::string& worker_id);
    // The guarded transition out of pending; false when the submission was decided already.
    static bool Decide(Transaction& tx, const std::string& id, const Decision& decision);
    static std::int64_t PendingCount(Transaction& tx, const std::string& task_id);

    // Newest first.
    static ListQuery WorkerSubmissionsQuery(const std::string& worker_id,
                                            const SubmissionFilter& filter);
    static ListQuery BuyerSubmissionsQuery(const std::string& buyer_id,
                                           const SubmissionFilter& filter);
    static std::vector<SubmissionRecord> List(Transaction& tx, const ListQuery& query);

    // Pending submissions submitted at or before the cutoff, oldest first; locked on
    // PostgreSQL, skipping rows another process holds.
    static std::vector<std::string> ClaimOverdue(Transaction& tx, std::int64_t cutoff_ms,
                                                 int limit);
};

}  // namespace nanotasks::storage
