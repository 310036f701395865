#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nanotasks::http {

// Our own request/response types, so that handlers and services never include Beast.
enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method method);

struct Request {
    Method method = Method::kGet;
    std::string target;  // as received: path and query
    std::string path;    // percent-decoded path without the query
    std::string query;   // raw query string without '?'
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
    std::string body;
    std::string client_address;
    std::string request_id;      // X-Request-Id: the client's when valid, else generated
    std::string route_template;  // "/api/v1/tasks/{id}", set by the router
    std::vector<std::pair<std::string, std::string>> path_params;  // {"id", "..."}

    // Case-insensitive header lookup (first value).
    std::optional<std::string_view> Header(std::string_view name) const;
    std::optional<std::string_view> PathParam(std::string_view name) const;
    // Query parameters, percent-decoded; a repeated name yields its first value.
    std::optional<std::string> QueryParam(std::string_view name) const;
    std::vector<std::pair<std::string, std::string>> QueryParams() const;
};

// The body of a response that stays open, such as Server-Sent Events. The server writes the
// headers, then whatever Drain() returns each time it is woken up, a heartbeat comment when the
// stream has been quiet for a while, until the client goes away, the stream ends or the server
// shuts down. Implementations must be thread-safe: the server calls SetWakeup, Drain and Close on
// its I/O threads while the producer works on others.
class EventStream {
  public:
    virtual ~EventStream() = default;
    // `wake` tells the server that Drain() may have something new. It may be called from any
    // thread, at once, or spuriously; it never blocks. It must not be called once Close() has
    // returned.
    virtual void SetWakeup(std::function<void()> wake) = 0;
    // The bytes to send now (empty: nothing yet), or nothing once the stream has ended: the
    // server then finishes the response and closes the connection.
    virtual std::optional<std::string> Drain() = 0;
    // The server is done with the stream (the client left, the stream ended, the server stops,
    // or the stream was refused): release what it holds. Called exactly once.
    virtual void Close() = 0;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // When set (with status 200), `body` is ignored and the response is this stream, sent as
    // text/event-stream; see Server.
    std::shared_ptr<EventStream> stream;

    void SetHeader(std::string name, std::string value);
};

// The reason phrase of a status line ("Not Found"), as the server writes it. It is also the
// title of every problem whose code is just that status's condition (not_found,
// service_unavailable, ...), wherever the problem is made, so that a code has one title.
std::string_view ReasonPhrase(int status);

// An application/problem+json response (RFC 9457) with the contract's fields. `extra_json`,
// when not empty, is a JSON fragment of further members (e.g. "\"errors\":[...]") inserted
// into the object.
Response ProblemResponse(int status, std::string_view code, std::string_view title,
                         std::string_view detail, std::string_view request_id,
                         std::string_view extra_json = {});

// Appends s to out as a JSON string literal, quotes included. Control characters are escaped;
// a byte sequence that is not valid UTF-8 becomes U+FFFD, so that the output is always valid JSON
// even when s comes from a client.
void AppendJsonString(std::string& out, std::string_view s);

// In a query string '+' means a space; in a path it is a plus sign.
enum class PlusMeans { kPlus, kSpace };

// Decodes %XX escapes. Empty when an escape is malformed ('%' not followed by two hex digits).
std::optional<std::string> PercentDecode(std::string_view text, PlusMeans plus);

}  // namespace nanotasks::http
