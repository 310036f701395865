#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "storage/repositories/dashboard_repository.hpp"
#include "storage/repositories/notification_repository.hpp"
#include "storage/repositories/report_repository.hpp"
#include "storage/repositories/submission_repository.hpp"
#include "storage/repositories/task_repository.hpp"

namespace nanotasks::api {

// The contract's JSON shapes of the marketplace, built in one place per resource. A task's
// status is derived from the time, so its view takes now.
boost::json::object TaskView(const storage::TaskRecord& task, std::int64_t now_ms);
boost::json::object SubmissionView(const storage::SubmissionRecord& submission);
boost::json::object NotificationView(const storage::NotificationRecord& notification);
boost::json::object ReportView(const storage::ReportRecord& report);
boost::json::object TopWorkerView(const storage::TopWorker& worker);

// {"items": [...], "next_cursor": "..." | null}
boost::json::object PageView(boost::json::array items, const std::optional<std::string>& cursor);

}  // namespace nanotasks::api
