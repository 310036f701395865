#include "http/cors.hpp"

#include <gtest/gtest.h>

namespace nanotasks::http {
namespace {

std::optional<std::string> HeaderOf(const Response& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
        if (key == name) return value;
    }
    return std::nullopt;
}

Request FromOrigin(std::string origin) {
    Request request;
    request.headers = {{"origin", std::move(origin)}};
    return request;
}

TEST(CorsTest, AllowHeaderListsMethodsAndOptions) {
    EXPECT_EQ(AllowHeaderValue({Method::kGet, Method::kPost}), "GET, POST, OPTIONS");
    EXPECT_EQ(AllowHeaderValue({Method::kOptions, Method::kDelete}), "OPTIONS, DELETE");
    EXPECT_EQ(AllowHeaderValue({}), "OPTIONS");
}

TEST(CorsTest, DecoratesResponsesForAllowedOrigins) {
    const CorsPolicy cors({"https://app.example.com"});
    Response response;
    cors.Decorate(FromOrigin("https://app.example.com"), response);
    EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), "https://app.example.com");
    EXPECT_EQ(HeaderOf(response, "Vary"), "Origin");
    EXPECT_EQ(HeaderOf(response, "Access-Control-Expose-Headers"),
              "X-Request-Id, Idempotent-Replayed, Retry-After");
}

TEST(CorsTest, OtherOriginsOnlyGetVary) {
    const CorsPolicy cors({"https://app.example.com"});
    Response response;
    cors.Decorate(FromOrigin("https://evil.example.com"), response);
    EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), std::nullopt);
    EXPECT_EQ(HeaderOf(response, "Vary"), "Origin");
    Response no_origin;
    cors.Decorate(Request{}, no_origin);
    EXPECT_EQ(HeaderOf(no_origin, "Access-Control-Allow-Origin"), std::nullopt);
}

TEST(CorsTest, WithoutConfigurationNothingIsAdded) {
    const CorsPolicy cors({});
    Response response;
    cors.Decorate(FromOrigin("https://app.example.com"), response);
    EXPECT_TRUE(response.headers.empty());
}

TEST(CorsTest, WildcardAllowsAnyOriginByEchoingIt) {
    const CorsPolicy cors({"*"});
    EXPECT_TRUE(cors.Allows("http://localhost:5173"));
    EXPECT_FALSE(cors.Allows(""));
    Response response;
    cors.Decorate(FromOrigin("http://localhost:5173"), response);
    EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), "http://localhost:5173");
}

TEST(CorsTest, PreflightFromAllowedOrigin) {
    const CorsPolicy cors({"https://app.example.com"});
    Request request = FromOrigin("https://app.example.com");
    request.headers.emplace_back("access-control-request-method", "PATCH");
    const Response response = cors.Options(request, {Method::kGet, Method::kPatch});
    EXPECT_EQ(response.status, 204);
    EXPECT_TRUE(response.body.empty());
    EXPECT_EQ(HeaderOf(response, "Allow"), "GET, PATCH, OPTIONS");
    EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Methods"), "GET, PATCH, OPTIONS");
    EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Headers"),
              "Authorization, Content-Type, Idempotency-Key, X-Request-Id");
    EXPECT_EQ(HeaderOf(response, "Access-Control-Max-Age"), "600");
}

TEST(CorsTest, PreflightFromOtherOriginGetsNoPermission) {
    const CorsPolicy cors({"https://app.example.com"});
    Request request = FromOrigin("https://evil.example.com");
    request.headers.emplace_back("access-control-request-method", "PATCH");
    const Response response = cors.Options(request, {Method::kGet});
    EXPECT_EQ(response.status, 204);
    EXPECT_EQ(HeaderOf(response, "Allow"), "GET, OPTIONS");
    EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Methods"), std::nullopt);
    EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Headers"), std::nullopt);
}

TEST(CorsTest, PlainOptionsGetsAllowOnly) {
    const CorsPolicy cors({"https://app.example.com"});
    const Response response = cors.Options(FromOrigin("https://app.example.com"), {Method::kGet});
    EXPECT_EQ(HeaderOf(response, "Allow"), "GET, OPTIONS");
    EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Methods"), std::nullopt);
}

}  // namespace
}  // namespace nanotasks::http
