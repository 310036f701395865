#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "api/error_map.hpp"
#include "api/routes.hpp"

namespace nanotasks::api {
namespace {

namespace json = boost::json;

std::string OperationId(const RouteSpec& spec) {
    std::string id(http::MethodName(spec.method));
    for (char& c : id) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (char c : spec.path) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            id += c;
        } else if (c == '/' || c == '-' || c == '.') {
            id += '_';
        }
    }
    return id;
}

json::object Problem() {
    return {
        {"description", "A problem (RFC 9457)"},
        {"content",
         {{"application/problem+json", {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
}

}  // namespace

std::string OpenApiDocument(const std::vector<RouteSpec>& routes, const std::string& version) {
    json::object paths;
    for (const RouteSpec& spec : routes) {
        json::object operation;
        operation["operationId"] = OperationId(spec);
        operation["summary"] = spec.summary;
        json::array parameters;
        std::size_t open = 0;
        while ((open = spec.path.find('{', open)) != std::string::npos) {
            const auto close = spec.path.find('}', open);
            parameters.push_back({{"name", spec.path.substr(open + 1, close - open - 1)},
                                  {"in", "path"},
                                  {"required", true},
                                  {"schema", {{"type", "string"}}}});
            open = close;
        }
        if (spec.method == http::Method::kPost && spec.idempotent_post &&
            spec.policy.kind != Policy::Kind::kPublic) {
            parameters.push_back({{"name", "Idempotency-Key"},
                                  {"in", "header"},
                                  {"required", false},
                                  {"schema", {{"type", "string"}, {"maxLength", 255}}}});
        }
        if (spec.event_stream) {
            parameters.push_back({{"name", "Last-Event-ID"},
                                  {"in", "header"},
                                  {"required", false},
                                  {"schema", {{"type", "string"}}}});
        }
        if (!parameters.empty()) operation["parameters"] = std::move(parameters);
        if (spec.policy.kind == Policy::Kind::kPublic) {
            operation["security"] = json::array{};
        } else if (spec.policy.kind == Policy::Kind::kRoles) {
            json::array roles;
            for (auto role : spec.policy.roles)
                roles.push_back(json::string(domain::RoleName(role)));
            operation["x-roles"] = std::move(roles);
        }
        json::object responses;
        if (spec.event_stream) {
            responses[std::to_string(spec.success_status)] = {
                {"description", "Server-Sent Events"},
                {"content", {{"text/event-stream", {{"schema", {{"type", "string"}}}}}}}};
        } else {
            responses[std::to_string(spec.success_status)] = {{"description", "Success"}};
        }
        responses["default"] = Problem();
        operation["responses"] = std::move(responses);
        std::string method(http::MethodName(spec.method));
        for (char& c : method) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        json::value& item = paths[spec.path];
        if (!item.is_object()) item.emplace_object();
        item.as_object()[method] = std::move(operation);
    }
    json::object document{
        {"openapi", "3.1.0"},
        {"info",
         {{"title", "Nanotasks API"},
          {"version", version},
          {"description", "A micro-task marketplace: tasks, submissions, coins and payouts."}}},
        {"paths", std::move(paths)},
        {"components",
         {{"securitySchemes",
           {{"bearer", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}}}},
          {"schemas",
           {{"Problem",
             {{"type", "object"},
              {"required", json::array{"type", "title", "status", "code", "request_id"}},
              {"properties",
               {{"type", {{"type", "string"}}},
                {"title", {{"type", "string"}}},
                {"status", {{"type", "integer"}}},
                {"code", {{"type", "string"}}},
                {"detail", {{"type", "string"}}},
                {"request_id", {{"type", "string"}}},
                {"errors",
                 {{"type", "array"},
                  {"items",
                   {{"type", "object"},
                    {"properties",
                     {{"field", {{"type", "string"}}},
                      {"code", {{"type", "string"}}},
                      {"message", {{"type", "string"}}}}}}}}}}}}}}}}},
        {"security", json::array{json::object{{"bearer", json::array{}}}}}};
    return json::serialize(document);
}

}  // namespace nanotasks::api
