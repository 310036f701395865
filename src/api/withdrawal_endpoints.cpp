#include <boost/json/array.hpp>
#include <limits>

#include "api/error_map.hpp"
#include "api/json_support.hpp"
#include "api/marketplace_request.hpp"
#include "api/marketplace_views.hpp"
#include "api/money_views.hpp"
#include "api/routes.hpp"
#include "app/withdrawal_service.hpp"
#include "domain/money_rules.hpp"
#include "domain/rules.hpp"

namespace nanotasks::api {
namespace {

using app::WithdrawalDecisionKind;
using core::Error;

constexpr std::string_view kWithdrawalsList = "withdrawals";
constexpr std::size_t kPaymentSystemMax = 64;

http::Response RequestEndpoint(Services& services, Context& context) {
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"coins", "payment_system", "account_number"});
    // No lower bound here: under the minimum, zero and negative included, is the service's
    // withdrawal_below_minimum.
    auto coins = fields.RequiredInteger("coins", std::numeric_limits<std::int64_t>::min(),
                                        domain::kWithdrawalCoinsMax);
    auto payment_system = fields.RequiredString("payment_system", 1, kPaymentSystemMax);
    auto account_number = RequiredText(fields, "account_number", domain::kAccountNumberMax);
    if (account_number && domain::CodePointCount(*account_number) < domain::kAccountNumberMin) {
        fields.Fail(
            "account_number", "too_short",
            "must be at least " + std::to_string(domain::kAccountNumberMin) + " characters");
        account_number.reset();
    }
    for (auto& error : services.withdrawals.CheckRequest(coins, payment_system)) {
        fields.Fail(error.field, error.code, std::move(error.message));
    }
    if (!fields.ok()) {
        return ErrorResponse(app::WithdrawalService::RequestError(fields.Error().errors),
                             context.request.request_id);
    }
    auto withdrawal = services.withdrawals.Request(
        context.Caller(),
        app::WithdrawalInput{
            .coins = *coins, .payment_system = *payment_system, .account_number = *account_number});
    if (!withdrawal) return ErrorResponse(withdrawal.error(), context.request.request_id);
    return JsonResponse(201, WithdrawalView(*withdrawal));
}

http::Response ListEndpoint(Services& services, Context& context) {
    const http::Request& request = context.request;
    std::vector<core::FieldError> errors;
    const auto status = QueryEnum(request, "status", domain::ParseWithdrawalStatus,
                                  "pending, paid, rejected, cancelled", errors);
    auto page_request = ReadPage(request, services.cursors, kWithdrawalsList);
    if (!page_request) {
        for (const auto& error : page_request.error().errors) errors.push_back(error);
    }
    if (!errors.empty()) {
        return ErrorResponse(Error::Validation(std::move(errors)), request.request_id);
    }
    std::optional<std::string> status_name;
    if (status) status_name = std::string(domain::WithdrawalStatusName(*status));
    auto page = services.withdrawals.List(context.Caller(), status_name,
                                          page_request->cursor_payload, page_request->limit);
    if (!page) return ErrorResponse(page.error(), request.request_id);
    boost::json::array items;
    items.reserve(page->items.size());
    for (const auto& withdrawal : page->items) items.push_back(WithdrawalView(withdrawal));
    const auto cursor = NextCursor(services.cursors, kWithdrawalsList, page->has_more,
                                   page->items.empty() ? "" : page->items.back().id);
    return JsonResponse(200, PageView(std::move(items), cursor));
}

// Approve, reject and cancel share everything but the body they accept.
http::Response Decide(Services& services, Context& context, WithdrawalDecisionKind kind) {
    const auto id = PathId(context);
    if (!id) return ErrorResponse(NotFound("withdrawal"), context.request.request_id);
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    std::optional<std::string> reason;
    if (kind == WithdrawalDecisionKind::kReject) {
        FieldReader fields(*body, {"reason"});
        reason = RequiredText(fields, "reason", domain::kWithdrawalReasonMax);
        if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    } else {
        FieldReader fields(*body, {});
        if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    }
    auto withdrawal = services.withdrawals.Decide(context.Caller(), *id, kind, reason);
    if (!withdrawal) return ErrorResponse(withdrawal.error(), context.request.request_id);
    return JsonResponse(200, WithdrawalView(*withdrawal));
}

http::Response CancelEndpoint(Services& services, Context& context) {
    return Decide(services, context, WithdrawalDecisionKind::kCancel);
}

http::Response ApproveEndpoint(Services& services, Context& context) {
    return Decide(services, context, WithdrawalDecisionKind::kApprove);
}

http::Response RejectEndpoint(Services& services, Context& context) {
    return Decide(services, context, WithdrawalDecisionKind::kReject);
}

}  // namespace

std::vector<RouteSpec> WithdrawalRoutes(Services& services) {
    using domain::Role;
    using http::Method;
    const auto bind = EndpointBinder(services);
    return {
        {.method = Method::kPost,
         .path = "/api/v1/withdrawals",
         .policy = Policy::Roles({Role::kWorker}),
         .endpoint = bind(RequestEndpoint),
         .summary = "Request a withdrawal: the coins are held at once",
         .success_status = 201,
         .request_schema = "WithdrawalRequest",
         .response_schema = "Withdrawal",
         .errors = {core::ErrorCode::kWithdrawalBelowMinimum, core::ErrorCode::kInsufficientCoins}},
        {.method = Method::kGet,
         .path = "/api/v1/withdrawals",
         .policy = Policy::Roles({Role::kWorker, Role::kAdmin}),
         .endpoint = bind(ListEndpoint),
         .summary = "Withdrawals: a worker's own, or every one for an admin; newest first",
         .response_schema = "Withdrawal",
         .paged = true,
         .parameters = {"withdrawal_status"}},
        {.method = Method::kPost,
         .path = "/api/v1/withdrawals/{id}/cancel",
         .policy = Policy::Roles({Role::kWorker}),
         .endpoint = bind(CancelEndpoint),
         .summary = "Cancel one's own pending withdrawal: the coins return",
         .request_schema = "EmptyBody",
         .response_schema = "Withdrawal",
         .errors = {core::ErrorCode::kInvalidState}},
        {.method = Method::kPost,
         .path = "/api/v1/admin/withdrawals/{id}/approve",
         .policy = Policy::Roles({Role::kAdmin}),
         .endpoint = bind(ApproveEndpoint),
         .summary = "Mark a pending withdrawal paid: the coins leave the platform",
         .request_schema = "EmptyBody",
         .response_schema = "Withdrawal",
         .errors = {core::ErrorCode::kInvalidState}},
        {.method = Method::kPost,
         .path = "/api/v1/admin/withdrawals/{id}/reject",
         .policy = Policy::Roles({Role::kAdmin}),
         .endpoint = bind(RejectEndpoint),
         .summary = "Reject a pending withdrawal with a reason: the coins return",
         .request_schema = "WithdrawalReject",
         .response_schema = "Withdrawal",
         .errors = {core::ErrorCode::kInvalidState}},
    };
}

}  // namespace nanotasks::api
