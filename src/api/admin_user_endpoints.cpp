#include <boost/json/array.hpp>

#include "api/error_map.hpp"
#include "api/json_support.hpp"
#include "api/marketplace_request.hpp"
#include "api/marketplace_views.hpp"
#include "api/money_views.hpp"
#include "api/routes.hpp"
#include "api/views.hpp"
#include "app/admin_service.hpp"
#include "domain/money_rules.hpp"
#include "domain/rules.hpp"

namespace nanotasks::api {
namespace {

using core::Error;

constexpr std::string_view kUsersList = "admin.users";
constexpr std::size_t kUserQueryMax = 200;

http::Response UsersEndpoint(Services& services, Context& context) {
    const http::Request& request = context.request;
    std::vector<core::FieldError> errors;
    const auto role = QueryEnum(request, "role", domain::ParseRole, "worker, buyer, admin", errors);
    const auto status = QueryEnum(request, "status", domain::ParseAccountStatus,
                                  "active, suspended, removed", errors);
    storage::UserFilter filter;
    if (role) filter.role = std::string(domain::RoleName(*role));
    if (status) filter.status = std::string(domain::AccountStatusName(*status));
    if (const auto q = request.QueryParam("q")) {
        const std::string text = domain::Trim(*q);
        if (domain::CodePointCount(text) > kUserQueryMax || text.find('\0') != std::string::npos) {
            errors.push_back({"q", "invalid",
                              "must be at most " + std::to_string(kUserQueryMax) + " characters"});
        } else if (!text.empty()) {
            filter.text = text;
        }
    }
    auto page_request = ReadPage(request, services.cursors, kUsersList);
    if (!page_request) {
        for (const auto& error : page_request.error().errors) errors.push_back(error);
    }
    if (!errors.empty()) {
        return ErrorResponse(Error::Validation(std::move(errors)), request.request_id);
    }
    auto page = services.admin.Users(filter, page_request->cursor_payload, page_request->limit);
    if (!page) return ErrorResponse(page.error(), request.request_id);
    boost::json::array items;
    items.reserve(page->items.size());
    for (const auto& user : page->items) items.push_back(UserView(user));
    const auto cursor = NextCursor(services.cursors, kUsersList, page->has_more,
                                   page->items.empty() ? "" : page->items.back().id);
    return JsonResponse(200, PageView(std::move(items), cursor));
}

http::Response UpdateUserEndpoint(Services& services, Context& context) {
    const auto id = PathId(context);
    if (!id) return ErrorResponse(NotFound("user"), context.request.request_id);
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"role", "status"});
    app::UserChange change;
    if (auto role = fields.OptionalString("role", 1, 20)) {
        change.role = domain::ParseRole(*role);
        if (!change.role) fields.Fail("role", "invalid", "must be worker, buyer or admin");
    }
    if (auto status = fields.OptionalString("status", 1, 20)) {
        change.status = domain::ParseAccountStatus(*status);
        // Removal has its own route (DELETE), with its own effects.
        if (!change.status || *change.status == domain::AccountStatus::kRemoved) {
            fields.Fail("status", "invalid", "must be active or suspended");
            change.status.reset();
        }
    }
    if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    auto user = services.admin.UpdateUser(context.Caller(), *id, change);
    if (!user) return ErrorResponse(user.error(), context.request.request_id);
    return JsonResponse(200, UserView(*user));
}

http::Response RemoveUserEndpoint(Services& services, Context& context) {
    const auto id = PathId(context);
    if (!id) return ErrorResponse(NotFound("user"), context.request.request_id);
    auto done = services.admin.RemoveUser(context.Caller(), *id);
    if (!done) return ErrorResponse(done.error(), context.request.request_id);
    return NoContent();
}

http::Response AdjustCoinsEndpoint(Services& services, Context& context) {
    const auto id = PathId(context);
    if (!id) return ErrorResponse(NotFound("user"), context.request.request_id);
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"amount", "reason"});
    auto amount = fields.RequiredInteger("amount", -domain::kAdjustmentMax, domain::kAdjustmentMax);
    if (amount == 0) fields.Fail("amount", "out_of_range", "must not be zero");
    auto reason = RequiredText(fields, "reason", domain::kAdjustmentReasonMax);
    if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    auto adjustment = services.admin.AdjustCoins(context.Caller(), *id, *amount, *reason);
    if (!adjustment) return ErrorResponse(adjustment.error(), context.request.request_id);
    return JsonResponse(
        200, boost::json::object{{"user", UserView(adjustment->user)},
                                 {"transaction", WalletEntryView(adjustment->entry, *id)}});
}

http::Response StatsEndpoint(Services& services, Context& context) {
    auto stats = services.admin.Stats();
    if (!stats) return ErrorResponse(stats.error(), context.request.request_id);
    return JsonResponse(200, PlatformStatsView(*stats));
}

}  // namespace

std::vector<RouteSpec> AdminUserRoutes(Services& services) {
    using domain::Role;
    using http::Method;
    const auto bind = EndpointBinder(services);
    const Policy admin = Policy::Roles({Role::kAdmin});
    return {
        {.method = Method::kGet,
         .path = "/api/v1/admin/users",
         .policy = admin,
         .endpoint = bind(UsersEndpoint),
         .summary = "Every account, removed ones too (?role=&status=&q=), newest first",
         .response_schema = "User",
         .paged = true,
         .parameters = {"user_role", "account_status", "user_query"}},
        {.method = Method::kPatch,
         .path = "/api/v1/admin/users/{id}",
         .policy = admin,
         .endpoint = bind(UpdateUserEndpoint),
         .summary = "Change an account's role or suspend it; effective on its next request",
         .request_schema = "UserUpdate",
         .response_schema = "User",
         .errors = {core::ErrorCode::kInvalidState}},
        {.method = Method::kDelete,
         .path = "/api/v1/admin/users/{id}",
         .policy = admin,
         .endpoint = bind(RemoveUserEndpoint),
         .summary = "Remove an account (soft): sessions end, open tasks are cancelled",
         .success_status = 204,
         .errors = {core::ErrorCode::kInvalidState}},
        {.method = Method::kPost,
         .path = "/api/v1/admin/users/{id}/coins",
         .policy = admin,
         .endpoint = bind(AdjustCoinsEndpoint),
         .summary = "Adjust a wallet: an admin_adjustment between mint and the wallet",
         .request_schema = "CoinAdjustmentRequest",
         .response_schema = "CoinAdjustment",
         .errors = {core::ErrorCode::kInvalidState, core::ErrorCode::kInsufficientCoins}},
        {.method = Method::kGet,
         .path = "/api/v1/admin/stats",
         .policy = admin,
         .endpoint = bind(StatsEndpoint),
         .summary = "Platform totals, summed from the ledger",
         .response_schema = "AdminStats"},
    };
}

}  // namespace nanotasks::api
