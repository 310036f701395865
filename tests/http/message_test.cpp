#include "http/message.hpp"

#include <gtest/gtest.h>

namespace nanotasks::http {
namespace {

TEST(MessageTest, MethodNamesAreTheWireNames) {
    EXPECT_EQ(MethodName(Method::kGet), "GET");
    EXPECT_EQ(MethodName(Method::kHead), "HEAD");
    EXPECT_EQ(MethodName(Method::kPost), "POST");
    EXPECT_EQ(MethodName(Method::kPut), "PUT");
    EXPECT_EQ(MethodName(Method::kPatch), "PATCH");
    EXPECT_EQ(MethodName(Method::kDelete), "DELETE");
    EXPECT_EQ(MethodName(Method::kOptions), "OPTIONS");
    EXPECT_EQ(MethodName(Method::kOther), "OTHER");
}

TEST(MessageTest, HeaderLookupIgnoresCaseAndReturnsTheFirstValue) {
    Request request;
    request.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
    EXPECT_EQ(request.Header("Content-Type"), "application/json");
    EXPECT_EQ(request.Header("X-A"), "1");
    EXPECT_EQ(request.Header("missing"), std::nullopt);
}

TEST(MessageTest, PathParamIsFoundByExactName) {
    Request request;
    request.path_params = {{"id", "t1"}};
    EXPECT_EQ(request.PathParam("id"), "t1");
    EXPECT_EQ(request.PathParam("ID"), std::nullopt);
}

TEST(MessageTest, QueryParamsArePercentDecodedWithPlusAsSpace) {
    Request request;
    request.query = "q=hello+world%21&sort=pay&empty=&flag&%6Bey=v%2Bw&&q=second";
    EXPECT_EQ(request.QueryParam("q"), "hello world!");
    EXPECT_EQ(request.QueryParam("sort"), "pay");
    EXPECT_EQ(request.QueryParam("empty"), "");
    EXPECT_EQ(request.QueryParam("flag"), "");
    EXPECT_EQ(request.QueryParam("key"), "v+w");
    EXPECT_EQ(request.QueryParam("absent"), std::nullopt);
    const auto params = request.QueryParams();
    ASSERT_EQ(params.size(), 6U);
    EXPECT_EQ(params[5], (std::pair<std::string, std::string>{"q", "second"}));
}

TEST(MessageTest, MalformedQueryEscapesAreKeptAsTheyAre) {
    Request request;
    request.query = "a=%zz&b=100%&c=%4";
    EXPECT_EQ(request.QueryParam("a"), "%zz");
    EXPECT_EQ(request.QueryParam("b"), "100%");
    EXPECT_EQ(request.QueryParam("c"), "%4");
}

TEST(MessageTest, PercentDecodeRejectsMalformedEscapes) {
    EXPECT_EQ(PercentDecode("a%2Fb+c", PlusMeans::kPlus), "a/b+c");
    EXPECT_EQ(PercentDecode("a+c", PlusMeans::kSpace), "a c");
    EXPECT_EQ(PercentDecode("%e2%82%ac", PlusMeans::kPlus), "\xE2\x82\xAC");
    EXPECT_EQ(PercentDecode("%", PlusMeans::kPlus), std::nullopt);
    EXPECT_EQ(PercentDecode("%2", PlusMeans::kPlus), std::nullopt);
    EXPECT_EQ(PercentDecode("%g0", PlusMeans::kPlus), std::nullopt);
}

TEST(MessageTest, SetHeaderReplacesEveryValueOfTheName) {
    Response response;
    response.headers = {{"X-A", "1"}, {"X-B", "2"}, {"x-a", "3"}};
    response.SetHeader("x-A", "4");
    EXPECT_EQ(response.headers,
              (std::vector<std::pair<std::string, std::string>>{{"X-A", "4"}, {"X-B", "2"}}));
    response.SetHeader("X-C", "5");
    EXPECT_EQ(response.headers.back(), (std::pair<std::string, std::string>{"X-C", "5"}));
}

TEST(MessageTest, ProblemResponseHasTheContractShape) {
    const Response response =
        ProblemResponse(422, "validation_failed", "Invalid request", "Bad \"title\"", "req-1",
                        R"("errors":[{"field":"title"}])");
    EXPECT_EQ(response.status, 422);
    EXPECT_EQ(response.content_type, "application/problem+json");
    EXPECT_EQ(response.body,
              R"({"type":"/problems/validation_failed","title":"Invalid request","status":422,)"
              R"("code":"validation_failed","detail":"Bad \"title\"",)"
              R"("errors":[{"field":"title"}],"request_id":"req-1"})");
}

TEST(MessageTest, ProblemResponseWithoutExtra) {
    const Response response = ProblemResponse(404, "not_found", "Not Found", "", "r");
    EXPECT_EQ(response.body, R"({"type":"/problems/not_found","title":"Not Found","status":404,)"
                             R"("code":"not_found","detail":"","request_id":"r"})");
}

TEST(MessageTest, ReasonPhrasesAreTheStatusLinesOnes) {
    EXPECT_EQ(ReasonPhrase(400), "Bad Request");
    EXPECT_EQ(ReasonPhrase(404), "Not Found");
    EXPECT_EQ(ReasonPhrase(405), "Method Not Allowed");
    EXPECT_EQ(ReasonPhrase(413), "Payload Too Large");
    EXPECT_EQ(ReasonPhrase(415), "Unsupported Media Type");
    EXPECT_EQ(ReasonPhrase(431), "Request Header Fields Too Large");
    EXPECT_EQ(ReasonPhrase(500), "Internal Server Error");
    EXPECT_EQ(ReasonPhrase(503), "Service Unavailable");
}

std::string Json(std::string_view s) {
    std::string out;
    AppendJsonString(out, s);
    return out;
}

TEST(MessageTest, AppendJsonStringEscapes) {
    EXPECT_EQ(Json("plain"), R"("plain")");
    EXPECT_EQ(Json("q\"b\\s/"), R"("q\"b\\s/")");
    EXPECT_EQ(Json("\b\f\n\r\t"), R"("\b\f\n\r\t")");
    EXPECT_EQ(Json(std::string_view("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
    EXPECT_EQ(Json("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
              "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(MessageTest, AppendJsonStringReplacesInvalidUtf8) {
    const std::string replacement = "\xEF\xBF\xBD";
    EXPECT_EQ(Json("a\xFF"
                   "b"),
              "\"a" + replacement + "b\"");
    EXPECT_EQ(Json("\xC3"), "\"" + replacement + "\"");                    // truncated
    EXPECT_EQ(Json("\xC0\xAF"), "\"" + replacement + replacement + "\"");  // overlong
    EXPECT_EQ(Json("\xED\xA0\x80"),
              "\"" + replacement + replacement + replacement + "\"");  // surrogate
    EXPECT_EQ(Json("\xF4\x90\x80\x80"),
              "\"" + replacement + replacement + replacement + replacement + "\"");  // > U+10FFFF
}

TEST(MessageTest, AppendJsonStringAppends) {
    std::string out = "x:";
    AppendJsonString(out, "y");
    EXPECT_EQ(out, "x:\"y\"");
}

}  // namespace
}  // namespace nanotasks::http
