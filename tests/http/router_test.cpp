#include "http/router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace nanotasks::http {
namespace {

Handler Answer(std::string body) {
    return [body = std::move(body)](Request&) {
        Response response;
        response.body = body;
        return response;
    };
}

std::string Call(const Router::Match& match) {
    Request request;
    return match.route->handler(request).body;
}

using Params = std::vector<std::pair<std::string, std::string>>;

TEST(RouterTest, MatchesLiteralAndParameterSegments) {
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/tasks", .handler = Answer("list")});
    router.Add({.method = Method::kGet, .path_template = "/tasks/{id}", .handler = Answer("one")});
    router.Add({.method = Method::kPost,
                .path_template = "/tasks/{task_id}/submissions/{n}",
                .handler = Answer("submit")});

    auto match = router.Find(Method::kGet, "/tasks");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(Call(match), "list");
    EXPECT_TRUE(match.path_params.empty());

    match = router.Find(Method::kGet, "/tasks/t42");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(Call(match), "one");
    EXPECT_EQ(match.path_params, (Params{{"id", "t42"}}));
    EXPECT_EQ(match.route->path_template, "/tasks/{id}");

    match = router.Find(Method::kPost, "/tasks/t1/submissions/7");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.path_params, (Params{{"task_id", "t1"}, {"n", "7"}}));
}

TEST(RouterTest, LiteralSegmentsWinOverParametersWhateverTheOrder) {
    for (const bool literal_first : {true, false}) {
        Router router;
        const Route literal{
            .method = Method::kGet, .path_template = "/tasks/mine", .handler = Answer("mine")};
        const Route param{
            .method = Method::kGet, .path_template = "/tasks/{id}", .handler = Answer("id")};
        router.Add(literal_first ? literal : param);
        router.Add(literal_first ? param : literal);
        EXPECT_EQ(Call(router.Find(Method::kGet, "/tasks/mine")), "mine");
        EXPECT_EQ(Call(router.Find(Method::kGet, "/tasks/other")), "id");
    }
}

TEST(RouterTest, LeftmostLiteralDecides) {
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/a/{x}/c", .handler = Answer("a-x-c")});
    router.Add({.method = Method::kGet, .path_template = "/{y}/b/c", .handler = Answer("y-b-c")});
    EXPECT_EQ(Call(router.Find(Method::kGet, "/a/b/c")), "a-x-c");
    EXPECT_EQ(Call(router.Find(Method::kGet, "/z/b/c")), "y-b-c");
}

TEST(RouterTest, WrongMethodListsTheAllowedOnes) {
    Router router;
    router.Add({.method = Method::kPatch, .path_template = "/tasks/{id}", .handler = Answer("")});
    router.Add({.method = Method::kGet, .path_template = "/tasks/{id}", .handler = Answer("")});
    router.Add({.method = Method::kDelete, .path_template = "/tasks/{id}", .handler = Answer("")});
    router.Add({.method = Method::kPost, .path_template = "/tasks", .handler = Answer("")});

    const auto match = router.Find(Method::kPost, "/tasks/t1");
    EXPECT_EQ(match.route, nullptr);
    EXPECT_EQ(match.allowed_methods,
              (std::vector<Method>{Method::kGet, Method::kHead, Method::kPatch, Method::kDelete}));
    EXPECT_EQ(match.path_template, "/tasks/{id}");

    const auto found = router.Find(Method::kGet, "/tasks/t1");
    ASSERT_NE(found.route, nullptr);
    EXPECT_EQ(found.allowed_methods.size(), 4U);
}

TEST(RouterTest, MethodIsMatchedBeforeSpecificity) {
    // DELETE /tasks/mine is served by DELETE /tasks/{id}: the more specific GET route does not
    // turn it into a 405.
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/tasks/mine", .handler = Answer("mine")});
    router.Add(
        {.method = Method::kDelete, .path_template = "/tasks/{id}", .handler = Answer("delete")});
    const auto match = router.Find(Method::kDelete, "/tasks/mine");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(Call(match), "delete");
    EXPECT_EQ(match.allowed_methods,
              (std::vector<Method>{Method::kGet, Method::kHead, Method::kDelete}));
}

TEST(RouterTest, UnknownPathsMatchNothing) {
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/a", .handler = Answer("")});
    router.Add({.method = Method::kGet, .path_template = "/b/{id}", .handler = Answer("")});
    for (const std::string_view path :
         {"/a/", "/A", "/a/x", "/b", "/b/", "/b//", "/b/x/y", "", "a", "/"}) {
        const auto match = router.Find(Method::kGet, path);
        EXPECT_EQ(match.route, nullptr) << path;
        EXPECT_TRUE(match.allowed_methods.empty()) << path;
        EXPECT_TRUE(match.path_template.empty()) << path;
    }
}

TEST(RouterTest, RootAndTrailingSlashTemplatesAreExact) {
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/", .handler = Answer("root")});
    router.Add({.method = Method::kGet, .path_template = "/a/", .handler = Answer("a-slash")});
    EXPECT_EQ(Call(router.Find(Method::kGet, "/")), "root");
    EXPECT_EQ(Call(router.Find(Method::kGet, "/a/")), "a-slash");
    EXPECT_EQ(router.Find(Method::kGet, "/a").route, nullptr);
}

TEST(RouterTest, HeadFindsTheGetRoute) {
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/healthz", .handler = Answer("get")});
    router.Add({.method = Method::kGet, .path_template = "/items/{id}", .handler = Answer("item")});
    router.Add({.method = Method::kHead, .path_template = "/own", .handler = Answer("own head")});
    router.Add({.method = Method::kGet, .path_template = "/own", .handler = Answer("own get")});
    router.Add({.method = Method::kPost, .path_template = "/post-only", .handler = Answer("")});
    auto match = router.Find(Method::kHead, "/healthz");
    EXPECT_EQ(Call(match), "get");
    EXPECT_EQ(match.allowed_methods, (std::vector<Method>{Method::kGet, Method::kHead}));
    match = router.Find(Method::kHead, "/items/7");
    EXPECT_EQ(Call(match), "item");
    EXPECT_EQ(match.path_params, (Params{{"id", "7"}}));
    EXPECT_EQ(Call(router.Find(Method::kHead, "/own")), "own head") << "a HEAD route wins";
    match = router.Find(Method::kHead, "/post-only");
    EXPECT_EQ(match.route, nullptr) << "no GET, no HEAD";
    EXPECT_EQ(match.allowed_methods, std::vector<Method>{Method::kPost});
}

TEST(RouterTest, SegmentsAreDecodedBeforeMatching) {
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/users/{id}", .handler = Answer("")});
    auto match = router.Find(Method::kGet, "/users/a%2Fb%20c");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.path_params, (Params{{"id", "a/b c"}}));
    match = router.Find(Method::kGet, "/%75sers/x");  // %75 is 'u'
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.path_params, (Params{{"id", "x"}}));
    match = router.Find(Method::kGet, "/users/a+b");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.path_params, (Params{{"id", "a+b"}}));
}

TEST(RouterTest, AddRejectsMalformedTemplates) {
    for (const std::string bad : {"", "tasks", "/tasks/{}", "/tasks/{id", "/tasks/x{id}",
                                  "/tasks/{i{d}}", "/a/{id}/b/{id}"}) {
        Router router;
        EXPECT_THROW(router.Add({.method = Method::kGet, .path_template = bad}),
                     std::invalid_argument)
            << bad;
    }
}

TEST(RouterTest, AddRejectsDuplicates) {
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/tasks/{id}"});
    EXPECT_THROW(router.Add({.method = Method::kGet, .path_template = "/tasks/{task_id}"}),
                 std::invalid_argument);
    EXPECT_NO_THROW(router.Add({.method = Method::kPut, .path_template = "/tasks/{id}"}));
    EXPECT_EQ(router.routes().size(), 2U);
}

}  // namespace
}  // namespace nanotasks::http
