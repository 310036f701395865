#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.hpp"
#include "core/error.hpp"
#include "domain/rules.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

namespace nanotasks::storage {
class Database;
}
namespace nanotasks::http {
class Metrics;
}
namespace nanotasks::app {
class AuthService;
class IdempotencyService;
class WalletService;
class TaskService;
class SubmissionService;
class NotificationService;
class NotificationHub;
class ReportService;
class DashboardService;
class PaymentService;
class WithdrawalService;
class AdminService;
}  // namespace nanotasks::app

namespace nanotasks::api {

class CursorCodec;

// Who may call a route: anyone, any signed-in account, or signed-in accounts of some roles.
struct Policy {
    enum class Kind { kPublic, kAnyRole, kRoles } kind = Kind::kAnyRole;
    std::vector<domain::Role> roles;

    static Policy Public() { return {Kind::kPublic, {}}; }
    static Policy AnyRole() { return {Kind::kAnyRole, {}}; }
    static Policy Roles(std::vector<domain::Role> roles) {
        return {Kind::kRoles, std::move(roles)};
    }
};

struct Context {
    http::Request& request;
    std::optional<app::Caller> caller;  // set for every route that is not public

    const app::Caller& Caller() const { return *caller; }
};

using Endpoint = std::function<http::Response(Context&)>;

struct RouteSpec {
    http::Method method = http::Method::kGet;
    std::string path;
    Policy policy;
    Endpoint endpoint;
    std::string summary;       // for the OpenAPI document
    int success_status = 200;  // for the OpenAPI document
    http::Execution execution = http::Execution::kWorkerPool;
    bool idempotent_post = true;  // Idempotency-Key honoured (authenticated POSTs)
    bool event_stream = false;    // answers text/event-stream, resumable with Last-Event-ID
    // The rest only describes the route in the OpenAPI document. Names are keys of the tables
    // in api/openapi_schemas.cpp; the document refuses to build with an unknown one.
    std::string request_schema;   // the JSON body the route reads; empty when it reads none
    std::string response_schema;  // the success body; empty when there is none
    bool paged = false;           // the body is a Page of response_schema, with ?limit=&cursor=
    std::vector<std::string> parameters;  // query and header parameters besides limit and cursor
    // Problems of this route's own; those that follow from its policy, path, body, list and
    // Idempotency-Key are added by the document.
    std::vector<core::ErrorCode> errors;
};

// What the endpoints call; owned by main.
struct Services {
    storage::Database& db;
    app::AuthService& auth;
    app::WalletService& wallet;
    app::IdempotencyService& idempotency;
    app::TaskService& tasks;
    app::SubmissionService& submissions;
    app::NotificationService& notifications;
    app::NotificationHub& notification_hub;
    app::ReportService& reports;
    app::DashboardService& dashboards;
    app::PaymentService& payments;
    app::WithdrawalService& withdrawals;
    app::AdminService& admin;
    const CursorCodec& cursors;
    http::Metrics& metrics;
    std::string version;
};

// Turns `http::Response F(Services&, Context&)` functions into route endpoints.
using EndpointFunction = http::Response (*)(Services&, Context&);
inline auto EndpointBinder(Services& services) {
    return [&services](EndpointFunction function) -> Endpoint {
        return [function, &services](Context& context) { return function(services, context); };
    };
}

// The route table of the whole API, one block per feature.
std::vector<RouteSpec> AuthRoutes(Services& services);
std::vector<RouteSpec> WalletRoutes(Services& services);
std::vector<RouteSpec> TaskRoutes(Services& services);
std::vector<RouteSpec> SubmissionRoutes(Services& services);
std::vector<RouteSpec> NotificationRoutes(Services& services);
std::vector<RouteSpec> DashboardRoutes(Services& services);
std::vector<RouteSpec> PaymentRoutes(Services& services);
std::vector<RouteSpec> WithdrawalRoutes(Services& services);
std::vector<RouteSpec> AdminUserRoutes(Services& services);
std::vector<RouteSpec> OperationRoutes(Services& services, const std::vector<RouteSpec>& api);
std::vector<RouteSpec> AllRoutes(Services& services);

// Wraps each route in the dispatch boundary (auth, role, media type, idempotency, errors).
void Install(http::Router& router, const std::vector<RouteSpec>& routes, Services& services);

std::string OpenApiDocument(const std::vector<RouteSpec>& routes, const std::string& version);

}  // namespace nanotasks::api
