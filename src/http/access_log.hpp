#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "http/server.hpp"

namespace nanotasks::http {

// What the access log records of one exchange. Deliberately no headers beyond Referer and
// User-Agent and no bodies: Authorization and payloads never reach the log.
struct AccessLogEntry {
    std::chrono::system_clock::time_point time;
    std::string_view remote;
    std::string_view method;
    std::string_view target;  // path and query as received
    std::string_view path;    // decoded path, for the JSON form
    std::string_view http_version = "1.1";
    int status = 0;
    std::size_t bytes = 0;  // response body
    std::string_view referer;
    std::string_view user_agent;
    double duration_ms = 0;
    std::string_view route;  // template or "unmatched"
    std::string_view request_id;
};

// kText, in the spirit of morgan's "combined" format:
//   127.0.0.1 - - [25/Nov/2026:03:20:00 +0000] "GET /healthz HTTP/1.1" 200 15 "-" "curl/8.0"
//   0.412ms route=/healthz request_id=3f2a9c0d1e4b5a67-00000001
// (one line). Client-supplied text is escaped so that it cannot forge a line or a field.
// kJson: one object per line with time, remote, method, path, route, status, bytes,
// duration_ms, request_id.
std::string FormatAccessLog(const AccessLogEntry& entry, LogFormat format);

}  // namespace nanotasks::http
