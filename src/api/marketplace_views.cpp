#include "api/marketplace_views.hpp"

#include "api/json_support.hpp"

namespace nanotasks::api {
namespace {

boost::json::value OptionalTime(const std::optional<std::int64_t>& unix_millis) {
    if (!unix_millis) return nullptr;
    return boost::json::string(FormatTime(*unix_millis));
}

boost::json::object Party(const std::string& id, const std::string& name) {
    return {{"id", id}, {"name", name}};
}

}  // namespace

boost::json::object TaskView(const storage::TaskRecord& task, std::int64_t now_ms) {
    return {{"id", task.id},
            {"title", task.title},
            {"detail", task.detail},
            {"buyer", Party(task.buyer_id, task.buyer_name)},
            {"required_workers", task.required_workers},
            {"slots_open", task.slots_open},
            {"payable_amount", task.payable_amount},
            {"completion_date", FormatTime(task.completion_date_ms)},
            {"submission_info", task.submission_info},
            {"image_url", OptionalString(task.image_url)},
            {"status", domain::TaskStatusName(task.Status(now_ms))},
            {"created_at", FormatTime(task.created_at_ms)},
            {"updated_at", FormatTime(task.updated_at_ms)}};
}

boost::json::object SubmissionView(const storage::SubmissionRecord& submission) {
    return {{"id", submission.id},
            {"task",
             {{"id", submission.task_id},
              {"title", submission.task_title},
              {"payable_amount", submission.payable_amount}}},
            {"worker", Party(submission.worker_id, submission.worker_name)},
            {"buyer", Party(submission.buyer_id, submission.buyer_name)},
            {"submission_details", submission.submission_details},
            {"status", submission.status},
            {"feedback", OptionalString(submission.feedback)},
            {"decided_by", OptionalString(submission.decided_by)},
            {"submitted_at", FormatTime(submission.submitted_at_ms)},
            {"decided_at", OptionalTime(submission.decided_at_ms)}};
}

boost::json::object NotificationView(const storage::NotificationRecord& notification) {
    return {{"id", notification.id},
            {"message", notification.message},
            {"action_route", OptionalString(notification.action_route)},
            {"read", notification.read},
            {"created_at", FormatTime(notification.created_at_ms)}};
}

boost::json::object ReportView(const storage::ReportRecord& report) {
    return {{"id", report.id},
            {"reporter", Party(report.reporter_id, report.reporter_name)},
            {"target_type", report.target_type},
            {"target_id", report.target_id},
            {"reason", report.reason},
            {"status", report.status},
            {"resolution", OptionalString(report.resolution)},
            {"created_at", FormatTime(report.created_at_ms)},
            {"resolved_at", OptionalTime(report.resolved_at_ms)}};
}

boost::json::object TopWorkerView(const storage::TopWorker& worker) {
    return {{"id", worker.id},
            {"name", worker.name},
            {"photo_url", OptionalString(worker.photo_url)},
            {"coins", worker.coins}};
}

boost::json::object PageView(boost::json::array items, const std::optional<std::string>& cursor) {
    boost::json::value next_cursor = nullptr;
    if (cursor) next_cursor = boost::json::string(*cursor);
    return {{"items", std::move(items)}, {"next_cursor", std::move(next_cursor)}};
}

}  // namespace nanotasks::api
