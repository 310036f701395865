#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "api/error_map.hpp"
#include "api/json_support.hpp"
#include "api/routes.hpp"
#include "http/metrics.hpp"
#include "storage/database.hpp"

namespace nanotasks::api {

std::vector<RouteSpec> AllRoutes(Services& services) {
    std::vector<RouteSpec> routes;
    for (auto block : {AuthRoutes, WalletRoutes, TaskRoutes, SubmissionRoutes, NotificationRoutes,
                       DashboardRoutes, PaymentRoutes, WithdrawalRoutes, AdminUserRoutes}) {
        auto more = block(services);
        routes.insert(routes.end(), std::make_move_iterator(more.begin()),
                      std::make_move_iterator(more.end()));
    }
    auto operations = OperationRoutes(services, routes);
    routes.insert(routes.end(), std::make_move_iterator(operations.begin()),
                  std::make_move_iterator(operations.end()));
    return routes;
}

std::vector<RouteSpec> OperationRoutes(Services& services, const std::vector<RouteSpec>& api) {
    using http::Method;
    // The document covers the API routes and these; it is built once, at start.
    std::vector<RouteSpec> operations = {
        {.method = Method::kGet,
         .path = "/healthz",
         .policy = Policy::Public(),
         .endpoint =
             [](Context&) {
                 return JsonResponse(200, boost::json::object{{"status", "ok"}});
             },
         .summary = "The process is up",
         .execution = http::Execution::kInline,
         .response_schema = "Health"},
        {.method = Method::kGet,
         .path = "/readyz",
         .policy = Policy::Public(),
         .endpoint =
             [&services](Context& context) {
                 if (!services.db.Ping()) {
                     return ErrorResponse(core::Error::Of(core::ErrorCode::kNotReady,
                                                          "The database is not reachable."),
                                          context.request.request_id);
                 }
                 return JsonResponse(200, boost::json::object{{"status", "ready"}});
             },
         .summary = "The database is reachable",
         .response_schema = "Health",
         .errors = {core::ErrorCode::kNotReady}},
        {.method = Method::kGet,
         .path = "/metrics",
         .policy = Policy::Public(),
         .endpoint =
             [&services](Context&) {
                 http::Response response;
                 response.content_type = "text/plain; version=0.0.4; charset=utf-8";
                 response.body = services.metrics.Render();
                 return response;
             },
         .summary = "Prometheus metrics",
         .execution = http::Execution::kInline,
         .response_schema = "Metrics"},
    };
    std::vector<RouteSpec> documented = api;
    documented.insert(documented.end(), operations.begin(), operations.end());
    documented.push_back({.method = Method::kGet,
                          .path = "/openapi.json",
                          .policy = Policy::Public(),
                          .summary = "This document",
                          .execution = http::Execution::kInline,
                          .response_schema = "OpenApi"});
    auto document = std::make_shared<std::string>(OpenApiDocument(documented, services.version));
    operations.push_back({.method = Method::kGet,
                          .path = "/openapi.json",
                          .policy = Policy::Public(),
                          .endpoint =
                              [document](Context&) {
                                  http::Response response;
                                  response.body = *document;
                                  return response;
                              },
                          .summary = "This document",
                          .execution = http::Execution::kInline,
                          .response_schema = "OpenApi"});
    return operations;
}

}  // namespace nanotasks::api
