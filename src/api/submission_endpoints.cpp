#include <boost/json/array.hpp>

#include "api/error_map.hpp"
#include "api/json_support.hpp"
#include "api/marketplace_request.hpp"
#include "api/marketplace_views.hpp"
#include "api/routes.hpp"
#include "app/submission_service.hpp"
#include "domain/task_rules.hpp"
#include "infra/id_generator.hpp"

namespace nanotasks::api {
namespace {

using core::Error;
using domain::Role;

constexpr std::string_view kWorkerSubmissionsList = "worker.submissions";
constexpr std::string_view kBuyerSubmissionsList = "buyer.submissions";
constexpr std::string_view kSubmissionStatuses = "pending, approved, rejected";

http::Response SubmitEndpoint(Services& services, Context& context) {
    const auto task_id = PathId(context);
    if (!task_id) return ErrorResponse(NotFound("task"), context.request.request_id);
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"submission_details"});
    auto details = RequiredText(fields, "submission_details", domain::kSubmissionDetailsMax);
    if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    auto submission = services.submissions.Submit(context.Caller(), *task_id, *details);
    if (!submission) return ErrorResponse(submission.error(), context.request.request_id);
    return JsonResponse(201, SubmissionView(*submission));
}

http::Response GetSubmissionEndpoint(Services& services, Context& context) {
    const auto id = PathId(context);
    if (!id) return ErrorResponse(NotFound("submission"), context.request.request_id);
    auto submission = services.submissions.Get(context.Caller(), *id);
    if (!submission) return ErrorResponse(submission.error(), context.request.request_id);
    return JsonResponse(200, SubmissionView(*submission));
}

http::Response ApproveEndpoint(Services& services, Context& context) {
    const auto id = PathId(context);
    if (!id) return ErrorResponse(NotFound("submission"), context.request.request_id);
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"feedback"});
    auto feedback = fields.NullableString("feedback", 0, domain::kFeedbackMax);
    if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    std::optional<std::string> text;
    if (feedback && *feedback && !domain::Trim(**feedback).empty()) {
        text = domain::Trim(**feedback);
    }
    if (text && text->find('\0') != std::string::npos) {
        return ErrorResponse(
            Error::Validation({{"feedback", "invalid", "must not contain NUL characters"}}),
            context.request.request_id);
    }
    auto submission = services.submissions.Approve(context.Caller(), *id, text);
    if (!submission) return ErrorResponse(submission.error(), context.request.request_id);
    return JsonResponse(200, SubmissionView(*submission));
}

http::Response RejectEndpoint(Services& services, Context& context) {
    const auto id = PathId(context);
    if (!id) return ErrorResponse(NotFound("submission"), context.request.request_id);
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"feedback"});
    auto feedback = RequiredText(fields, "feedback", domain::kFeedbackMax);
    if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    auto submission = services.submissions.Reject(context.Caller(), *id, *feedback);
    if (!submission) return ErrorResponse(submission.error(), context.request.request_id);
    return JsonResponse(200, SubmissionView(*submission));
}

// ?status= and the page of a submissions list; ?task_id= as well for the buyer's.
core::Result<storage::SubmissionFilter> ReadFilter(Services& services, const http::Request& request,
                                                   std::string_view list, bool with_task) {
    std::vector<core::FieldError> errors;
    storage::SubmissionFilter filter;
    filter.status =
        QueryEnum(request, "status", domain::ParseSubmissionStatus, kSubmissionStatuses, errors);
    if (with_task) {
        if (const auto task_id = request.QueryParam("task_id")) {
            // An id we never issued names no task of the caller: the page is simply empty, but a
            // value that is not an id at all is a mistake worth reporting.
            if (!infra::IsValidId(*task_id)) {
                errors.push_back({"task_id", "invalid", "must be a task id"});
            } else {
                filter.task_id = *task_id;
            }
        }
    }
    auto page = ReadPage(request, services.cursors, list);
    if (!page) {
        for (const auto& error : page.error().errors) errors.push_back(error);
    }
    if (!errors.empty()) return Error::Validation(std::move(errors));
    filter.limit = page->limit;
    filter.before_id = page->cursor_payload;
    return filter;
}

http::Response SubmissionPage(Services& services, std::string_view list,
                              const app::ListPage<storage::SubmissionRecord>& page) {
    boost::json::array items;
    items.reserve(page.items.size());
    for (const auto& submission : page.items) items.push_back(SubmissionView(submission));
    const auto cursor = NextCursor(services.cursors, list, page.has_more,
                                   page.items.empty() ? "" : page.items.back().id);
    return JsonResponse(200, PageView(std::move(items), cursor));
}

http::Response WorkerSubmissionsEndpoint(Services& services, Context& context) {
    auto filter = ReadFilter(services, context.request, kWorkerSubmissionsList, false);
    if (!filter) return ErrorResponse(filter.error(), context.request.request_id);
    auto page = services.submissions.WorkerSubmissions(context.Caller(), *filter);
    if (!page) return ErrorResponse(page.error(), context.request.request_id);
    return SubmissionPage(services, kWorkerSubmissionsList, *page);
}

http::Response BuyerSubmissionsEndpoint(Services& services, Context& context) {
    auto filter = ReadFilter(services, context.request, kBuyerSubmissionsList, true);
    if (!filter) return ErrorResponse(filter.error(), context.request.request_id);
    auto page = services.submissions.BuyerSubmissions(context.Caller(), *filter);
    if (!page) return ErrorResponse(page.error(), context.request.request_id);
    return SubmissionPage(services, kBuyerSubmissionsList, *page);
}

}  // namespace

std::vector<RouteSpec> SubmissionRoutes(Services& services) {
    using http::Method;
    const auto bind = EndpointBinder(services);
    return {
        {.method = Method::kPost,
         .path = "/api/v1/tasks/{id}/submissions",
         .policy = Policy::Roles({Role::kWorker}),
         .endpoint = bind(SubmitEndpoint),
         .summary = "Submit work to an open task; takes one slot",
         .success_status = 201,
         .request_schema = "SubmissionCreate",
         .response_schema = "Submission",
         .errors = {core::ErrorCode::kAlreadySubmitted, core::ErrorCode::kTaskFull,
                    core::ErrorCode::kTaskClosed}},
        {.method = Method::kGet,
         .path = "/api/v1/worker/submissions",
         .policy = Policy::Roles({Role::kWorker}),
         .endpoint = bind(WorkerSubmissionsEndpoint),
         .summary = "The worker's own submissions (?status=), newest first",
         .response_schema = "Submission",
         .paged = true,
         .parameters = {"submission_status"}},
        {.method = Method::kGet,
         .path = "/api/v1/buyer/submissions",
         .policy = Policy::Roles({Role::kBuyer}),
         .endpoint = bind(BuyerSubmissionsEndpoint),
         .summary = "Submissions to the buyer's tasks (?status=, task_id=), newest first",
         .response_schema = "Submission",
         .paged = true,
         .parameters = {"submission_status", "task_id"}},
        {.method = Method::kGet,
         .path = "/api/v1/submissions/{id}",
         .policy = Policy::AnyRole(),
         .endpoint = bind(GetSubmissionEndpoint),
         .summary = "One submission (its worker, its task's buyer and admins only)",
         .response_schema = "Submission"},
        {.method = Method::kPost,
         .path = "/api/v1/submissions/{id}/approve",
         .policy = Policy::Roles({Role::kBuyer}),
         .endpoint = bind(ApproveEndpoint),
         .summary = "Approve a pending submission; pays payable_amount from escrow to the worker",
         .request_schema = "ApproveRequest",
         .response_schema = "Submission",
         .errors = {core::ErrorCode::kAlreadyDecided}},
        {.method = Method::kPost,
         .path = "/api/v1/submissions/{id}/reject",
         .policy = Policy::Roles({Role::kBuyer}),
         .endpoint = bind(RejectEndpoint),
         .summary = "Reject a pending submission with feedback; the slot opens again",
         .request_schema = "RejectRequest",
         .response_schema = "Submission",
         .errors = {core::ErrorCode::kAlreadyDecided}},
    };
}

}  // namespace nanotasks::api
