#include <spdlog/spdlog.h>

#include <exception>

#include "api/error_map.hpp"
#include "api/routes.hpp"
#include "app/auth_service.hpp"
#include "app/idempotency_service.hpp"
#include "core/text.hpp"
#include "infra/crypto.hpp"
#include "storage/database.hpp"

namespace nanotasks::api {
namespace {

using core::AsciiLower;
using core::Error;
using core::ErrorCode;

std::string_view TrimSpaces(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// JSON, and in UTF-8: bodies are parsed as UTF-8, so a body declared in another charset would be
// misread rather than refused.
bool IsJsonMediaType(std::string_view content_type) {
    const auto semicolon = content_type.find(';');
    const std::string type = AsciiLower(TrimSpaces(content_type.substr(0, semicolon)));
    if (type != "application/json" &&
        !(type.starts_with("application/") && type.ends_with("+json"))) {
        return false;
    }
    std::string_view parameters =
        semicolon == std::string_view::npos ? std::string_view{} : content_type.substr(semicolon);
    while (!parameters.empty()) {
        parameters.remove_prefix(1);  // the ';'
        const auto next = parameters.find(';');
        const std::string_view parameter = TrimSpaces(parameters.substr(0, next));
        parameters = next == std::string_view::npos ? std::string_view{} : parameters.substr(next);
        const auto eq = parameter.find('=');
        if (eq == std::string_view::npos) continue;
        if (AsciiLower(TrimSpaces(parameter.substr(0, eq))) != "charset") continue;
        std::string_view charset = TrimSpaces(parameter.substr(eq + 1));
        if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"') {
            charset = charset.substr(1, charset.size() - 2);
        }
        const std::string lower = AsciiLower(charset);
        if (lower != "utf-8" && lower != "utf8") return false;
    }
    return true;
}

bool IsValidIdempotencyKey(std::string_view key) {
    if (key.empty() || key.size() > 255) return false;
    for (char c : key) {
        if (c < 0x20 || c > 0x7E) return false;
    }
    return true;
}

std::optional<Error> CheckPolicy(const Policy& policy, const app::Caller& caller) {
    if (policy.kind != Policy::Kind::kRoles) return std::nullopt;
    for (auto role : policy.roles) {
        if (role == caller.role) return std::nullopt;
    }
    return Error::Of(ErrorCode::kForbidden, "Your role may not use this route.");
}

http::Response RunIdempotent(const RouteSpec& spec, Services& services, Context& context,
                             std::string_view key) {
    const app::Caller& caller = context.Caller();
    const std::string key_text(key);
    const auto begin =
        services.idempotency.Begin({.user_id = caller.id,
                                    .key = key_text,
                                    .method = std::string(http::MethodName(spec.method)),
                                    .path = context.request.path,
                                    .body_hash = infra::Sha256Hex(context.request.body)});
    using Outcome = storage::IdempotencyBegin::Outcome;
    switch (begin.outcome) {
        case Outcome::kReplay: {
            http::Response replay;
            replay.status = begin.response.status;
            replay.content_type = begin.response.content_type;
            replay.body = begin.response.body;
            replay.SetHeader("Idempotent-Replayed", "true");
            return replay;
        }
        case Outcome::kInProgress:
            return ErrorResponse(Error::Of(ErrorCode::kIdempotencyInProgress,
                                           "A request with this Idempotency-Key is running."),
                                 context.request.request_id);
        case Outcome::kReused:
            return ErrorResponse(Error::Of(ErrorCode::kIdempotencyKeyReused,
                                           "This Idempotency-Key was used with another request."),
                                 context.request.request_id);
        case Outcome::kProceed:
            break;
    }
    http::Response response;
    try {
        response = spec.endpoint(context);
    } catch (...) {
        services.idempotency.Abandon(caller.id, key_text);
        throw;
    }
    if (response.status < 500) {
        services.idempotency.Complete(caller.id, key_text,
                                      {.status = response.status,
                                       .content_type = response.content_type,
                                       .body = response.body});
    } else {
        services.idempotency.Abandon(caller.id, key_text);
    }
    return response;
}

http::Response Dispatch(const RouteSpec& spec, Services& services, http::Request& request) {
    const std::string& request_id = request.request_id;
    try {
        const bool has_body_method = request.method == http::Method::kPost ||
                                     request.method == http::Method::kPatch ||
                                     request.method == http::Method::kPut;
        if (has_body_method && !request.body.empty()) {
            const auto content_type = request.Header("content-type");
            if (!content_type || !IsJsonMediaType(*content_type)) {
                return ErrorResponse(Error::Of(ErrorCode::kUnsupportedMediaType,
                                               "The body must be application/json in UTF-8."),
                                     request_id);
            }
        }
        Context context{request, std::nullopt};
        if (spec.policy.kind != Policy::Kind::kPublic) {
            const auto authorization = request.Header("authorization");
            constexpr std::string_view kBearer = "Bearer ";
            if (!authorization || authorization->size() <= kBearer.size() ||
                !(authorization->substr(0, kBearer.size()) == kBearer ||
                  authorization->substr(0, kBearer.size()) == "bearer ")) {
                return ErrorResponse(
                    Error::Of(ErrorCode::kUnauthenticated, "A bearer token is required."),
                    request_id);
            }
            auto caller = services.auth.Authenticate(authorization->substr(kBearer.size()));
            if (!caller) return ErrorResponse(caller.error(), request_id);
            if (auto refused = CheckPolicy(spec.policy, *caller)) {
                return ErrorResponse(*refused, request_id);
            }
            context.caller = std::move(caller.value());
        }
        if (spec.method == http::Method::kPost && spec.idempotent_post && context.caller) {
            if (const auto key = request.Header("idempotency-key")) {
                if (!IsValidIdempotencyKey(*key)) {
                    return ErrorResponse(
                        Error::Validation({{"Idempotency-Key", "invalid",
                                            "must be 1..255 printable characters"}}),
                        request_id);
                }
                return RunIdempotent(spec, services, context, *key);
            }
        }
        return spec.endpoint(context);
    } catch (const storage::DatabaseError& error) {
        if (error.kind() == storage::DatabaseError::Kind::kUnavailable ||
            error.kind() == storage::DatabaseError::Kind::kSerialization) {
            spdlog::warn("request {}: database unavailable: {}", request_id, error.what());
            http::Response response =
                ErrorResponse(Error::Of(ErrorCode::kServiceUnavailable,
                                        "The database is unavailable; try again shortly."),
                              request_id);
            response.SetHeader("Retry-After", "1");
            return response;
        }
        spdlog::error("request {}: database error: {}", request_id, error.what());
    } catch (const std::exception& error) {
        spdlog::error("request {}: {}", request_id, error.what());
    }
    return ErrorResponse(Error::Of(ErrorCode::kInternal, "Something went wrong on our side."),
                         request_id);
}

}  // namespace

void Install(http::Router& router, const std::vector<RouteSpec>& routes, Services& services) {
    for (const RouteSpec& spec : routes) {
        router.Add(http::Route{
            .method = spec.method,
            .path_template = spec.path,
            .handler = [&spec, &services](
                           http::Request& request) { return Dispatch(spec, services, request); },
            .execution = spec.execution});
    }
}

}  // namespace nanotasks::api
