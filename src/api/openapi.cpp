#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <set>
#include <stdexcept>

#include "api/error_map.hpp"
#include "api/openapi_schemas.hpp"
#include "api/routes.hpp"
#include "core/text.hpp"

namespace nanotasks::api {
namespace {

namespace json = boost::json;
using core::AsciiLower;
using core::ErrorCode;

std::string OperationId(const RouteSpec& spec) {
    std::string id = AsciiLower(http::MethodName(spec.method));
    for (char c : spec.path) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            id += c;
        } else if (c == '/' || c == '-' || c == '.') {
            id += '_';
        }
    }
    return id;
}

json::object Ref(std::string_view kind, std::string_view name) {
    return {{"$ref", "#/components/" + std::string(kind) + "/" + std::string(name)}};
}

bool IsIdempotentPost(const RouteSpec& spec) {
    return spec.method == http::Method::kPost && spec.idempotent_post &&
           spec.policy.kind != Policy::Kind::kPublic;
}

// What the route reads and answers, checked against the components so that a misspelt name
// stops the start instead of publishing a dangling reference.
class Components {
  public:
    Components() : schemas_(OpenApiSchemas()), parameters_(OpenApiParameters()) {}

    const json::object& Schema(const std::string& name, const RouteSpec& spec) const {
        return Find(schemas_, name, spec);
    }
    const json::object& Parameter(const std::string& name, const RouteSpec& spec) const {
        return Find(parameters_, name, spec);
    }
    // A response shared by the routes that give it, such as the problems of one status and
    // set of codes ("403.account_suspended.forbidden").
    json::object SharedResponse(const std::string& name, json::object response) {
        if (!responses_.contains(name)) responses_[name] = std::move(response);
        return Ref("responses", name);
    }
    json::object TakeSchemas() { return std::move(schemas_); }
    json::object TakeResponses() { return std::move(responses_); }

  private:
    static const json::object& Find(const json::object& table, const std::string& name,
                                    const RouteSpec& spec) {
        const auto* found = table.if_contains(name);
        if (found == nullptr) {
            throw std::logic_error("OpenAPI: " + spec.path + " names the unknown component " +
                                   name);
        }
        return found->as_object();
    }

    json::object schemas_;
    json::object parameters_;
    json::object responses_;
};

// Every problem code the route can answer: those that follow from its policy, path, body, list
// and Idempotency-Key, then its own.
std::vector<ErrorCode> ProblemCodes(const RouteSpec& spec, const Components& components) {
    std::vector<ErrorCode> codes;
    const auto add = [&codes](ErrorCode code) {
        if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(code);
    };
    if (spec.policy.kind != Policy::Kind::kPublic) {
        add(ErrorCode::kUnauthenticated);
        add(ErrorCode::kAccountSuspended);
    }
    if (spec.policy.kind == Policy::Kind::kRoles) add(ErrorCode::kForbidden);
    if (spec.path.find('{') != std::string::npos) add(ErrorCode::kNotFound);
    if (spec.method == http::Method::kPost || spec.method == http::Method::kPatch) {
        add(ErrorCode::kPayloadTooLarge);
        add(ErrorCode::kUnsupportedMediaType);
    }
    if (!spec.request_schema.empty()) {
        add(ErrorCode::kMalformedJson);
        add(ErrorCode::kValidationFailed);
    }
    bool has_query = spec.paged;
    for (const auto& name : spec.parameters) {
        has_query = has_query || components.Parameter(name, spec).at("in").as_string() == "query";
    }
    if (has_query) add(ErrorCode::kValidationFailed);
    if (IsIdempotentPost(spec)) {
        add(ErrorCode::kIdempotencyInProgress);
        add(ErrorCode::kIdempotencyKeyReused);
        add(ErrorCode::kValidationFailed);  // a malformed key
    }
    for (ErrorCode code : spec.errors) add(code);
    // A full worker pool or a database that is down.
    if (spec.execution == http::Execution::kWorkerPool) add(ErrorCode::kServiceUnavailable);
    add(ErrorCode::kInternal);
    return codes;
}

json::object Headers(std::initializer_list<std::string_view> names) {
    json::object headers;
    for (auto name : names) headers[name] = Ref("headers", name);
    return headers;
}

json::object ProblemResponses(const std::vector<ErrorCode>& codes, Components& components) {
    // By status, the codes in alphabetical order, so that one set of codes is one response.
    std::map<int, std::set<std::string_view>> by_status;
    for (ErrorCode code : codes) by_status[HttpStatus(code)].insert(core::CodeName(code));
    json::object responses;
    for (const auto& [status, names] : by_status) {
        std::string description = "Problem:";
        std::string key = std::to_string(status);
        json::array code_names;
        for (auto name : names) {
            description += (code_names.empty() ? " " : ", ") + std::string(name);
            key += "." + std::string(name);
            code_names.emplace_back(json::string(name));
        }
        json::object headers = Headers({"X-Request-Id"});
        if (status == 401) headers["WWW-Authenticate"] = Ref("headers", "WWW-Authenticate");
        if (status == 429 || status == 503) headers["Retry-After"] = Ref("headers", "Retry-After");
        json::object code_schema{{"type", "string"}, {"enum", std::move(code_names)}};
        json::object schema{
            {"allOf",
             json::array{Ref("schemas", "Problem"),
                         json::object{{"properties", {{"code", std::move(code_schema)}}}}}}};
        json::object response{
            {"description", std::move(description)},
            {"headers", std::move(headers)},
            {"content", {{"application/problem+json", {{"schema", std::move(schema)}}}}}};
        responses[std::to_string(status)] = components.SharedResponse(key, std::move(response));
    }
    return responses;
}

json::object SuccessResponse(const RouteSpec& spec, const Components& components) {
    json::object response{{"description", spec.success_status == 204 ? "No content" : "Success"}};
    response["headers"] = IsIdempotentPost(spec) ? Headers({"X-Request-Id", "Idempotent-Replayed"})
                                                 : Headers({"X-Request-Id"});
    if (spec.response_schema.empty()) return response;
    components.Schema(spec.response_schema, spec);
    const json::object item = Ref("schemas", spec.response_schema);
    json::object schema = item;
    std::string media_type = "application/json";
    if (spec.event_stream) {
        media_type = "text/event-stream";
        schema = json::object{{"type", "string"},
                              {"description",
                               "Events `id: <id>`, `event: notification`, `data: <JSON>`; "
                               "comments keep the stream alive"},
                              {"x-event-data", item}};
    } else if (spec.paged) {
        json::object items{{"type", "array"}, {"items", item}};
        json::object page_items{{"properties", json::object{{"items", std::move(items)}}}};
        schema =
            json::object{{"allOf", json::array{Ref("schemas", "Page"), std::move(page_items)}}};
    } else if (spec.response_schema == "Metrics") {
        media_type = "text/plain";
    }
    response["content"] = {{media_type, {{"schema", std::move(schema)}}}};
    return response;
}

json::object Operation(const RouteSpec& spec, Components& components) {
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
    std::vector<std::string> named;
    if (spec.paged) named = {"limit", "cursor"};
    named.insert(named.end(), spec.parameters.begin(), spec.parameters.end());
    if (IsIdempotentPost(spec)) named.emplace_back("Idempotency-Key");
    if (spec.event_stream) named.emplace_back("Last-Event-ID");
    for (const auto& name : named) parameters.push_back(components.Parameter(name, spec));
    if (!parameters.empty()) operation["parameters"] = std::move(parameters);
    if (!spec.request_schema.empty()) {
        const json::object& schema = components.Schema(spec.request_schema, spec);
        operation["requestBody"] = {
            {"required", schema.contains("required")},
            {"content", {{"application/json", {{"schema", Ref("schemas", spec.request_schema)}}}}}};
    }
    if (spec.policy.kind == Policy::Kind::kPublic) {
        operation["security"] = json::array{};
    } else if (spec.policy.kind == Policy::Kind::kRoles) {
        json::array roles;
        for (auto role : spec.policy.roles) roles.push_back(json::string(domain::RoleName(role)));
        operation["x-roles"] = std::move(roles);
    }
    json::object responses = ProblemResponses(ProblemCodes(spec, components), components);
    responses[std::to_string(spec.success_status)] = SuccessResponse(spec, components);
    responses["default"] = components.SharedResponse(
        "Problem",
        {{"description", "Any other problem (RFC 9457)"},
         {"headers", Headers({"X-Request-Id"})},
         {"content", {{"application/problem+json", {{"schema", Ref("schemas", "Problem")}}}}}});
    operation["responses"] = std::move(responses);
    return operation;
}

json::object Header(std::string_view description, json::object schema) {
    return {{"description", description}, {"schema", std::move(schema)}};
}

}  // namespace

std::string OpenApiDocument(const std::vector<RouteSpec>& routes, const std::string& version) {
    Components components;
    json::object paths;
    for (const RouteSpec& spec : routes) {
        json::value& item = paths[spec.path];
        if (!item.is_object()) item.emplace_object();
        item.as_object()[AsciiLower(http::MethodName(spec.method))] = Operation(spec, components);
    }
    json::object headers{
        {"X-Request-Id",
         Header("The request's own X-Request-Id when it is 1..128 of [A-Za-z0-9._-], else a "
                "generated one",
                json::object{{"type", "string"}, {"pattern", "^[A-Za-z0-9._-]{1,128}$"}})},
        {"Retry-After", Header("Seconds to wait before trying again",
                               json::object{{"type", "integer"}, {"minimum", 0}})},
        {"Idempotent-Replayed",
         Header("true when this is the stored response of an earlier request with the same "
                "Idempotency-Key",
                json::object{{"type", "string"}, {"enum", json::array{"true"}}})},
        {"WWW-Authenticate", Header("Bearer", json::object{{"type", "string"}})}};
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
          {"schemas", components.TakeSchemas()},
          {"responses", components.TakeResponses()},
          {"headers", std::move(headers)}}},
        {"security", json::array{json::object{{"bearer", json::array{}}}}}};
    return json::serialize(document);
}

}  // namespace nanotasks::api
