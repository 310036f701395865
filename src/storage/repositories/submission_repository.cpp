#include "storage/repositories/submission_repository.hpp"

namespace nanotasks::storage {
namespace {

constexpr std::string_view kSelectSubmission =
    "SELECT s.id, s.task_id, t.title, t.payable_amount, s.worker_id, w.name, s.buyer_id, b.name, "
    "s.submission_details, s.status, s.feedback, s.decided_by, s.submitted_at, s.decided_at "
    "FROM submissions s JOIN tasks t ON t.id = s.task_id JOIN users w ON w.id = s.worker_id "
    "JOIN users b ON b.id = s.buyer_id ";

SubmissionRecord ToSubmission(const Row& row) {
    return SubmissionRecord{.id = row.Text(0),
                            .task_id = row.Text(1),
                            .task_title = row.Text(2),
                            .payable_amount = row.Int(3),
                            .worker_id = row.Text(4),
                            .worker_name = row.Text(5),
                            .buyer_id = row.Text(6),
                            .buyer_name = row.Text(7),
                            .submission_details = row.Text(8),
                            .status = row.Text(9),
                            .feedback = row.OptionalText(10),
                            .decided_by = row.OptionalText(11),
                            .submitted_at_ms = row.Int(12),
                            .decided_at_ms = row.OptionalInt(13)};
}

void AppendFilter(ListQuery& query, const SubmissionFilter& filter) {
    if (filter.status) {
        query.sql += " AND s.status = " +
                     query.Param(std::string(domain::SubmissionStatusName(*filter.status)));
    }
    if (filter.task_id) query.sql += " AND s.task_id = " + query.Param(*filter.task_id);
    if (filter.before_id) query.sql += " AND s.id < " + query.Param(*filter.before_id);
    query.sql += " ORDER BY s.id DESC" + LimitClause(filter.limit);
}

}  // namespace

bool SubmissionRepository::Insert(Transaction& tx, const NewSubmission& submission) {
    return tx.Execute(
               "INSERT INTO submissions (id, task_id, worker_id, buyer_id, submission_details, "
               "status, submitted_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6) "
               "ON CONFLICT (task_id, worker_id) DO NOTHING",
               {submission.id, submission.task_id, submission.worker_id, submission.buyer_id,
                submission.submission_details, submission.submitted_at_ms}) == 1;
}

std::optional<SubmissionRecord> SubmissionRepository::Find(Transaction& tx, const std::string& id) {
    const Rows rows = tx.Query(std::string(kSelectSubmission) + "WHERE s.id = $1", {id});
    if (rows.empty()) return std::nullopt;
    return ToSubmission(rows.front());
}

bool SubmissionRepository::Exists(Transaction& tx, const std::string& task_id,
                                  const std::string& worker_id) {
    return !tx.Query("SELECT 1 FROM submissions WHERE task_id = $1 AND worker_id = $2",
                     {task_id, worker_id})
                .empty();
}

bool SubmissionRepository::Decide(Transaction& tx, const std::string& id,
                                  const Decision& decision) {
    Value feedback = nullptr;
    if (decision.feedback) feedback = *decision.feedback;
    return tx.Execute(
               "UPDATE submissions SET status = $2, feedback = $3, decided_by = $4, "
               "decided_at = $5 WHERE id = $1 AND status = 'pending'",
               {id, std::string(domain::SubmissionStatusName(decision.status)), feedback,
                std::string(domain::DeciderName(decision.decided_by)), decision.decided_at_ms}) ==
           1;
}

std::int64_t SubmissionRepository::PendingCount(Transaction& tx, const std::string& task_id) {
    return tx
        .Query("SELECT COUNT(*) FROM submissions WHERE task_id = $1 AND status = 'pending'",
               {task_id})
        .front()
        .Int(0);
}

ListQuery SubmissionRepository::WorkerSubmissionsQuery(const std::string& worker_id,
                                                       const SubmissionFilter& filter) {
    ListQuery query;
    query.sql = std::string(kSelectSubmission) + "WHERE s.worker_id = " + query.Param(worker_id);
    AppendFilter(query, filter);
    return query;
}

ListQuery SubmissionRepository::BuyerSubmissionsQuery(const std::string& buyer_id,
                                                      const SubmissionFilter& filter) {
    ListQuery query;
    query.sql = std::string(kSelectSubmission) + "WHERE s.buyer_id = " + query.Param(buyer_id);
    AppendFilter(query, filter);
    return query;
}

std::vector<SubmissionRecord> SubmissionRepository::List(Transaction& tx, const ListQuery& query) {
    std::vector<SubmissionRecord> submissions;
    for (const Row& row : tx.Query(query.sql, query.params)) {
        submissions.push_back(ToSubmission(row));
    }
    return submissions;
}

std::vector<std::string> SubmissionRepository::ClaimOverdue(Transaction& tx, std::int64_t cutoff_ms,
                                                            int limit) {
    std::string sql =
        "SELECT id FROM submissions WHERE status = 'pending' AND submitted_at <= $1 "
        "ORDER BY submitted_at" +
        LimitClause(limit);
    if (tx.engine() == Engine::kPostgres) sql += " FOR UPDATE SKIP LOCKED";
    std::vector<std::string> ids;
    for (const Row& row : tx.Query(sql, {cutoff_ms})) {
        ids.push_back(row.Text(0));
    }
    return ids;
}

}  // namespace nanotasks::storage
