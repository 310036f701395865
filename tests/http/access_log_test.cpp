#include "http/access_log.hpp"

#include <gtest/gtest.h>

namespace nanotasks::http {
namespace {

AccessLogEntry Example() {
    using namespace std::chrono;
    // 2026-11-25T03:20:00.123Z
    const system_clock::time_point time{milliseconds(1795576800123)};
    return AccessLogEntry{.time = time,
                          .remote = "127.0.0.1",
                          .method = "GET",
                          .target = "/api/v1/tasks?limit=5",
                          .path = "/api/v1/tasks",
                          .status = 200,
                          .bytes = 123,
                          .referer = "",
                          .user_agent = "curl/8.0",
                          .duration_ms = 1.2345,
                          .route = "/api/v1/tasks",
                          .request_id = "abc"};
}

TEST(AccessLogTest, TextIsMorganCombinedWithRouteAndRequestId) {
    EXPECT_EQ(FormatAccessLog(Example(), LogFormat::kText),
              R"(127.0.0.1 - - [25/Nov/2026:03:20:00 +0000] "GET /api/v1/tasks?limit=5 HTTP/1.1" )"
              R"(200 123 "-" "curl/8.0" 1.234ms route=/api/v1/tasks request_id=abc)");
}

TEST(AccessLogTest, TextEscapesClientText) {
    AccessLogEntry entry = Example();
    entry.user_agent = "evil\" \n200 \\x";
    entry.referer = "caf\xC3\xA9";
    const std::string line = FormatAccessLog(entry, LogFormat::kText);
    EXPECT_NE(line.find(R"("caf\xc3\xa9" "evil\" \x0a200 \\x")"), std::string::npos) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(AccessLogTest, JsonIsOneObjectPerLine) {
    EXPECT_EQ(FormatAccessLog(Example(), LogFormat::kJson),
              R"({"time":"2026-11-25T03:20:00.123Z","remote":"127.0.0.1","method":"GET",)"
              R"("path":"/api/v1/tasks","route":"/api/v1/tasks","status":200,"bytes":123,)"
              R"("duration_ms":1.234,"request_id":"abc"})");
}

}  // namespace
}  // namespace nanotasks::http
