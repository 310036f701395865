#include "api/error_map.hpp"
#include "api/json_support.hpp"
#include "api/routes.hpp"
#include "api/views.hpp"
#include "app/auth_service.hpp"

namespace nanotasks::api {
namespace {

using domain::Role;

// Reads a photo_url-style field: absent, null, or an absolute http(s) URL.
std::optional<std::optional<std::string>> ReadUrl(FieldReader& fields, std::string_view field) {
    auto url = fields.NullableString(field, 1, domain::kUrlMax);
    if (url && *url && !domain::IsValidHttpUrl(**url)) {
        fields.Fail(field, "invalid_url", "must be an absolute http:// or https:// URL");
        return std::nullopt;
    }
    return url;
}

http::Response RegisterEndpoint(Services& services, Context& context) {
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"name", "email", "password", "role", "photo_url"});
    auto name = fields.RequiredString("name", 1, domain::kNameMax);
    if (name && domain::Trim(*name).empty()) {
        fields.Fail("name", "required", "must not be blank");
        name.reset();
    }
    auto email = fields.RequiredString("email", 1, domain::kEmailMax);
    if (email && !domain::NormalizeEmail(*email)) {
        fields.Fail("email", "invalid", "must be an email address");
    }
    auto password = fields.RequiredString("password", domain::kPasswordMin, domain::kPasswordMax);
    auto role_name = fields.RequiredString("role", 1, 20);
    Role role = Role::kWorker;  // GCC 12 at -O1 misreads an optional<Role> as uninitialized
    if (role_name) {
        const auto parsed = domain::ParseRole(*role_name);
        if (!parsed || *parsed == Role::kAdmin) {
            fields.Fail("role", "invalid", "must be worker or buyer");
        } else {
            role = *parsed;
        }
    }
    auto photo_url = ReadUrl(fields, "photo_url");
    if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    auto session = services.auth.Register(
        app::RegisterInput{.name = domain::Trim(*name),
                           .email = *email,
                           .password = *password,
                           .role = role,
                           .photo_url = photo_url ? *photo_url : std::nullopt});
    if (!session) return ErrorResponse(session.error(), context.request.request_id);
    return JsonResponse(201, SessionView(*session));
}

http::Response LoginEndpoint(Services& services, Context& context) {
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"email", "password"});
    auto email = fields.RequiredString("email", 1, 1024);
    auto password = fields.RequiredString("password", 1, 1024);
    if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    auto session = services.auth.Login(*email, *password, context.request.client_address);
    if (!session) return ErrorResponse(session.error(), context.request.request_id);
    return JsonResponse(200, SessionView(*session));
}

std::optional<std::string> ReadRefreshToken(Context& context, http::Response& failure) {
    auto body = ParseObjectBody(context.request.body);
    if (!body) {
        failure = ErrorResponse(body.error(), context.request.request_id);
        return std::nullopt;
    }
    FieldReader fields(*body, {"refresh_token"});
    auto token = fields.RequiredString("refresh_token", 1, 512);
    if (!fields.ok()) {
        failure = ErrorResponse(fields.Error(), context.request.request_id);
        return std::nullopt;
    }
    return token;
}

http::Response RefreshEndpoint(Services& services, Context& context) {
    http::Response failure;
    auto token = ReadRefreshToken(context, failure);
    if (!token) return failure;
    auto session = services.auth.Refresh(*token);
    if (!session) return ErrorResponse(session.error(), context.request.request_id);
    return JsonResponse(200, SessionView(*session));
}

http::Response LogoutEndpoint(Services& services, Context& context) {
    http::Response failure;
    auto token = ReadRefreshToken(context, failure);
    if (!token) return failure;
    auto done = services.auth.Logout(context.Caller(), *token);
    if (!done) return ErrorResponse(done.error(), context.request.request_id);
    return NoContent();
}

http::Response MeEndpoint(Services& services, Context& context) {
    auto user = services.auth.Me(context.Caller());
    if (!user) return ErrorResponse(user.error(), context.request.request_id);
    return JsonResponse(200, UserView(*user));
}

http::Response UpdateMeEndpoint(Services& services, Context& context) {
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"name", "photo_url"});
    auto name = fields.OptionalString("name", 1, domain::kNameMax);
    if (name && domain::Trim(*name).empty()) {
        fields.Fail("name", "required", "must not be blank");
        name.reset();
    }
    auto photo_url = ReadUrl(fields, "photo_url");
    if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    app::ProfileChange change;
    if (name) change.name = domain::Trim(*name);
    change.photo_url = photo_url;
    auto user = services.auth.UpdateMe(context.Caller(), change);
    if (!user) return ErrorResponse(user.error(), context.request.request_id);
    return JsonResponse(200, UserView(*user));
}

}  // namespace

std::vector<RouteSpec> AuthRoutes(Services& services) {
    using http::Method;
    const auto bind = EndpointBinder(services);
    return {
        {.method = Method::kPost,
         .path = "/api/v1/auth/register",
         .policy = Policy::Public(),
         .endpoint = bind(RegisterEndpoint),
         .summary = "Create a worker or buyer account and sign in",
         .success_status = 201,
         .idempotent_post = false,
         .request_schema = "RegisterRequest",
         .response_schema = "AuthTokens",
         .errors = {core::ErrorCode::kEmailTaken}},
        {.method = Method::kPost,
         .path = "/api/v1/auth/login",
         .policy = Policy::Public(),
         .endpoint = bind(LoginEndpoint),
         .summary = "Sign in with email and password",
         .idempotent_post = false,
         .request_schema = "LoginRequest",
         .response_schema = "AuthTokens",
         .errors = {core::ErrorCode::kInvalidCredentials, core::ErrorCode::kAccountSuspended,
                    core::ErrorCode::kRateLimited}},
        {.method = Method::kPost,
         .path = "/api/v1/auth/refresh",
         .policy = Policy::Public(),
         .endpoint = bind(RefreshEndpoint),
         .summary = "Exchange a refresh token for a new pair (the old one is spent)",
         .idempotent_post = false,
         .request_schema = "RefreshTokenRequest",
         .response_schema = "AuthTokens",
         .errors = {core::ErrorCode::kUnauthenticated, core::ErrorCode::kAccountSuspended}},
        {.method = Method::kPost,
         .path = "/api/v1/auth/logout",
         .policy = Policy::AnyRole(),
         .endpoint = bind(LogoutEndpoint),
         .summary = "Revoke a refresh token's family",
         .success_status = 204,
         .request_schema = "RefreshTokenRequest"},
        {.method = Method::kGet,
         .path = "/api/v1/me",
         .policy = Policy::AnyRole(),
         .endpoint = bind(MeEndpoint),
         .summary = "The signed-in user",
         .response_schema = "User"},
        {.method = Method::kPatch,
         .path = "/api/v1/me",
         .policy = Policy::AnyRole(),
         .endpoint = bind(UpdateMeEndpoint),
         .summary = "Change the signed-in user's name or photo",
         .request_schema = "ProfileUpdate",
         .response_schema = "User"},
    };
}

}  // namespace nanotasks::api
