#include <boost/json/array.hpp>
#include <charconv>

#include "api/error_map.hpp"
#include "api/json_support.hpp"
#include "api/marketplace_request.hpp"
#include "api/marketplace_views.hpp"
#include "api/routes.hpp"
#include "app/dashboard_service.hpp"
#include "app/report_service.hpp"
#include "domain/task_rules.hpp"
#include "infra/id_generator.hpp"

namespace nanotasks::api {
namespace {

using core::Error;
using domain::Role;

constexpr std::string_view kReportsList = "admin.reports";
constexpr int kTopWorkersDefault = 6;

http::Response TopWorkersEndpoint(Services& services, Context& context) {
    int limit = kTopWorkersDefault;
    if (const auto text = context.request.QueryParam("limit")) {
        const auto result = std::from_chars(text->data(), text->data() + text->size(), limit);
        if (text->empty() || result.ec != std::errc{} ||
            result.ptr != text->data() + text->size() || limit < 1 || limit > 100) {
            return ErrorResponse(Error::Validation({{"limit", "out_of_range",
                                                     "must be an integer between 1 and 100"}}),
                                 context.request.request_id);
        }
    }
    auto workers = services.dashboards.TopWorkers(limit);
    if (!workers) return ErrorResponse(workers.error(), context.request.request_id);
    boost::json::array items;
    items.reserve(workers->size());
    for (const auto& worker : *workers) items.push_back(TopWorkerView(worker));
    return JsonResponse(200, boost::json::object{{"items", std::move(items)}});
}

http::Response WorkerStatsEndpoint(Services& services, Context& context) {
    auto stats = services.dashboards.WorkerStats(context.Caller());
    if (!stats) return ErrorResponse(stats.error(), context.request.request_id);
    return JsonResponse(200,
                        boost::json::object{{"total_submissions", stats->total_submissions},
                                            {"pending_submissions", stats->pending_submissions},
                                            {"approved_submissions", stats->approved_submissions},
                                            {"total_earned", stats->total_earned}});
}

http::Response BuyerStatsEndpoint(Services& services, Context& context) {
    auto stats = services.dashboards.BuyerStats(context.Caller());
    if (!stats) return ErrorResponse(stats.error(), context.request.request_id);
    return JsonResponse(200, boost::json::object{{"task_count", stats->task_count},
                                                 {"open_slots", stats->open_slots},
                                                 {"pending_reviews", stats->pending_reviews},
                                                 {"total_paid", stats->total_paid}});
}

http::Response CreateReportEndpoint(Services& services, Context& context) {
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"target_type", "target_id", "reason"});
    auto target_type = fields.RequiredString("target_type", 1, 20);
    if (target_type && *target_type != "task" && *target_type != "submission") {
        fields.Fail("target_type", "invalid", "must be task or submission");
        target_type.reset();
    }
    auto target_id = fields.RequiredString("target_id", 1, 64);
    auto reason = RequiredText(fields, "reason", domain::kReportReasonMax);
    if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    // A string that is not one of our ids names nothing: the same answer as an unknown id.
    if (!infra::IsValidId(*target_id)) {
        return ErrorResponse(NotFound(*target_type), context.request.request_id);
    }
    auto report = services.reports.Create(context.Caller(), *target_type, *target_id, *reason);
    if (!report) return ErrorResponse(report.error(), context.request.request_id);
    return JsonResponse(201, ReportView(*report));
}

http::Response ReportsEndpoint(Services& services, Context& context) {
    const http::Request& request = context.request;
    std::vector<core::FieldError> errors;
    std::optional<std::string> status = request.QueryParam("status");
    if (status && *status != "open" && *status != "resolved") {
        errors.push_back({"status", "invalid", "must be one of open, resolved"});
    }
    auto page_request = ReadPage(request, services.cursors, kReportsList);
    if (!page_request) {
        for (const auto& error : page_request.error().errors) errors.push_back(error);
    }
    if (!errors.empty()) {
        return ErrorResponse(Error::Validation(std::move(errors)), request.request_id);
    }
    auto page = services.reports.List(status, page_request->cursor_payload, page_request->limit);
    if (!page) return ErrorResponse(page.error(), request.request_id);
    boost::json::array items;
    items.reserve(page->items.size());
    for (const auto& report : page->items) items.push_back(ReportView(report));
    const auto cursor = NextCursor(services.cursors, kReportsList, page->has_more,
                                   page->items.empty() ? "" : page->items.back().id);
    return JsonResponse(200, PageView(std::move(items), cursor));
}

http::Response ResolveReportEndpoint(Services& services, Context& context) {
    const auto id = PathId(context);
    if (!id) return ErrorResponse(NotFound("report"), context.request.request_id);
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"resolution"});
    auto resolution = RequiredText(fields, "resolution", domain::kResolutionMax);
    if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    auto report = services.reports.Resolve(*id, *resolution);
    if (!report) return ErrorResponse(report.error(), context.request.request_id);
    return JsonResponse(200, ReportView(*report));
}

}  // namespace

std::vector<RouteSpec> DashboardRoutes(Services& services) {
    using http::Method;
    const auto bind = EndpointBinder(services);
    return {
        {.method = Method::kGet,
         .path = "/api/v1/workers/top",
         .policy = Policy::Public(),
         .endpoint = bind(TopWorkersEndpoint),
         .summary = "Workers with the most coins (?limit=, default 6); never emails",
         .response_schema = "TopWorkerList",
         .parameters = {"top_limit"}},
        {.method = Method::kGet,
         .path = "/api/v1/worker/stats",
         .policy = Policy::Roles({Role::kWorker}),
         .endpoint = bind(WorkerStatsEndpoint),
         .summary = "The worker's submission counts and coins earned",
         .response_schema = "WorkerStats"},
        {.method = Method::kGet,
         .path = "/api/v1/buyer/stats",
         .policy = Policy::Roles({Role::kBuyer}),
         .endpoint = bind(BuyerStatsEndpoint),
         .summary = "The buyer's tasks, open slots, pending reviews and coins paid",
         .response_schema = "BuyerStats"},
        {.method = Method::kPost,
         .path = "/api/v1/reports",
         .policy = Policy::Roles({Role::kWorker, Role::kBuyer}),
         .endpoint = bind(CreateReportEndpoint),
         .summary = "Report a task or a submission to the admins",
         .success_status = 201,
         .request_schema = "ReportCreate",
         .response_schema = "Report",
         .errors = {core::ErrorCode::kNotFound}},
        {.method = Method::kGet,
         .path = "/api/v1/admin/reports",
         .policy = Policy::Roles({Role::kAdmin}),
         .endpoint = bind(ReportsEndpoint),
         .summary = "Reports (?status=open|resolved), newest first",
         .response_schema = "Report",
         .paged = true,
         .parameters = {"report_status"}},
        {.method = Method::kPost,
         .path = "/api/v1/admin/reports/{id}/resolve",
         .policy = Policy::Roles({Role::kAdmin}),
         .endpoint = bind(ResolveReportEndpoint),
         .summary = "Resolve an open report",
         .request_schema = "ReportResolve",
         .response_schema = "Report",
         .errors = {core::ErrorCode::kInvalidState}},
    };
}

}  // namespace nanotasks::api
