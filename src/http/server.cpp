// The only translation unit of the HTTP layer that includes Beast and Asio: everything else
// (router, messages, CORS, access log, metrics, worker pool) stays protocol-library free so that
// other layers compile fast and the logic is testable without a socket.
#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <csignal>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "core/text.hpp"
#include "http/access_log.hpp"
#include "http/cors.hpp"
#include "http/metrics.hpp"
#include "http/request_id.hpp"
#include "http/worker_pool.hpp"

namespace nanotasks::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;
using core::AsciiLower;

// Errors come back as values: a closed connection is routine, not an exception.
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t kFirstReadBytes = 4096;
// After a response that ends the connection, unread input is drained (bounded) before the
// socket closes: closing with unread data sends a RST, which can destroy the response in the
// client's receive buffer before it reads it (a 413 for an upload in flight, typically).
constexpr std::size_t kLingerBytesMax = 1 << 20;
constexpr std::chrono::milliseconds kLingerTimeout{2000};
// Accept failures such as EMFILE repeat at once; a short pause keeps the loop from spinning.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

// What a client that sends something during an event stream has its bytes read into (and
// discarded): the read only watches for the close.
constexpr std::size_t kStreamSinkBytes = 1024;
constexpr std::string_view kHeartbeat = ": ping\n\n";

constexpr std::string_view kUnmatchedRoute = "unmatched";
constexpr std::string_view kInternalDetail = "An unexpected error occurred.";

Method ToMethod(bhttp::verb verb) {
    switch (verb) {
        case bhttp::verb::get:
            return Method::kGet;
        case bhttp::verb::head:
            return Method::kHead;
        case bhttp::verb::post:
            return Method::kPost;
        case bhttp::verb::put:
            return Method::kPut;
        case bhttp::verb::patch:
            return Method::kPatch;
        case bhttp::verb::delete_:
            return Method::kDelete;
        case bhttp::verb::options:
            return Method::kOptions;
        default:
            return Method::kOther;
    }
}

bool IsTokenChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A handler's header must not be able to split the response or break its framing.
bool IsValidHeader(std::string_view name, std::string_view value) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) return false;
    return std::none_of(value.begin(), value.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && c != '\t') || byte == 0x7F;
    });
}

bool IsFramingHeader(std::string_view lower_name) {
    return lower_name == "content-length" || lower_name == "transfer-encoding" ||
           lower_name == "connection";
}

// Splits an origin-form ("/a?b") or absolute-form ("http://host/a?b") target into the raw path
// and the query. Empty when the target has neither form (e.g. "*").
std::optional<std::pair<std::string_view, std::string_view>> SplitTarget(std::string_view target) {
    if (target.empty()) return std::nullopt;
    if (target.front() != '/') {
        const std::string scheme = AsciiLower(target.substr(0, 8));
        if (scheme.rfind("http://", 0) != 0 && scheme.rfind("https://", 0) != 0) {
            return std::nullopt;
        }
        const std::size_t authority = target.find("://") + 3;
        const std::size_t end = target.find_first_of("/?", authority);
        if (end == std::string_view::npos)
            return std::pair{std::string_view("/"), target.substr(0, 0)};
        if (target[end] == '?') return std::pair{std::string_view("/"), target.substr(end + 1)};
        target = target.substr(end);
    }
    const std::size_t question = target.find('?');
    if (question == std::string_view::npos) return std::pair{target, std::string_view{}};
    return std::pair{target.substr(0, question), target.substr(question + 1)};
}

// A problem answered before any route is known (bad HTTP, limits, overload).
struct EarlyProblem {
    int status;
    std::string_view code;
    std::string detail;
};

// The answer to a failed read, or none when the connection just ended (end of stream, timeout,
// reset, shutdown): there is nobody to answer then.
std::optional<EarlyProblem> ProblemForReadError(const ErrorCode& ec, std::size_t body_limit) {
    if (ec == bhttp::error::body_limit) {
        return EarlyProblem{413, "payload_too_large",
                            "The request body exceeds " + std::to_string(body_limit) + " bytes."};
    }
    if (ec == bhttp::error::header_limit) {
        return EarlyProblem{431, "request_header_fields_too_large",
                            "The request's header section is too large."};
    }
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
        return std::nullopt;
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
        return EarlyProblem{400, "bad_request", "The request is not valid HTTP/1.1."};
    }
    return std::nullopt;
}

// Resumes the calling coroutine on its own executor once `job` has run on the pool (true), or
// at once when the pool refused it (false). The I/O thread never blocks meanwhile; the tracked
// executor keeps io_context::run() from returning while a job is out.
asio::awaitable<bool> RunOnPool(WorkerPool& pool, std::function<void()> job) {
    auto initiate = [&pool](auto handler, std::function<void()> work) {
        using Handler = decltype(handler);
        struct Pending {
            Handler handler;
            asio::any_io_executor executor;
        };
        asio::any_io_executor executor = asio::prefer(asio::get_associated_executor(handler),
                                                      asio::execution::outstanding_work.tracked);
        auto pending = std::make_shared<Pending>(Pending{std::move(handler), executor});
        const auto resume = [pending](bool ran) {
            asio::post(pending->executor,
                       [pending, ran]() mutable { std::move(pending->handler)(ran); });
        };
        if (!pool.TryPost([work = std::move(work), resume] {
                work();
                resume(true);
            })) {
            resume(false);
        }
    };
    return asio::async_initiate<const asio::use_awaitable_t<>, void(bool)>(
        std::move(initiate), asio::use_awaitable, std::move(job));
}

// Writes one piece of an event stream: a chunk on HTTP/1.1, the bytes themselves on HTTP/1.0
// (where the close delimits the body). `data` is not empty (an empty chunk would end the body).
asio::awaitable<ErrorCode> WriteStreamData(beast::tcp_stream& stream, std::string_view data,
                                           bool chunked, std::chrono::milliseconds timeout) {
    stream.expires_after(timeout);
    ErrorCode ec;
    std::size_t bytes = 0;
    if (chunked) {
        std::tie(ec, bytes) =
            co_await asio::async_write(stream, bhttp::make_chunk(asio::buffer(data)), kAsTuple);
    } else {
        std::tie(ec, bytes) = co_await asio::async_write(stream, asio::buffer(data), kAsTuple);
    }
    co_return ec;
}

void CloseQuietly(EventStream& stream, std::string_view request_id) {
    try {
        stream.Close();
    } catch (const std::exception& e) {
        spdlog::error("request_id={}: closing the event stream threw: {}", request_id, e.what());
    } catch (...) {
        spdlog::error("request_id={}: closing the event stream threw", request_id);
    }
}

// co_spawn's completion: a coroutine that throws is a bug, logged rather than rethrown from
// io_context::run() where it would take the whole server down.
auto LogFailure(std::string_view what) {
    return [what](const std::exception_ptr& error) {
        if (!error) return;
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            spdlog::error("{} failed: {}", what, e.what());
        } catch (...) {
            spdlog::error("{} failed with a non-standard exception", what);
        }
    };
}

}  // namespace

class Server::Impl {
  public:
    Impl(ServerOptions options, const Router& router, Metrics& metrics);

    void Listen();
    std::uint16_t port() const { return port_.load(); }
    void Run();
    void Stop();

  private:
    // An event stream being served; touched only on its connection's strand.
    struct StreamState {
        explicit StreamState(const asio::any_io_executor& executor) : timer(executor) {}
        asio::steady_timer timer;  // the heartbeat deadline; cancelled to wake the stream up
        bool woken = false;        // Wake() since the stream last drained
        bool client_gone = false;  // the client closed, or the socket failed
        void Wake() {
            woken = true;
            timer.cancel();
        }
    };
    struct Connection {
        explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
        beast::tcp_stream stream;
        std::string remote;
        // Waiting for a request that has not begun (or draining before close): shutdown may
        // close it at once. Touched only on the connection's strand.
        bool idle = true;
        // Set while the connection serves an event stream, which a shutdown wakes up to end it.
        std::shared_ptr<StreamState> streaming;
    };
    enum class CloseWhich { kIdle, kAll };

    // What one request/response exchange needs for its answer, log line and metrics.
    struct Exchange {
        Request request;
        Response response;
        std::string method_text = "-";
        std::string route_label = std::string(kUnmatchedRoute);
        unsigned version = 11;
        SteadyClock::time_point started;
    };

    asio::awaitable<void> Accept();
    asio::awaitable<void> Serve(std::shared_ptr<Connection> connection);
    asio::awaitable<void> Shutdown();
    asio::awaitable<void> LingerAndClose(Connection& connection);
    asio::awaitable<Response> Dispatch(Request& request, std::string_view raw_path,
                                       std::string& route_label);
    asio::awaitable<bool> Respond(Connection& connection, Exchange& exchange, bool keep_alive);
    void AdmitStream(Exchange& exchange);
    asio::awaitable<void> ServeStream(std::shared_ptr<Connection> connection, Exchange& exchange);
    static asio::awaitable<void> WatchForClose(std::shared_ptr<Connection> connection,
                                               std::shared_ptr<StreamState> state);

    void RejectOverloaded(tcp::socket& socket);
    void CloseConnections(CloseWhich which);
    void Unregister(const Connection& connection);
    void CopyHeaderFields(const bhttp::request<bhttp::string_body>& message, Exchange& exchange);
    void AssignRequestId(Request& request);
    Response CallHandler(const Route& route, Request& request) const;
    bhttp::response<bhttp::string_body> ToWire(Exchange& exchange, bool keep_alive) const;
    bhttp::response<bhttp::empty_body> StreamHead(Exchange& exchange) const;
    // Copies the handler's headers into `wire`, dropping (and logging) any that could break the
    // framing; returns whether one of them was Content-Type.
    bool CopyResponseHeaders(const Exchange& exchange, bhttp::fields& wire) const;
    void Record(const Exchange& exchange, std::size_t body_bytes) const;

    const ServerOptions options_;
    const Router& router_;
    Metrics& metrics_;
    const CorsPolicy cors_;
    RequestIdGenerator request_ids_;
    std::shared_ptr<spdlog::logger> access_log_;

    // Declared before everything that holds sockets or handlers, so that it is destroyed last.
    asio::io_context io_context_;
    // Serializes the acceptor, the signal set and the shutdown sequence.
    asio::strand<asio::io_context::executor_type> control_;
    tcp::acceptor acceptor_;
    std::optional<asio::signal_set> signals_;
    std::string listen_address_;
    std::atomic<std::uint16_t> port_{0};
    std::atomic<bool> ran_{false};
    std::atomic<bool> stopping_{false};

    std::mutex connections_mutex_;
    std::unordered_map<const Connection*, std::shared_ptr<Connection>> connections_;
    // Shared with the metrics gauge, which may be read after the server is gone.
    std::shared_ptr<std::atomic<int>> open_connections_ = std::make_shared<std::atomic<int>>(0);
    std::shared_ptr<std::atomic<int>> open_streams_ = std::make_shared<std::atomic<int>>(0);
    asio::steady_timer shutdown_timer_;

    // Declared after io_context_ so that its destructor (which joins) runs before the
    // io_context goes away.
    WorkerPool pool_;
};

Server::Impl::Impl(ServerOptions options, const Router& router, Metrics& metrics)
    : options_(std::move(options)),
      router_(router),
      metrics_(metrics),
      cors_(options_.cors_origins),
      access_log_(spdlog::get("access") ? spdlog::get("access") : spdlog::default_logger()),
      io_context_(options_.io_threads > 0 ? options_.io_threads : 1),
      control_(asio::make_strand(io_context_)),
      acceptor_(control_),
      shutdown_timer_(control_),
      pool_(WorkerPoolOptions{.threads = options_.worker_threads,
                              .queue_max = options_.worker_queue_max}) {
    using std::chrono::milliseconds;
    if (options_.io_threads < 1) throw std::invalid_argument("io_threads must be at least 1");
    if (options_.max_connections < 1) {
        throw std::invalid_argument("max_connections must be at least 1");
    }
    if (options_.max_streams < 0) throw std::invalid_argument("max_streams must not be negative");
    for (const milliseconds timeout :
         {options_.read_timeout, options_.idle_timeout, options_.write_timeout,
          options_.shutdown_grace, options_.stuck_handler_wait, options_.stream_heartbeat}) {
        if (timeout <= milliseconds::zero()) {
            throw std::invalid_argument("server timeouts must be positive");
        }
    }
    const bool host_is_ipv6 = options_.host.find(':') != std::string::npos;
    listen_address_ = (host_is_ipv6 ? "[" + options_.host + "]" : options_.host) + ":" +
                      std::to_string(options_.port);
    pool_.ExportGauges(metrics_);
    metrics_.AddGauge("nanotasks_http_connections_open", "Open client connections.",
                      [open = open_connections_] { return static_cast<double>(open->load()); });
    metrics_.AddGauge("nanotasks_http_streams_open", "Open event streams (Server-Sent Events).",
                      [open = open_streams_] { return static_cast<double>(open->load()); });
}

void Server::Impl::Listen() {
    if (acceptor_.is_open()) return;
    const auto fail = [&](const ErrorCode& ec) {
        throw std::runtime_error("cannot listen on " + listen_address_ + ": " + ec.message());
    };
    ErrorCode ec;
    tcp::resolver resolver(io_context_);
    const auto results =
        resolver.resolve(options_.host, std::to_string(options_.port),
                         tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec) fail(ec);
    if (results.empty()) fail(asio::error::host_not_found);
    const tcp::endpoint endpoint = results.begin()->endpoint();
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) fail(ec);
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) port_ = acceptor_.local_endpoint(ec).port();
    if (ec) {
        ErrorCode ignored;
        acceptor_.close(ignored);
        fail(ec);
    }
    const bool host_is_ipv6 = options_.host.find(':') != std::string::npos;
    spdlog::info("listening on http://{}:{}",
                 host_is_ipv6 ? "[" + options_.host + "]" : options_.host, port_.load());
}

void Server::Impl::Run() {
    if (ran_.exchange(true)) throw std::logic_error("Server::Run may be called only once");
    Listen();
    signals_.emplace(control_, SIGINT, SIGTERM);
    signals_->async_wait([this](const ErrorCode& ec, int signal_number) {
        if (ec) return;  // cancelled by the shutdown
        spdlog::info("signal {} received, shutting down", signal_number);
        Stop();
    });
    asio::co_spawn(control_, Accept(), LogFailure("accept loop"));

    std::vector<std::thread> threads;
    for (int i = 1; i < options_.io_threads; ++i) {
        threads.emplace_back([this] { io_context_.run(); });
    }
    // run() returns once nothing is left: no listener, no signal wait, no connection and no
    // pool job on its way back. That is the end of the graceful shutdown.
    io_context_.run();
    for (std::thread& thread : threads) thread.join();
    pool_.Shutdown();
    spdlog::info("server stopped");
}

void Server::Impl::Stop() {
    asio::post(control_, [this] { asio::co_spawn(control_, Shutdown(), LogFailure("shutdown")); });
}

asio::awaitable<void> Server::Impl::Accept() {
    for (;;) {
        auto [ec, accepted] =
            co_await acceptor_.async_accept(asio::make_strand(io_context_), kAsTuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
            spdlog::warn("accept failed: {}", ec.message());
            asio::steady_timer pause(control_, kAcceptRetryDelay);
            co_await pause.async_wait(kAsTuple);
            continue;
        }
        // The socket is bound to its own strand: every connection is serialized on it.
        tcp::socket socket(std::move(accepted));
        if (open_connections_->load() >= options_.max_connections) {
            RejectOverloaded(socket);
            continue;
        }
        ErrorCode ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        const tcp::endpoint remote = socket.remote_endpoint(ignored);
        auto connection = std::make_shared<Connection>(std::move(socket));
        connection->remote = remote.address().to_string();
        {
            const std::lock_guard lock(connections_mutex_);
            connections_.emplace(connection.get(), connection);
        }
        open_connections_->fetch_add(1);
        asio::co_spawn(connection->stream.get_executor(), Serve(connection),
                       LogFailure("connection"));
    }
}

// Over the connection cap, a session is not started at all: a best-effort 503 on a
// non-blocking socket (it fits in the send buffer of a fresh connection) and a close, so that a
// flood costs one accept and one write per connection and nothing that waits.
void Server::Impl::RejectOverloaded(tcp::socket& socket) {
    ErrorCode ignored;
    const std::string request_id = request_ids_.Next();
    const Response problem = ProblemResponse(503, "service_unavailable", ReasonPhrase(503),
                                             "The server has too many connections.", request_id);
    const std::string wire =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: " + problem.content_type +
        "\r\nContent-Length: " + std::to_string(problem.body.size()) +
        "\r\nRetry-After: 1\r\nX-Request-Id: " + request_id + "\r\nConnection: close\r\n\r\n" +
        problem.body;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(wire), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    spdlog::warn("connection refused: {} connections open (max_connections)",
                 open_connections_->load());
}

void Server::Impl::Unregister(const Connection& connection) {
    {
        const std::lock_guard lock(connections_mutex_);
        connections_.erase(&connection);
    }
    // The last connection to end during a shutdown wakes the shutdown sequence up.
    if (open_connections_->fetch_sub(1) == 1 && stopping_.load()) {
        asio::post(control_, [this] { shutdown_timer_.cancel(); });
    }
}

void Server::Impl::CloseConnections(CloseWhich which) {
    std::vector<std::shared_ptr<Connection>> connections;
    {
        const std::lock_guard lock(connections_mutex_);
        for (const auto& entry : connections_) connections.push_back(entry.second);
    }
    for (const auto& connection : connections) {
        // A connection's state belongs to its strand, so the decision is made there.
        asio::post(connection->stream.get_executor(), [connection, which] {
            if (which == CloseWhich::kAll || connection->idle) {
                connection->stream.close();
            } else if (connection->streaming) {
                connection->streaming->Wake();  // it sees the shutdown and ends itself
            }
        });
    }
}

asio::awaitable<void> Server::Impl::Shutdown() {
    if (stopping_.exchange(true)) co_return;
    ErrorCode ignored;
    acceptor_.close(ignored);
    if (signals_) signals_->cancel(ignored);
    spdlog::info("stopped accepting; {} connection(s) open", open_connections_->load());
    CloseConnections(CloseWhich::kIdle);

    SteadyClock::time_point deadline = SteadyClock::now() + options_.shutdown_grace;
    enum class Phase { kGrace, kHandlers, kGaveUp } phase = Phase::kGrace;
    while (open_connections_->load() > 0) {
        // Woken early by the last connection's end (Unregister cancels the timer).
        shutdown_timer_.expires_at(phase == Phase::kGaveUp ? SteadyClock::time_point::max()
                                                           : deadline);
        co_await shutdown_timer_.async_wait(kAsTuple);
        if (open_connections_->load() == 0 || SteadyClock::now() < deadline) continue;
        if (phase == Phase::kGrace) {
            spdlog::warn(
                "shutdown grace over; closing {} connection(s), waiting for running "
                "handlers",
                open_connections_->load());
            CloseConnections(CloseWhich::kAll);
            phase = Phase::kHandlers;
            deadline = options_.on_stuck_handlers ? SteadyClock::now() + options_.stuck_handler_wait
                                                  : SteadyClock::time_point::max();
        } else if (phase == Phase::kHandlers) {
            spdlog::error("{} handler(s) still running after the shutdown grace; giving up",
                          open_connections_->load());
            phase = Phase::kGaveUp;
            options_.on_stuck_handlers();
        }
    }
}

asio::awaitable<void> Server::Impl::Serve(std::shared_ptr<Connection> connection) {
    // Unregisters however the coroutine ends, an exception included: the shutdown waits for
    // the count of open connections to reach zero.
    struct Registration {
        Impl& impl;
        const Connection& connection;
        ~Registration() { impl.Unregister(connection); }
    } registration{*this, *connection};
    beast::tcp_stream& stream = connection->stream;
    beast::flat_buffer buffer;
    bool first_request = true;
    for (;;) {
        if (stopping_.load()) break;
        if (buffer.size() == 0) {
            // The next request's first byte; a connection that sends nothing is cut off by the
            // read timeout when new, by the idle timeout between keep-alive requests.
            connection->idle = true;
            stream.expires_after(first_request ? options_.read_timeout : options_.idle_timeout);
            const auto [read_ec, read_bytes] =
                co_await stream.async_read_some(buffer.prepare(kFirstReadBytes), kAsTuple);
            connection->idle = false;
            if (read_ec) break;
            buffer.commit(read_bytes);
        }
        connection->idle = false;
        first_request = false;

        Exchange exchange;
        exchange.started = SteadyClock::now();
        exchange.request.client_address = connection->remote;
        bhttp::request_parser<bhttp::string_body> parser;
        parser.body_limit(options_.body_limit_bytes);
        parser.header_limit(static_cast<std::uint32_t>(options_.header_limit_bytes));
        // One deadline for the whole request, so that trickling bytes buys no extra time.
        stream.expires_after(options_.read_timeout);
        ErrorCode ec;
        std::size_t bytes = 0;
        std::tie(ec, bytes) = co_await bhttp::async_read_header(stream, buffer, parser, kAsTuple);
        if (!ec && !parser.is_done() && parser.get().version() >= 11 &&
            beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
            // Clients such as curl wait for this before sending a large body.
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            std::tie(ec, bytes) =
                co_await asio::async_write(stream, asio::buffer(kContinue), kAsTuple);
        }
        if (!ec && !parser.is_done()) {
            std::tie(ec, bytes) = co_await bhttp::async_read(stream, buffer, parser, kAsTuple);
        }
        if (ec) {
            const std::optional<EarlyProblem> problem =
                ProblemForReadError(ec, options_.body_limit_bytes);
            if (!problem) break;
            if (parser.got_some()) CopyHeaderFields(parser.get(), exchange);
            AssignRequestId(exchange.request);
            exchange.response =
                ProblemResponse(problem->status, problem->code, ReasonPhrase(problem->status),
                                problem->detail, exchange.request.request_id);
            cors_.Decorate(exchange.request, exchange.response);
            co_await Respond(*connection, exchange, false);
            co_await LingerAndClose(*connection);
            break;
        }

        bhttp::request<bhttp::string_body> message = parser.release();
        CopyHeaderFields(message, exchange);
        AssignRequestId(exchange.request);
        Request& request = exchange.request;
        request.body = std::move(message.body());
        const auto target_parts = SplitTarget(request.target);
        std::optional<std::string> path;
        if (target_parts) path = PercentDecode(target_parts->first, PlusMeans::kPlus);
        if (message.version() >= 11 && message.count(bhttp::field::host) != 1) {
            // RFC 9112: an HTTP/1.1 request without exactly one Host is refused.
            exchange.response =
                ProblemResponse(400, "bad_request", ReasonPhrase(400),
                                "An HTTP/1.1 request needs one Host header.", request.request_id);
        } else if (!path) {
            exchange.response =
                ProblemResponse(400, "bad_request", ReasonPhrase(400),
                                "The request target is not a valid path.", request.request_id);
        } else {
            request.path = std::move(*path);
            request.query = std::string(target_parts->second);
            exchange.response =
                co_await Dispatch(request, target_parts->first, exchange.route_label);
        }
        if (exchange.response.stream) AdmitStream(exchange);
        cors_.Decorate(request, exchange.response);
        if (exchange.response.stream) {
            // A stream ends its connection: whatever the client sends meanwhile is discarded.
            co_await ServeStream(connection, exchange);
            break;
        }

        const bool keep_alive = message.keep_alive() && !stopping_.load();
        const bool written = co_await Respond(*connection, exchange, keep_alive);
        if (!written) break;
        if (!keep_alive) {
            co_await LingerAndClose(*connection);
            break;
        }
    }
    ErrorCode ignored;
    stream.socket().close(ignored);
}

void Server::Impl::CopyHeaderFields(const bhttp::request<bhttp::string_body>& message,
                                    Exchange& exchange) {
    Request& request = exchange.request;
    request.method = ToMethod(message.method());
    exchange.method_text = std::string(message.method_string());
    if (exchange.method_text.empty()) exchange.method_text = "-";
    exchange.version = message.version() == 10 ? 10 : 11;
    request.target = std::string(message.target());
    request.headers.clear();
    for (const auto& field : message) {
        request.headers.emplace_back(AsciiLower(field.name_string()), std::string(field.value()));
    }
}

void Server::Impl::AssignRequestId(Request& request) {
    const std::optional<std::string_view> client_id = request.Header("x-request-id");
    request.request_id =
        client_id && IsValidRequestId(*client_id) ? std::string(*client_id) : request_ids_.Next();
}

asio::awaitable<Response> Server::Impl::Dispatch(Request& request, std::string_view raw_path,
                                                 std::string& route_label) {
    Router::Match match = router_.Find(request.method, raw_path);
    if (!match.route) {
        if (match.allowed_methods.empty()) {
            co_return ProblemResponse(404, "not_found", ReasonPhrase(404),
                                      "No resource exists at this path.", request.request_id);
        }
        route_label = std::string(match.path_template);
        if (request.method == Method::kOptions) {
            co_return cors_.Options(request, match.allowed_methods);
        }
        Response response =
            ProblemResponse(405, "method_not_allowed", ReasonPhrase(405),
                            "This path does not support the " +
                                std::string(MethodName(request.method)) + " method.",
                            request.request_id);
        response.SetHeader("Allow", AllowHeaderValue(match.allowed_methods));
        co_return response;
    }

    const Route& route = *match.route;
    route_label = route.path_template;
    request.route_template = route.path_template;
    request.path_params = std::move(match.path_params);
    if (route.execution == Execution::kInline) co_return CallHandler(route, request);

    Response response;
    // The coroutine frame (and with it `request` and `response`) stays suspended until the job
    // has run, so the job may refer to them.
    const bool ran = co_await RunOnPool(
        pool_, [this, &route, &request, &response] { response = CallHandler(route, request); });
    if (!ran) {
        response = ProblemResponse(503, "service_unavailable", ReasonPhrase(503),
                                   "The server is busy; retry shortly.", request.request_id);
        response.SetHeader("Retry-After", "1");
    }
    co_return response;
}

// The one place where a handler's exception stops: logged with the request id, answered with a
// generic 500 that never carries the exception's text.
Response Server::Impl::CallHandler(const Route& route, Request& request) const {
    try {
        return route.handler(request);
    } catch (const std::exception& e) {
        spdlog::error("request_id={} {} {}: handler threw: {}", request.request_id,
                      MethodName(request.method), route.path_template, e.what());
    } catch (...) {
        spdlog::error("request_id={} {} {}: handler threw a non-standard exception",
                      request.request_id, MethodName(request.method), route.path_template);
    }
    return ProblemResponse(500, "internal", ReasonPhrase(500), kInternalDetail, request.request_id);
}

bhttp::response<bhttp::string_body> Server::Impl::ToWire(Exchange& exchange,
                                                         bool keep_alive) const {
    Response& response = exchange.response;
    const std::string& request_id = exchange.request.request_id;
    if (response.status < 200 || response.status > 599) {
        spdlog::error("request_id={} route={}: handler returned status {}", request_id,
                      exchange.route_label, response.status);
        response = ProblemResponse(500, "internal", ReasonPhrase(500), kInternalDetail, request_id);
    }
    bhttp::response<bhttp::string_body> wire;
    wire.version(exchange.version);
    wire.result(static_cast<unsigned>(response.status));
    const bool has_content_type = CopyResponseHeaders(exchange, wire);
    wire.set("X-Request-Id", request_id);
    const bool bodiless = response.status == 204 || response.status == 304;
    if (!bodiless) {
        if (!has_content_type && !response.content_type.empty()) {
            wire.set(bhttp::field::content_type, response.content_type);
        }
        wire.content_length(response.body.size());
        // A response to HEAD announces the length of the body it leaves out.
        if (exchange.request.method != Method::kHead) wire.body() = std::move(response.body);
    }
    wire.keep_alive(keep_alive);
    return wire;
}

bool Server::Impl::CopyResponseHeaders(const Exchange& exchange, bhttp::fields& wire) const {
    bool has_content_type = false;
    for (const auto& [name, value] : exchange.response.headers) {
        const std::string lower = AsciiLower(name);
        if (!IsValidHeader(name, value) || IsFramingHeader(lower) || lower == "x-request-id") {
            if (lower != "x-request-id") {
                std::string quoted_name;
                AppendJsonString(quoted_name, name);
                spdlog::error("request_id={} route={}: dropped response header {}",
                              exchange.request.request_id, exchange.route_label, quoted_name);
            }
            continue;
        }
        has_content_type = has_content_type || lower == "content-type";
        wire.insert(name, value);
    }
    return has_content_type;
}

bhttp::response<bhttp::empty_body> Server::Impl::StreamHead(Exchange& exchange) const {
    bhttp::response<bhttp::empty_body> head;
    head.version(exchange.version);
    head.result(bhttp::status::ok);
    CopyResponseHeaders(exchange, head);
    head.set("X-Request-Id", exchange.request.request_id);
    head.set(bhttp::field::content_type, "text/event-stream");
    if (head.find(bhttp::field::cache_control) == head.end()) {
        head.set(bhttp::field::cache_control, "no-cache");
    }
    // Reverse proxies such as nginx would otherwise hold the events back in a buffer.
    head.set("X-Accel-Buffering", "no");
    head.keep_alive(false);
    if (exchange.version >= 11) head.chunked(true);
    return head;
}

// Decides whether a handler's stream is served: only with status 200 (otherwise the rest of the
// response goes out as an ordinary one), within max_streams and while the server is not
// stopping (otherwise 503). A stream that is not served is closed here.
void Server::Impl::AdmitStream(Exchange& exchange) {
    Response& response = exchange.response;
    const std::shared_ptr<EventStream> stream = response.stream;
    const std::string& request_id = exchange.request.request_id;
    if (response.status != 200) {
        spdlog::error("request_id={} route={}: handler returned a stream with status {}",
                      request_id, exchange.route_label, response.status);
        response.stream.reset();
        CloseQuietly(*stream, request_id);
        return;
    }
    if (exchange.request.method == Method::kHead) {
        // HEAD gets the head of the answer and no body, so no stream either.
        response.stream.reset();
        CloseQuietly(*stream, request_id);
        response.content_type = "text/event-stream";
        return;
    }
    const bool stopping = stopping_.load();
    if (!stopping) {
        if (open_streams_->fetch_add(1) < options_.max_streams) return;
        open_streams_->fetch_sub(1);
        spdlog::warn("event stream refused: {} streams open (max_streams)", options_.max_streams);
    }
    response.stream.reset();
    CloseQuietly(*stream, request_id);
    response = ProblemResponse(503, "service_unavailable", ReasonPhrase(503),
                               stopping ? "The server is shutting down."
                                        : "The server has too many open streams; retry shortly.",
                               request_id);
    response.SetHeader("Retry-After", "1");
}

// Serves an admitted stream until the client leaves, the stream ends, a write fails or times
// out, or the server stops. The caller closes the connection afterwards.
asio::awaitable<void> Server::Impl::ServeStream(std::shared_ptr<Connection> connection,
                                                Exchange& exchange) {
    const std::shared_ptr<EventStream> events = std::move(exchange.response.stream);
    exchange.response.stream.reset();
    const std::string request_id = exchange.request.request_id;
    auto state = std::make_shared<StreamState>(connection->stream.get_executor());
    // However the stream ends (an exception included), it is closed and its slot is freed.
    struct Release {
        Impl& impl;
        Connection& connection;
        EventStream& events;
        const std::string& request_id;
        ~Release() {
            connection.streaming.reset();
            CloseQuietly(events, request_id);
            impl.open_streams_->fetch_sub(1);
        }
    } release{*this, *connection, *events, request_id};
    connection->idle = false;
    connection->streaming = state;
    // The producer's threads only post to the connection's strand; the state may be gone by then.
    events->SetWakeup(
        [weak = std::weak_ptr<StreamState>(state), executor = connection->stream.get_executor()] {
            asio::post(executor, [weak] {
                if (const auto alive = weak.lock()) alive->Wake();
            });
        });

    beast::tcp_stream& stream = connection->stream;
    bhttp::response<bhttp::empty_body> head = StreamHead(exchange);
    Record(exchange, 0);
    const bool chunked = head.chunked();
    bhttp::response_serializer<bhttp::empty_body> serializer(head);
    stream.expires_after(options_.write_timeout);
    const auto [head_ec, head_bytes] =
        co_await bhttp::async_write_header(stream, serializer, kAsTuple);
    if (head_ec) co_return;
    asio::co_spawn(stream.get_executor(), WatchForClose(connection, state),
                   LogFailure("event stream watch"));

    SteadyClock::time_point next_ping = SteadyClock::now() + options_.stream_heartbeat;
    bool finish = false;  // end the body properly: the stream ended or the server stops
    for (;;) {
        if (state->client_gone) break;
        if (stopping_.load()) {
            finish = true;
            break;
        }
        state->woken = false;
        std::optional<std::string> data;
        try {
            data = events->Drain();
        } catch (const std::exception& e) {
            spdlog::error("request_id={}: event stream failed: {}", request_id, e.what());
            break;
        }
        if (!data) {
            finish = true;
            break;
        }
        if (data->empty() && SteadyClock::now() >= next_ping) *data = kHeartbeat;
        if (!data->empty()) {
            if (co_await WriteStreamData(stream, *data, chunked, options_.write_timeout)) break;
            next_ping = SteadyClock::now() + options_.stream_heartbeat;
            continue;  // more may have come meanwhile
        }
        if (state->woken) continue;
        // Until the next heartbeat, unless woken up (new data, the client left, a shutdown).
        state->timer.expires_at(next_ping);
        co_await state->timer.async_wait(kAsTuple);
    }
    if (finish && chunked && !state->client_gone) {
        stream.expires_after(options_.write_timeout);
        co_await asio::async_write(stream, bhttp::make_chunk_last(), kAsTuple);
    }
    ErrorCode ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// Keeps a read pending on a streaming connection: its end (or failure) is the client leaving.
asio::awaitable<void> Server::Impl::WatchForClose(std::shared_ptr<Connection> connection,
                                                  std::shared_ptr<StreamState> state) {
    std::array<char, kStreamSinkBytes> sink{};
    for (;;) {
        const auto [ec, bytes] =
            co_await connection->stream.socket().async_read_some(asio::buffer(sink), kAsTuple);
        if (ec) break;
    }
    state->client_gone = true;
    state->timer.cancel();
}

// Logs and counts the response before writing it, so that anyone who has seen a response (a
// test, a scraper) also sees it in /metrics. False when the write failed.
asio::awaitable<bool> Server::Impl::Respond(Connection& connection, Exchange& exchange,
                                            bool keep_alive) {
    bhttp::response<bhttp::string_body> wire = ToWire(exchange, keep_alive);
    Record(exchange, wire.body().size());
    connection.stream.expires_after(options_.write_timeout);
    const auto [ec, bytes] = co_await bhttp::async_write(connection.stream, wire, kAsTuple);
    co_return !ec;
}

void Server::Impl::Record(const Exchange& exchange, std::size_t body_bytes) const {
    const double seconds =
        std::chrono::duration<double>(SteadyClock::now() - exchange.started).count();
    const Request& request = exchange.request;
    metrics_.ObserveRequest(MethodName(request.method), exchange.route_label,
                            exchange.response.status, seconds);
    const AccessLogEntry entry{
        .time = std::chrono::system_clock::now(),
        .remote = request.client_address,
        .method = exchange.method_text,
        .target = request.target.empty() ? std::string_view("-") : request.target,
        .path = request.path,
        .http_version = exchange.version == 10 ? "1.0" : "1.1",
        .status = exchange.response.status,
        .bytes = body_bytes,
        .referer = request.Header("referer").value_or(""),
        .user_agent = request.Header("user-agent").value_or(""),
        .duration_ms = seconds * 1000,
        .route = exchange.route_label,
        .request_id = request.request_id,
    };
    access_log_->info("{}", FormatAccessLog(entry, options_.log_format));
}

asio::awaitable<void> Server::Impl::LingerAndClose(Connection& connection) {
    beast::tcp_stream& stream = connection.stream;
    ErrorCode ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    connection.idle = true;
    stream.expires_after(
        std::min<std::chrono::milliseconds>(kLingerTimeout, options_.read_timeout));
    std::array<char, 4096> sink{};
    std::size_t drained = 0;
    while (drained < kLingerBytesMax) {
        auto [read_ec, bytes] = co_await stream.async_read_some(asio::buffer(sink), kAsTuple);
        if (read_ec) break;
        drained += bytes;
    }
    stream.close();
}

Server::Server(ServerOptions options, const Router& router, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}

Server::~Server() = default;

void Server::Listen() { impl_->Listen(); }

std::uint16_t Server::port() const { return impl_->port(); }

void Server::Run() { impl_->Run(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace nanotasks::http
