#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/router.hpp"

namespace nanotasks::http {

class Metrics;

enum class LogFormat { kText, kJson };

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;  // 0: any free port (tests), see Server::port()
    int io_threads = 1;
    int worker_threads = 8;
    int worker_queue_max = 1024;           // queued jobs beyond this answer 503 at once
    std::size_t body_limit_bytes = 65536;  // 413 above
    std::size_t header_limit_bytes = 16384;
    // A request must arrive whole within this, counted from its first byte; a new connection
    // must also send its first byte within it.
    std::chrono::milliseconds read_timeout{10000};
    std::chrono::milliseconds idle_timeout{60000};    // keep-alive connection with no request
    std::chrono::milliseconds write_timeout{10000};   // a response must be taken within this
    std::chrono::milliseconds shutdown_grace{10000};  // in-flight requests may finish within this
    // After the grace, handlers still running (a hung database call, say) may take this long to
    // return before on_stuck_handlers is called. Without it, the shutdown waits for them.
    std::chrono::milliseconds stuck_handler_wait{5000};
    // Called once, on a server thread, when handlers outlive stuck_handler_wait; the server goes
    // on waiting afterwards, so this is where a process that must end exits.
    std::function<void()> on_stuck_handlers;
    int max_connections = 10000;  // connections beyond this get 503 and are closed at once
    int max_streams = 1000;       // open event streams at most; one more answers 503
    // An event stream that has sent nothing for this long gets a ": ping" comment, so that
    // proxies and clients keep the idle connection.
    std::chrono::milliseconds stream_heartbeat{15000};
    // Origins allowed by CORS, e.g. "https://app.example.com"; "*" allows any.
    std::vector<std::string> cors_origins;
    LogFormat log_format = LogFormat::kText;
};

// A generic HTTP/1.1 server that knows no feature: listener, sessions with limits, routing,
// request ids, CORS, access log, metrics and a bounded worker pool for blocking handlers.
//
// What clients see besides the handlers' answers (all problems are application/problem+json):
// unknown path 404 not_found; known path, other method 405 method_not_allowed with Allow;
// OPTIONS on a known path without an OPTIONS route 204 with Allow (plus the CORS preflight
// headers for an allowed Origin; a preflight from another origin gets the 204 without them);
// body over the limit 413 payload_too_large, header section over the limit 431
// request_header_fields_too_large, unparsable HTTP or target 400 bad_request (these three close
// the connection); an HTTP/1.1 request without exactly one Host 400 bad_request; HEAD on a path
// with a GET route (and no HEAD route) is answered by the GET route without its body but with
// its Content-Length (an event stream answers HEAD with its head only, and is not kept); worker
// pool full 503 service_unavailable with Retry-After: 1; a handler that
// throws 500 internal (the exception is logged with the request id, never sent). Every response
// has Content-Length (except 204/304) and X-Request-Id.
//
// A handler may answer 200 with Response::stream (Server-Sent Events): the server sends the
// headers (Content-Type: text/event-stream, Cache-Control: no-cache, X-Request-Id, the handler's
// and CORS headers, Connection: close; chunked on HTTP/1.1, delimited by the close on HTTP/1.0),
// then the stream's data as it comes and a ": ping\n\n" comment after stream_heartbeat of
// silence. A read stays pending on the socket, so that a client that closes ends the stream at
// once; a stream that ends or a shutdown finishes the response and closes the connection, and
// the stream is Close()d however it ends. Over max_streams (or during a shutdown) the stream is
// Close()d and the client gets 503 service_unavailable with Retry-After: 1 instead. The access
// log line and the request metrics of a stream are written when it starts: status 200, 0 bytes,
// the time until the headers; the stream's lifetime is not a request latency.
//
// The access log goes to the spdlog logger named "access" when one is registered before the
// server is constructed, else to the default logger; it never contains headers other than
// Referer and User-Agent, nor bodies. The server registers the gauges
// nanotasks_worker_pool_{queued,busy,threads}, nanotasks_http_connections_open and
// nanotasks_http_streams_open in `metrics`.
class Server {
  public:
    // Throws std::invalid_argument for options that cannot work (no threads, a negative queue,
    // no connections, negative max_streams, a zero timeout or heartbeat). `router` and `metrics`
    // must outlive the server.
    Server(ServerOptions options, const Router& router, Metrics& metrics);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens; throws std::runtime_error("cannot listen on HOST:PORT: reason").
    void Listen();
    // The bound port (after Listen).
    std::uint16_t port() const;
    // Serves until SIGINT/SIGTERM or Stop() (Listen()s first if needed): then stops accepting,
    // closes idle keep-alive connections, ends event streams, lets in-flight requests finish
    // within shutdown_grace (then closes their connections too), waits for running handlers
    // (calling on_stuck_handlers when they take longer than stuck_handler_wait), drains the
    // worker pool, joins its threads and returns. Call it once.
    void Run();
    // Thread-safe; may be called from any thread, before Run() (which then returns at once) or
    // during it.
    void Stop();

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace nanotasks::http
