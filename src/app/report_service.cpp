#include "app/report_service.hpp"

#include "app/transaction.hpp"
#include "infra/id_generator.hpp"
#include "storage/repositories/submission_repository.hpp"
#include "storage/repositories/task_repository.hpp"

namespace nanotasks::app {

using core::Error;
using core::ErrorCode;
using storage::ReportRecord;

namespace {

bool TargetVisible(storage::Transaction& tx, const Caller& caller, const std::string& target_type,
                   const std::string& target_id) {
    if (target_type == "task") {
        const auto task = storage::TaskRepository::Find(tx, target_id);
        return task && !(caller.role == domain::Role::kWorker && task->cancelled_at_ms);
    }
    const auto submission = storage::SubmissionRepository::Find(tx, target_id);
    return submission && (caller.role == domain::Role::kAdmin ||
                          submission->worker_id == caller.id || submission->buyer_id == caller.id);
}

}  // namespace

core::Result<ReportRecord> ReportService::Create(const Caller& caller,
                                                 const std::string& target_type,
                                                 const std::string& target_id,
                                                 const std::string& reason) {
    const std::string id = ids_.Next();
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    return InTransaction<ReportRecord>(
        db_, storage::TxMode::kWrite, [&](storage::Transaction& tx) -> core::Result<ReportRecord> {
            if (!TargetVisible(tx, caller, target_type, target_id)) {
                return Error::Of(ErrorCode::kNotFound, "No such " + target_type + ".");
            }
            storage::ReportRepository::Insert(tx, storage::NewReport{.id = id,
                                                                     .reporter_id = caller.id,
                                                                     .target_type = target_type,
                                                                     .target_id = target_id,
                                                                     .reason = reason,
                                                                     .created_at_ms = now_ms});
            return *storage::ReportRepository::Find(tx, id);
        });
}

core::Result<ListPage<ReportRecord>> ReportService::List(
    const std::optional<std::string>& status, const std::optional<std::string>& before_id,
    int limit) {
    std::vector<ReportRecord> rows;
    db_.RunTransaction(storage::TxMode::kRead, [&](storage::Transaction& tx) {
        rows = storage::ReportRepository::List(
            tx, storage::ReportRepository::ReportsQuery(status, before_id, limit + 1));
    });
    return MakePage(std::move(rows), limit);
}

core::Result<ReportRecord> ReportService::Resolve(const std::string& id,
                                                  const std::string& resolution) {
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    return InTransaction<ReportRecord>(
        db_, storage::TxMode::kWrite, [&](storage::Transaction& tx) -> core::Result<ReportRecord> {
            if (!storage::ReportRepository::Resolve(tx, id, resolution, now_ms)) {
                if (!storage::ReportRepository::Find(tx, id)) {
                    return Error::Of(ErrorCode::kNotFound, "No such report.");
                }
                return Error::Of(ErrorCode::kInvalidState, "The report is resolved already.");
            }
            return *storage::ReportRepository::Find(tx, id);
        });
}

}  // namespace nanotasks::app
