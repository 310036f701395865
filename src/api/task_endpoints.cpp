#include <boost/json/array.hpp>
#include <charconv>

#include "api/error_map.hpp"
#include "api/json_support.hpp"
#include "api/marketplace_request.hpp"
#include "api/marketplace_views.hpp"
#include "api/routes.hpp"
#include "app/task_service.hpp"
#include "core/clock.hpp"
#include "domain/task_rules.hpp"

namespace nanotasks::api {
namespace {

using core::Error;
using domain::Role;

constexpr std::string_view kNewestList = "tasks.newest";
constexpr std::string_view kPayList = "tasks.pay";
constexpr std::string_view kDeadlineList = "tasks.deadline";
constexpr std::string_view kBuyerTasksList = "buyer.tasks";
constexpr std::string_view kAdminTasksList = "admin.tasks";
constexpr std::string_view kTaskStatuses = "open, closed, cancelled";

// completion_date: an RFC 3339 date-time, or a bare date meaning the end of that UTC day; kept
// to the second, as it is shown. Checks the window of a new deadline against now.
std::optional<std::int64_t> ReadDeadline(FieldReader& fields, bool required, std::int64_t now_ms) {
    auto text = required ? fields.RequiredString("completion_date", 1, 64)
                         : fields.OptionalString("completion_date", 1, 64);
    if (!text) return std::nullopt;
    const auto time = core::ParseRfc3339(*text, core::BareDate::kEndOfDay);
    if (!time) {
        fields.Fail("completion_date", "invalid_date",
                    "must be an RFC 3339 date (2026-11-25) or date-time (2026-11-25T03:20:00Z)");
        return std::nullopt;
    }
    std::int64_t ms = core::ToUnixMillis(*time);
    ms -= ((ms % 1000) + 1000) % 1000;
    switch (domain::CheckNewDeadline(ms, now_ms)) {
        case domain::DeadlineProblem::kNone:
        case domain::DeadlineProblem::kNotLater:
            return ms;
        case domain::DeadlineProblem::kNotInFuture:
            fields.Fail("completion_date", "not_in_future", "must be in the future");
            return std::nullopt;
        case domain::DeadlineProblem::kTooFar:
            fields.Fail("completion_date", "too_far", "must be within 365 days");
            return std::nullopt;
    }
    return std::nullopt;
}

http::Response CreateTaskEndpoint(Services& services, Context& context) {
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"title", "detail", "required_workers", "payable_amount",
                               "completion_date", "submission_info", "image_url"});
    auto title = RequiredText(fields, "title", domain::kTitleMax);
    auto detail = RequiredText(fields, "detail", domain::kDetailMax);
    auto required_workers =
        fields.RequiredInteger("required_workers", 1, domain::kRequiredWorkersMax);
    auto payable_amount = fields.RequiredInteger("payable_amount", 1, domain::kPayableAmountMax);
    auto completion_date = ReadDeadline(fields, true, services.tasks.NowMs());
    auto submission_info = RequiredText(fields, "submission_info", domain::kSubmissionInfoMax);
    auto image_url = NullableUrl(fields, "image_url");
    if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    auto task = services.tasks.Create(
        context.Caller(), app::NewTaskInput{.title = *title,
                                            .detail = *detail,
                                            .submission_info = *submission_info,
                                            .image_url = image_url ? *image_url : std::nullopt,
                                            .required_workers = *required_workers,
                                            .payable_amount = *payable_amount,
                                            .completion_date_ms = *completion_date});
    if (!task) return ErrorResponse(task.error(), context.request.request_id);
    return JsonResponse(201, TaskView(*task, services.tasks.NowMs()));
}

http::Response GetTaskEndpoint(Services& services, Context& context) {
    const auto id = PathId(context);
    if (!id) return ErrorResponse(NotFound("task"), context.request.request_id);
    auto task = services.tasks.Get(context.Caller(), *id);
    if (!task) return ErrorResponse(task.error(), context.request.request_id);
    return JsonResponse(200, TaskView(*task, services.tasks.NowMs()));
}

http::Response UpdateTaskEndpoint(Services& services, Context& context) {
    const auto id = PathId(context);
    if (!id) return ErrorResponse(NotFound("task"), context.request.request_id);
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"title", "detail", "submission_info", "image_url", "completion_date",
                               "required_workers", "payable_amount"});
    // The coins in escrow were fixed when the task was created.
    for (std::string_view coin_field : {"required_workers", "payable_amount"}) {
        if (fields.Has(coin_field)) {
            fields.Fail(coin_field, "not_patchable", "cannot change after the task is created");
        }
    }
    storage::TaskChange change;
    change.title = OptionalText(fields, "title", domain::kTitleMax);
    change.detail = OptionalText(fields, "detail", domain::kDetailMax);
    change.submission_info = OptionalText(fields, "submission_info", domain::kSubmissionInfoMax);
    change.image_url = NullableUrl(fields, "image_url");
    change.completion_date_ms = ReadDeadline(fields, false, services.tasks.NowMs());
    if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    auto task = services.tasks.Update(context.Caller(), *id, change);
    if (!task) return ErrorResponse(task.error(), context.request.request_id);
    return JsonResponse(200, TaskView(*task, services.tasks.NowMs()));
}

http::Response CancelTaskEndpoint(Services& services, Context& context) {
    const auto id = PathId(context);
    if (!id) return ErrorResponse(NotFound("task"), context.request.request_id);
    auto cancelled = services.tasks.Cancel(context.Caller(), *id);
    if (!cancelled) return ErrorResponse(cancelled.error(), context.request.request_id);
    return JsonResponse(
        200, boost::json::object{{"task", TaskView(cancelled->task, services.tasks.NowMs())},
                                 {"refunded_coins", cancelled->refunded_coins}});
}

boost::json::array TaskItems(const std::vector<storage::TaskRecord>& tasks, std::int64_t now_ms) {
    boost::json::array items;
    items.reserve(tasks.size());
    for (const auto& task : tasks) items.push_back(TaskView(task, now_ms));
    return items;
}

http::Response OpenTasksEndpoint(Services& services, Context& context) {
    const http::Request& request = context.request;
    std::vector<core::FieldError> errors;
    app::OpenTasksRequest query;
    std::string_view list = kNewestList;
    if (const auto sort = request.QueryParam("sort")) {
        if (*sort == "pay") {
            query.sort = storage::TaskSort::kPay;
            list = kPayList;
        } else if (*sort == "deadline") {
            query.sort = storage::TaskSort::kDeadline;
            list = kDeadlineList;
        } else if (*sort != "newest") {
            errors.push_back({"sort", "invalid", "must be one of newest, pay, deadline"});
        }
    }
    if (const auto min_pay = request.QueryParam("min_pay")) {
        std::int64_t value = 0;
        const auto result =
            std::from_chars(min_pay->data(), min_pay->data() + min_pay->size(), value);
        if (min_pay->empty() || result.ec != std::errc{} ||
            result.ptr != min_pay->data() + min_pay->size() || value < 0) {
            errors.push_back({"min_pay", "invalid", "must be a non-negative integer"});
        } else {
            query.min_pay = value;
        }
    }
    bool searching = false;
    if (const auto q = request.QueryParam("q"); q && !domain::Trim(*q).empty()) {
        if (!domain::IsValidUtf8(*q) || domain::CodePointCount(*q) > domain::kSearchQueryMax) {
            errors.push_back({"q", "invalid", "must be UTF-8 text of at most 200 characters"});
        } else {
            searching = true;
            query.words = domain::SearchWords(*q);
        }
    }
    auto page_request = ReadPage(request, services.cursors, list);
    if (!page_request) {
        for (const auto& error : page_request.error().errors) errors.push_back(error);
    }
    if (!errors.empty()) {
        return ErrorResponse(Error::Validation(std::move(errors)), request.request_id);
    }
    query.limit = page_request->limit;
    if (page_request->cursor_payload) {
        if (query.sort == storage::TaskSort::kNewest) {
            query.after = storage::TaskKey{.value = 0, .id = *page_request->cursor_payload};
        } else if (const auto key = ParseKeyPayload(*page_request->cursor_payload)) {
            query.after = storage::TaskKey{.value = key->value, .id = key->id};
        }
    }
    // A query with no word in it (only punctuation) matches nothing.
    if (searching && query.words.empty()) return JsonResponse(200, PageView({}, std::nullopt));
    auto page = services.tasks.OpenTasks(context.Caller(), query);
    if (!page) return ErrorResponse(page.error(), request.request_id);
    std::optional<std::string> cursor;
    if (page->has_more) {
        const auto& last = page->items.back();
        switch (query.sort) {
            case storage::TaskSort::kNewest:
                cursor = services.cursors.Encode(list, last.id);
                break;
            case storage::TaskSort::kPay:
                cursor = services.cursors.Encode(list, KeyPayload(last.payable_amount, last.id));
                break;
            case storage::TaskSort::kDeadline:
                cursor =
                    services.cursors.Encode(list, KeyPayload(last.completion_date_ms, last.id));
                break;
        }
    }
    return JsonResponse(200, PageView(TaskItems(page->items, services.tasks.NowMs()), cursor));
}

http::Response BuyerTasksEndpoint(Services& services, Context& context) {
    const http::Request& request = context.request;
    std::vector<core::FieldError> errors;
    const auto status =
        QueryEnum(request, "status", domain::ParseTaskStatus, kTaskStatuses, errors);
    auto page_request = ReadPage(request, services.cursors, kBuyerTasksList);
    if (!page_request) {
        for (const auto& error : page_request.error().errors) errors.push_back(error);
    }
    if (!errors.empty()) {
        return ErrorResponse(Error::Validation(std::move(errors)), request.request_id);
    }
    std::optional<storage::TaskKey> after;
    if (page_request->cursor_payload) {
        if (const auto key = ParseKeyPayload(*page_request->cursor_payload)) {
            after = storage::TaskKey{.value = key->value, .id = key->id};
        }
    }
    auto page = services.tasks.BuyerTasks(context.Caller(), status, after, page_request->limit);
    if (!page) return ErrorResponse(page.error(), request.request_id);
    std::optional<std::string> cursor;
    if (page->has_more) {
        const auto& last = page->items.back();
        cursor =
            services.cursors.Encode(kBuyerTasksList, KeyPayload(last.completion_date_ms, last.id));
    }
    return JsonResponse(200, PageView(TaskItems(page->items, services.tasks.NowMs()), cursor));
}

http::Response AdminTasksEndpoint(Services& services, Context& context) {
    const http::Request& request = context.request;
    std::vector<core::FieldError> errors;
    const auto status =
        QueryEnum(request, "status", domain::ParseTaskStatus, kTaskStatuses, errors);
    auto page_request = ReadPage(request, services.cursors, kAdminTasksList);
    if (!page_request) {
        for (const auto& error : page_request.error().errors) errors.push_back(error);
    }
    if (!errors.empty()) {
        return ErrorResponse(Error::Validation(std::move(errors)), request.request_id);
    }
    auto page = services.tasks.AllTasks(status, page_request->cursor_payload, page_request->limit);
    if (!page) return ErrorResponse(page.error(), request.request_id);
    const auto cursor = NextCursor(services.cursors, kAdminTasksList, page->has_more,
                                   page->items.empty() ? "" : page->items.back().id);
    return JsonResponse(200, PageView(TaskItems(page->items, services.tasks.NowMs()), cursor));
}

}  // namespace

std::vector<RouteSpec> TaskRoutes(Services& services) {
    using http::Method;
    const auto bind = EndpointBinder(services);
    return {
        {.method = Method::kPost,
         .path = "/api/v1/tasks",
         .policy = Policy::Roles({Role::kBuyer}),
         .endpoint = bind(CreateTaskEndpoint),
         .summary = "Post a task; required_workers x payable_amount coins move into its escrow",
         .success_status = 201,
         .request_schema = "TaskCreate",
         .response_schema = "Task",
         .errors = {core::ErrorCode::kInsufficientCoins}},
        {.method = Method::kGet,
         .path = "/api/v1/tasks",
         .policy = Policy::Roles({Role::kWorker, Role::kBuyer, Role::kAdmin}),
         .endpoint = bind(OpenTasksEndpoint),
         .summary = "Open tasks (?sort=newest|pay|deadline, min_pay, q); a worker's list leaves "
                    "out tasks they submitted to",
         .response_schema = "Task",
         .paged = true,
         .parameters = {"sort", "min_pay", "task_query"}},
        {.method = Method::kGet,
         .path = "/api/v1/tasks/{id}",
         .policy = Policy::AnyRole(),
         .endpoint = bind(GetTaskEndpoint),
         .summary = "One task (a cancelled task is not found for workers)",
         .response_schema = "Task"},
        {.method = Method::kPatch,
         .path = "/api/v1/tasks/{id}",
         .policy = Policy::Roles({Role::kBuyer}),
         .endpoint = bind(UpdateTaskEndpoint),
         .summary = "Change an open task's texts or move its completion_date later",
         .request_schema = "TaskUpdate",
         .response_schema = "Task",
         .errors = {core::ErrorCode::kInvalidState}},
        {.method = Method::kDelete,
         .path = "/api/v1/tasks/{id}",
         .policy = Policy::Roles({Role::kBuyer, Role::kAdmin}),
         .endpoint = bind(CancelTaskEndpoint),
         .summary = "Cancel an open task; its open slots' escrow returns to the buyer",
         .response_schema = "TaskCancellation",
         .errors = {core::ErrorCode::kInvalidState}},
        {.method = Method::kGet,
         .path = "/api/v1/buyer/tasks",
         .policy = Policy::Roles({Role::kBuyer}),
         .endpoint = bind(BuyerTasksEndpoint),
         .summary = "The buyer's own tasks (?status=open|closed|cancelled), newest "
                    "completion_date first",
         .response_schema = "Task",
         .paged = true,
         .parameters = {"task_status"}},
        {.method = Method::kGet,
         .path = "/api/v1/admin/tasks",
         .policy = Policy::Roles({Role::kAdmin}),
         .endpoint = bind(AdminTasksEndpoint),
         .summary = "Every task, any status (?status=), newest first",
         .response_schema = "Task",
         .paged = true,
         .parameters = {"task_status"}},
    };
}

}  // namespace nanotasks::api
