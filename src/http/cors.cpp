#include "http/cors.hpp"

#include <algorithm>
#include <utility>

namespace nanotasks::http {

namespace {
constexpr std::string_view kExposedHeaders = "X-Request-Id, Idempotent-Replayed, Retry-After";
constexpr std::string_view kAllowedHeaders =
    "Authorization, Content-Type, Idempotency-Key, X-Request-Id";
constexpr std::string_view kPreflightMaxAgeSeconds = "600";
}  // namespace

std::string AllowHeaderValue(const std::vector<Method>& methods) {
    std::string value;
    bool has_options = false;
    for (const Method method : methods) {
        if (method == Method::kOther) continue;
        if (!value.empty()) value += ", ";
        value += MethodName(method);
        has_options = has_options || method == Method::kOptions;
    }
    if (!has_options) value += value.empty() ? "OPTIONS" : ", OPTIONS";
    return value;
}

CorsPolicy::CorsPolicy(std::vector<std::string> allowed_origins)
    : allowed_origins_(std::move(allowed_origins)),
      any_origin_(std::find(allowed_origins_.begin(), allowed_origins_.end(), "*") !=
                  allowed_origins_.end()) {}

bool CorsPolicy::Allows(std::string_view origin) const {
    if (origin.empty()) return false;
    return any_origin_ || std::find(allowed_origins_.begin(), allowed_origins_.end(), origin) !=
                              allowed_origins_.end();
}

void CorsPolicy::Decorate(const Request& request, Response& response) const {
    if (allowed_origins_.empty()) return;
    response.SetHeader("Vary", "Origin");
    const auto origin = request.Header("origin");
    if (!origin || !Allows(*origin)) return;
    response.SetHeader("Access-Control-Allow-Origin", std::string(*origin));
    response.SetHeader("Access-Control-Expose-Headers", std::string(kExposedHeaders));
}

Response CorsPolicy::Options(const Request& request, const std::vector<Method>& methods) const {
    Response response;
    response.status = 204;
    response.content_type.clear();
    const std::string allow = AllowHeaderValue(methods);
    response.SetHeader("Allow", allow);
    const auto origin = request.Header("origin");
    const bool is_preflight = origin && request.Header("access-control-request-method");
    if (is_preflight && Allows(*origin)) {
        response.SetHeader("Access-Control-Allow-Methods", allow);
        response.SetHeader("Access-Control-Allow-Headers", std::string(kAllowedHeaders));
        response.SetHeader("Access-Control-Max-Age", std::string(kPreflightMaxAgeSeconds));
    }
    return response;
}

}  // namespace nanotasks::http
