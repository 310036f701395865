// The server over a real loopback socket on an ephemeral port, driven by a minimal blocking
// HTTP/1.1 client on POSIX sockets (no Asio here, so that this file compiles fast).
#include "http/server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/metrics.hpp"

namespace nanotasks::http {
namespace {

using namespace std::chrono_literals;

// Generous: a test never waits this long unless the server is broken.
constexpr auto kPatience = 10s;

struct HttpResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;

    std::optional<std::string> Header(std::string_view name) const {
        for (const auto& [key, value] : headers) {
            if (key == name) return value;
        }
        return std::nullopt;
    }
};

std::string Lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

class Client {
  public:
    explicit Client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        if (fd_ < 0) throw std::runtime_error("socket failed");
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
            const int error = errno;
            ::close(fd_);
            errno = error;
            throw std::runtime_error(std::string("connect failed: ") + std::strerror(errno));
        }
    }
    ~Client() { Close(); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    bool Send(std::string_view data) {
        while (!data.empty()) {
            const ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (sent <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(sent));
        }
        return true;
    }

    // The next final response (1xx responses are skipped), or nothing when the connection
    // closes or stays silent for kPatience. A response to HEAD has no body whatever its
    // Content-Length says.
    enum class Answering { kOther, kHead };
    std::optional<HttpResponse> Read(Answering answering = Answering::kOther) {
        for (;;) {
            std::optional<HttpResponse> head = ReadHead();
            if (!head) return std::nullopt;
            HttpResponse& response = *head;
            if (response.status < 200) continue;
            const std::size_t length =
                answering == Answering::kHead
                    ? 0
                    : std::stoul(response.Header("content-length").value_or("0"));
            while (buffer_.size() < length) {
                if (!Fill()) return std::nullopt;
            }
            response.body = buffer_.substr(0, length);
            buffer_.erase(0, length);
            return response;
        }
    }

    // The status line and headers of the next response; what follows stays buffered.
    std::optional<HttpResponse> ReadHead() {
        std::size_t header_end;
        while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
            if (!Fill()) return std::nullopt;
        }
        HttpResponse response;
        const std::string head = buffer_.substr(0, header_end);
        buffer_.erase(0, header_end + 4);
        std::size_t line_end = head.find("\r\n");
        const std::string status_line = head.substr(0, line_end);
        if (status_line.rfind("HTTP/1.", 0) != 0) return std::nullopt;
        response.status = std::stoi(status_line.substr(9, 3));
        while (line_end != std::string::npos) {
            const std::size_t start = line_end + 2;
            line_end = head.find("\r\n", start);
            const std::string line = head.substr(start, line_end - start);
            const std::size_t colon = line.find(':');
            std::size_t value_start = colon + 1;
            while (value_start < line.size() && line[value_start] == ' ') ++value_start;
            response.headers.emplace_back(Lower(line.substr(0, colon)), line.substr(value_start));
        }
        return response;
    }

    // Reads until what has arrived (raw, framing included) contains `text`; false when the
    // connection closes or stays silent for kPatience first. Consumes up to the end of `text`.
    bool ReadUntil(std::string_view text) {
        std::size_t found;
        while ((found = buffer_.find(text)) == std::string::npos) {
            if (!Fill()) return false;
        }
        buffer_.erase(0, found + text.size());
        return true;
    }

    // Whether the server closed the connection within `bound` (anything it sends meanwhile is
    // discarded).
    bool WaitClosed(std::chrono::milliseconds bound = kPatience) {
        const auto deadline = std::chrono::steady_clock::now() + bound;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left <= 0ms) return false;
            pollfd pfd{.fd = fd_, .events = POLLIN, .revents = 0};
            if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[4096];
            const ssize_t got = ::recv(fd_, chunk, sizeof(chunk), 0);
            if (got <= 0) return true;
        }
    }

    void Close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    bool Fill() {
        pollfd pfd{.fd = fd_, .events = POLLIN, .revents = 0};
        const int ready =
            ::poll(&pfd, 1, static_cast<int>(std::chrono::milliseconds(kPatience).count()));
        if (ready <= 0) return false;
        char chunk[16384];
        const ssize_t got = ::recv(fd_, chunk, sizeof(chunk), 0);
        if (got <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(got));
        return true;
    }

    int fd_;
    std::string buffer_;
};

std::string Get(std::string_view target, std::string_view extra_headers = "") {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" +
           std::string(extra_headers) + "\r\n";
}

// Runs a server on an ephemeral port for the life of the object.
class RunningServer {
  public:
    RunningServer(Router router, ServerOptions options)
        : router_(std::move(router)),
          server_(WithEphemeralPort(std::move(options)), router_, metrics_) {
        server_.Listen();
        thread_ = std::thread([this] { server_.Run(); });
    }
    ~RunningServer() { StopAndJoin(); }
    RunningServer(const RunningServer&) = delete;
    RunningServer& operator=(const RunningServer&) = delete;

    std::uint16_t port() const { return server_.port(); }
    Metrics& metrics() { return metrics_; }
    void StopAndJoin() {
        if (!thread_.joinable()) return;
        server_.Stop();
        thread_.join();
    }

  private:
    static ServerOptions WithEphemeralPort(ServerOptions options) {
        options.port = 0;
        return options;
    }
    Router router_;
    Metrics metrics_;
    Server server_;
    std::thread thread_;
};

Handler Text(std::string body) {
    return [body = std::move(body)](Request&) {
        Response response;
        response.content_type = "text/plain";
        response.body = body;
        return response;
    };
}

// Holds handlers until opened, and lets the test wait until a number of them are inside.
class Gate {
  public:
    void Enter() {
        std::unique_lock lock(mutex_);
        ++inside_;
        changed_.notify_all();
        changed_.wait(lock, [&] { return open_; });
    }
    void WaitInside(int count) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return inside_ >= count; });
    }
    void Open() {
        const std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int inside_ = 0;
    bool open_ = false;
};

Router EchoRouter() {
    Router router;
    router.Add({.method = Method::kGet,
                .path_template = "/healthz",
                .handler = Text("ok"),
                .execution = Execution::kInline});
    router.Add(
        {.method = Method::kGet, .path_template = "/items/{id}", .handler = [](Request& request) {
             Response response;
             response.content_type = "text/plain";
             response.body = "id=" + std::string(*request.PathParam("id")) +
                             " q=" + request.QueryParam("q").value_or("-") +
                             " path=" + request.path + " route=" + request.route_template +
                             " ua=" + std::string(request.Header("USER-AGENT").value_or(""));
             return response;
         }});
    router.Add(
        {.method = Method::kPost, .path_template = "/items", .handler = [](Request& request) {
             Response response;
             response.status = 201;
             response.body = std::to_string(request.body.size());
             return response;
         }});
    router.Add({.method = Method::kDelete, .path_template = "/items/{id}", .handler = Text("")});
    return router;
}

TEST(ServerTest, AnswersARequest) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/items/a%2Fb?q=x+y", "User-Agent: t/1\r\n")));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "id=a/b q=x y path=/items/a/b route=/items/{id} ua=t/1");
    EXPECT_EQ(response->Header("content-type"), "text/plain");
    EXPECT_EQ(response->Header("content-length"), std::to_string(response->body.size()));
    EXPECT_TRUE(response->Header("x-request-id"));
}

TEST(ServerTest, KeepsTheConnectionAliveAcrossRequests) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/healthz")));
    const auto first = client.Read();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->body, "ok");
    EXPECT_NE(first->Header("connection"), "close");
    const std::string body(1000, 'x');
    ASSERT_TRUE(
        client.Send("POST /items HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                    "Content-Length: 1000\r\n\r\n" +
                    body));
    const auto second = client.Read();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->status, 201);
    EXPECT_EQ(second->body, "1000");
    EXPECT_NE(first->Header("x-request-id"), second->Header("x-request-id"));
}

TEST(ServerTest, AnswersPipelinedRequestsInOrder) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/items/1") + Get("/healthz") + Get("/items/2")));
    EXPECT_EQ(client.Read().value().body.substr(0, 4), "id=1");
    EXPECT_EQ(client.Read().value().body, "ok");
    EXPECT_EQ(client.Read().value().body.substr(0, 4), "id=2");
}

TEST(ServerTest, ClosesWhenTheClientAsks) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/healthz", "Connection: close\r\n")));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->Header("connection"), "close");
    EXPECT_TRUE(client.WaitClosed());
}

TEST(ServerTest, Http10ClosesByDefault) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send("GET /healthz HTTP/1.0\r\n\r\n"));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_TRUE(client.WaitClosed());
}

TEST(ServerTest, UnknownPathIsANotFoundProblem) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/nowhere")));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 404);
    EXPECT_EQ(response->Header("content-type"), "application/problem+json");
    const std::string id = response->Header("x-request-id").value_or("?");
    EXPECT_EQ(response->body, R"({"type":"/problems/not_found","title":"Not Found","status":404,)"
                              R"("code":"not_found","detail":"No resource exists at this path.",)"
                              R"("request_id":")" +
                                  id + R"("})");
    // The connection stays usable after a problem.
    ASSERT_TRUE(client.Send(Get("/healthz")));
    EXPECT_EQ(client.Read().value().status, 200);
}

TEST(ServerTest, WrongMethodIsAMethodNotAllowedProblemWithAllow) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send("PUT /items/1 HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 405);
    EXPECT_EQ(response->Header("allow"), "GET, HEAD, DELETE, OPTIONS");
    EXPECT_NE(response->body.find(R"("code":"method_not_allowed")"), std::string::npos);

    ASSERT_TRUE(client.Send("POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"));
    const auto post = client.Read();
    ASSERT_TRUE(post);
    EXPECT_EQ(post->status, 405);
    EXPECT_EQ(post->Header("allow"), "GET, HEAD, OPTIONS");
}

TEST(ServerTest, HeadIsAnsweredLikeGetWithoutTheBody) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send("HEAD /items/7?q=z HTTP/1.1\r\nHost: t\r\n\r\n"));
    const auto head = client.Read(Client::Answering::kHead);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->Header("content-type"), "text/plain");
    EXPECT_EQ(head->body, "");
    // The length of the body GET would send; the connection goes on after the empty body.
    ASSERT_TRUE(client.Send(Get("/items/7?q=z")));
    const auto get = client.Read();
    ASSERT_TRUE(get);
    EXPECT_EQ(head->Header("content-length"), std::to_string(get->body.size()));
    EXPECT_EQ(get->body.substr(0, 8), "id=7 q=z");
}

TEST(ServerTest, Http11RequestWithoutOneHostIsABadRequest) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send("GET /healthz HTTP/1.1\r\n\r\n"));
    const auto missing = client.Read();
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 400);
    EXPECT_NE(missing->body.find(R"("code":"bad_request")"), std::string::npos);
    ASSERT_TRUE(client.Send("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
    EXPECT_EQ(client.Read().value().status, 400);
    ASSERT_TRUE(client.Send(Get("/healthz")));
    EXPECT_EQ(client.Read().value().status, 200);
    // HTTP/1.0 has no Host requirement.
    ASSERT_TRUE(client.Send("GET /healthz HTTP/1.0\r\n\r\n"));
    EXPECT_EQ(client.Read().value().status, 200);
}

TEST(ServerTest, UnknownMethodOnAKnownPathIs405) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send("BREW /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 405);
}

TEST(ServerTest, MalformedPathEscapeIsABadRequest) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/items/%zz")));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400);
    EXPECT_NE(response->body.find(R"("code":"bad_request")"), std::string::npos);
}

TEST(ServerTest, AbsoluteFormTargetIsRouted) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("http://test/items/7?q=z")));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body.substr(0, 10), "id=7 q=z p");
}

TEST(ServerTest, AsteriskTargetIsABadRequest) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send("OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n"));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400);
}

TEST(ServerTest, GarbageIsABadRequestAndCloses) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send("this is not http\r\n\r\n"));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400);
    EXPECT_EQ(response->Header("connection"), "close");
    EXPECT_NE(response->body.find(R"("code":"bad_request")"), std::string::npos);
    EXPECT_TRUE(client.WaitClosed());
}

TEST(ServerTest, BodyOverTheLimitIsPayloadTooLargeAndCloses) {
    RunningServer server(EchoRouter(), {.body_limit_bytes = 1024});
    Client client(server.port());
    const std::string body(100000, 'x');
    ASSERT_TRUE(
        client.Send("POST /items HTTP/1.1\r\nHost: t\r\nX-Request-Id: big-1\r\nContent-Type: "
                    "application/json\r\nContent-Length: 100000\r\n\r\n"));
    client.Send(body);  // the server may already have closed: that is fine
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 413);
    EXPECT_EQ(response->Header("connection"), "close");
    EXPECT_EQ(response->Header("x-request-id"), "big-1");
    EXPECT_NE(response->body.find(R"("code":"payload_too_large")"), std::string::npos);
    EXPECT_TRUE(client.WaitClosed());
}

TEST(ServerTest, ChunkedBodyOverTheLimitIsPayloadTooLarge) {
    RunningServer server(EchoRouter(), {.body_limit_bytes = 1024});
    Client client(server.port());
    std::string request =
        "POST /items HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) request += "400\r\n" + std::string(1024, 'x') + "\r\n";
    request += "0\r\n\r\n";
    client.Send(request);
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 413);
    EXPECT_TRUE(client.WaitClosed());
}

TEST(ServerTest, BodyAtTheLimitIsAccepted) {
    RunningServer server(EchoRouter(), {.body_limit_bytes = 1024});
    Client client(server.port());
    ASSERT_TRUE(client.Send("POST /items HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n" +
                            std::string(1024, 'x')));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 201);
}

TEST(ServerTest, ExpectContinueGetsAnInterimResponse) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(
        "POST /items HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
    // The interim response arrives before the body is sent.
    std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(client.Send("hello"));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 201);
    EXPECT_EQ(response->body, "5");
}

TEST(ServerTest, HeadersOverTheLimitAreRefusedAndClose) {
    RunningServer server(EchoRouter(), {.header_limit_bytes = 1024});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/healthz", "X-Big: " + std::string(4000, 'y') + "\r\n")));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 431);
    EXPECT_NE(response->body.find(R"("code":"request_header_fields_too_large")"),
              std::string::npos);
    EXPECT_TRUE(client.WaitClosed());
}

TEST(ServerTest, SlowClientIsCutOffByTheReadTimeout) {
    RunningServer server(EchoRouter(), {.read_timeout = 300ms});
    Client client(server.port());
    ASSERT_TRUE(client.Send("GET /healthz HTTP/1.1\r\n"));
    // A header line every 50 ms: each byte arrives well within any per-read timeout, but the
    // request as a whole never completes.
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    bool closed = false;
    while (!closed && std::chrono::steady_clock::now() < deadline) {
        closed = !client.Send("X-Slow: 1\r\n") || client.WaitClosed(50ms);
    }
    EXPECT_TRUE(closed);
}

TEST(ServerTest, SilentNewConnectionIsClosed) {
    RunningServer server(EchoRouter(), {.read_timeout = 300ms});
    Client client(server.port());
    EXPECT_TRUE(client.WaitClosed());
}

TEST(ServerTest, IdleKeepAliveConnectionIsClosed) {
    RunningServer server(EchoRouter(), {.idle_timeout = 300ms});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/healthz")));
    ASSERT_TRUE(client.Read());
    EXPECT_TRUE(client.WaitClosed());
}

TEST(ServerTest, EchoesAValidRequestIdAndReplacesAnInvalidOne) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/nowhere", "X-Request-Id: abc.DEF_1-2\r\n")));
    const auto echoed = client.Read();
    ASSERT_TRUE(echoed);
    EXPECT_EQ(echoed->Header("x-request-id"), "abc.DEF_1-2");
    EXPECT_NE(echoed->body.find(R"("request_id":"abc.DEF_1-2")"), std::string::npos);

    for (const std::string& bad :
         {std::string("has space"), std::string(129, 'a'), std::string("semi;colon")}) {
        ASSERT_TRUE(client.Send(Get("/healthz", "X-Request-Id: " + bad + "\r\n")));
        const auto replaced = client.Read();
        ASSERT_TRUE(replaced);
        const std::string id = replaced->Header("x-request-id").value_or("");
        EXPECT_NE(id, bad);
        EXPECT_FALSE(id.empty());
    }
}

TEST(ServerTest, HandlerSeesTheRequestId) {
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/id", .handler = [](Request& request) {
                    Response response;
                    response.body = request.request_id;
                    return response;
                }});
    RunningServer server(std::move(router), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/id")));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->Header("x-request-id"), response->body);
}

TEST(ServerTest, AnswersCorsPreflightForAllowedOrigins) {
    RunningServer server(EchoRouter(), {.cors_origins = {"https://app.example.com"}});
    Client client(server.port());
    ASSERT_TRUE(
        client.Send("OPTIONS /items/1 HTTP/1.1\r\nHost: t\r\nOrigin: https://app.example.com\r\n"
                    "Access-Control-Request-Method: DELETE\r\nAccess-Control-Request-Headers: "
                    "authorization\r\n\r\n"));
    const auto preflight = client.Read();
    ASSERT_TRUE(preflight);
    EXPECT_EQ(preflight->status, 204);
    EXPECT_EQ(preflight->Header("access-control-allow-origin"), "https://app.example.com");
    EXPECT_EQ(preflight->Header("access-control-allow-methods"), "GET, HEAD, DELETE, OPTIONS");
    EXPECT_EQ(preflight->Header("access-control-allow-headers"),
              "Authorization, Content-Type, Idempotency-Key, X-Request-Id");
    EXPECT_EQ(preflight->Header("access-control-max-age"), "600");
    EXPECT_EQ(preflight->Header("vary"), "Origin");
    EXPECT_EQ(preflight->Header("content-length"), std::nullopt);

    ASSERT_TRUE(client.Send(Get("/healthz", "Origin: https://app.example.com\r\n")));
    const auto actual = client.Read();
    ASSERT_TRUE(actual);
    EXPECT_EQ(actual->Header("access-control-allow-origin"), "https://app.example.com");
    EXPECT_EQ(actual->Header("access-control-expose-headers"),
              "X-Request-Id, Idempotent-Replayed, Retry-After");
    EXPECT_EQ(actual->Header("vary"), "Origin");
}

TEST(ServerTest, PreflightFromOtherOriginGetsNoPermission) {
    RunningServer server(EchoRouter(), {.cors_origins = {"https://app.example.com"}});
    Client client(server.port());
    ASSERT_TRUE(
        client.Send("OPTIONS /items/1 HTTP/1.1\r\nHost: t\r\nOrigin: https://evil.example.com\r\n"
                    "Access-Control-Request-Method: DELETE\r\n\r\n"));
    const auto preflight = client.Read();
    ASSERT_TRUE(preflight);
    EXPECT_EQ(preflight->status, 204);
    EXPECT_EQ(preflight->Header("access-control-allow-origin"), std::nullopt);
    EXPECT_EQ(preflight->Header("access-control-allow-methods"), std::nullopt);

    ASSERT_TRUE(client.Send(Get("/healthz", "Origin: https://evil.example.com\r\n")));
    const auto actual = client.Read();
    ASSERT_TRUE(actual);
    EXPECT_EQ(actual->status, 200);
    EXPECT_EQ(actual->Header("access-control-allow-origin"), std::nullopt);
}

TEST(ServerTest, OptionsOnUnknownPathIsNotFound) {
    RunningServer server(EchoRouter(), {.cors_origins = {"https://app.example.com"}});
    Client client(server.port());
    ASSERT_TRUE(
        client.Send("OPTIONS /nowhere HTTP/1.1\r\nHost: t\r\nOrigin: https://app.example.com\r\n"
                    "Access-Control-Request-Method: GET\r\n\r\n"));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 404);
}

TEST(ServerTest, FullWorkerPoolAnswersServiceUnavailableAtOnce) {
    Gate gate;
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/slow", .handler = [&](Request&) {
                    gate.Enter();
                    return Response{.body = "done"};
                }});
    router.Add({.method = Method::kGet,
                .path_template = "/inline",
                .handler = Text("inline"),
                .execution = Execution::kInline});
    RunningServer server(std::move(router), {.worker_threads = 1, .worker_queue_max = 0});
    Client busy(server.port());
    ASSERT_TRUE(busy.Send(Get("/slow")));
    gate.WaitInside(1);

    Client refused(server.port());
    ASSERT_TRUE(refused.Send(Get("/slow")));
    const auto response = refused.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 503);
    EXPECT_EQ(response->Header("retry-after"), "1");
    EXPECT_NE(response->body.find(R"("code":"service_unavailable")"), std::string::npos);
    EXPECT_NE(server.metrics().Render().find("\nnanotasks_worker_pool_busy 1\n"),
              std::string::npos);

    // The I/O thread is not blocked by the busy worker.
    ASSERT_TRUE(refused.Send(Get("/inline")));
    EXPECT_EQ(refused.Read().value().body, "inline");

    gate.Open();
    const auto finished = busy.Read();
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->status, 200);
    EXPECT_EQ(finished->body, "done");
}

TEST(ServerTest, HandlerExceptionIsAGenericInternalProblem) {
    Router router;
    for (const Execution execution : {Execution::kWorkerPool, Execution::kInline}) {
        router.Add({.method = Method::kGet,
                    .path_template = execution == Execution::kInline ? "/inline" : "/pool",
                    .handler = [](Request&) -> Response {
                        throw std::runtime_error("secret table users_x");
                    },
                    .execution = execution});
    }
    RunningServer server(std::move(router), {});
    Client client(server.port());
    for (const std::string_view path : {"/pool", "/inline"}) {
        ASSERT_TRUE(client.Send(Get(path, "X-Request-Id: boom-1\r\n")));
        const auto response = client.Read();
        ASSERT_TRUE(response);
        EXPECT_EQ(response->status, 500);
        EXPECT_EQ(response->Header("content-type"), "application/problem+json");
        EXPECT_NE(response->body.find(R"("code":"internal")"), std::string::npos);
        EXPECT_NE(response->body.find(R"("request_id":"boom-1")"), std::string::npos);
        EXPECT_EQ(response->body.find("secret"), std::string::npos);
    }
}

TEST(ServerTest, HandlerMistakesDoNotBreakTheProtocol) {
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/bad-status", .handler = [](Request&) {
                    return Response{.status = 42};
                }});
    router.Add({.method = Method::kGet, .path_template = "/bad-header", .handler = [](Request&) {
                    Response response;
                    response.body = "{}";
                    response.headers = {{"X-Injected", "a\r\nSet-Cookie: x=1"},
                                        {"Content-Length", "999"},
                                        {"X-Fine", "yes"}};
                    return response;
                }});
    router.Add({.method = Method::kDelete, .path_template = "/no-content", .handler = [](Request&) {
                    return Response{.status = 204, .body = "ignored"};
                }});
    RunningServer server(std::move(router), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/bad-status")));
    EXPECT_EQ(client.Read().value().status, 500);

    ASSERT_TRUE(client.Send(Get("/bad-header")));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, "{}");
    EXPECT_EQ(response->Header("x-fine"), "yes");
    EXPECT_EQ(response->Header("x-injected"), std::nullopt);
    EXPECT_EQ(response->Header("set-cookie"), std::nullopt);
    EXPECT_EQ(response->Header("content-length"), "2");

    ASSERT_TRUE(client.Send("DELETE /no-content HTTP/1.1\r\nHost: t\r\n\r\n"));
    const auto no_content = client.Read();
    ASSERT_TRUE(no_content);
    EXPECT_EQ(no_content->status, 204);
    EXPECT_EQ(no_content->body, "");
    // Still in step: the next response is read correctly.
    ASSERT_TRUE(client.Send(Get("/bad-status")));
    EXPECT_EQ(client.Read().value().status, 500);
}

TEST(ServerTest, ConnectionsOverTheCapAreRefused) {
    RunningServer server(EchoRouter(), {.max_connections = 1});
    Client first(server.port());
    ASSERT_TRUE(first.Send(Get("/healthz")));
    ASSERT_TRUE(first.Read());  // `first` is registered and kept alive

    Client second(server.port());
    second.Send(Get("/healthz"));
    const auto refused = second.Read();
    if (refused) {
        EXPECT_EQ(refused->status, 503);  // or a plain close, also acceptable
    }
    EXPECT_TRUE(second.WaitClosed());

    ASSERT_TRUE(first.Send(Get("/healthz")));
    EXPECT_EQ(first.Read().value().status, 200);
}

TEST(ServerTest, RecordsMetricsByRouteTemplate) {
    RunningServer server(EchoRouter(), {});
    Client client(server.port());
    for (const std::string_view target : {"/items/1", "/items/2", "/nowhere/1", "/nowhere/2"}) {
        ASSERT_TRUE(client.Send(Get(target)));
        ASSERT_TRUE(client.Read());
    }
    ASSERT_TRUE(client.Send("PATCH /items/3 HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(client.Read());
    const std::string text = server.metrics().Render();
    EXPECT_NE(text.find(R"(nanotasks_http_requests_total{method="GET",route="/items/{id}",)"
                        R"(status="200"} 2)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(R"(nanotasks_http_requests_total{method="GET",route="unmatched",)"
                        R"(status="404"} 2)"),
              std::string::npos);
    EXPECT_NE(text.find(R"(nanotasks_http_requests_total{method="PATCH",route="/items/{id}",)"
                        R"(status="405"} 1)"),
              std::string::npos);
    EXPECT_NE(text.find("\nnanotasks_http_connections_open 1\n"), std::string::npos);
}

TEST(ServerTest, StopLetsInFlightRequestsFinishAndClosesIdleConnections) {
    Gate gate;
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/slow", .handler = [&](Request&) {
                    gate.Enter();
                    return Response{.body = "finished"};
                }});
    router.Add({.method = Method::kGet, .path_template = "/fast", .handler = Text("fast")});
    RunningServer server(std::move(router), {});
    Client idle(server.port());
    ASSERT_TRUE(idle.Send(Get("/fast")));
    ASSERT_TRUE(idle.Read());
    Client in_flight(server.port());
    ASSERT_TRUE(in_flight.Send(Get("/slow")));
    gate.WaitInside(1);

    std::thread stopper([&] { server.StopAndJoin(); });
    EXPECT_TRUE(idle.WaitClosed());
    gate.Open();
    const auto response = in_flight.Read();
    EXPECT_TRUE(in_flight.WaitClosed());
    in_flight.Close();  // as a client does after "Connection: close"; the server waits for it
    stopper.join();     // Run() returned
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, "finished");
    EXPECT_EQ(response->Header("connection"), "close");
    EXPECT_THROW(Client{server.port()}, std::runtime_error);
}

TEST(ServerTest, ShutdownGraceEndsStuckConnections) {
    RunningServer server(EchoRouter(), {.read_timeout = 60s, .shutdown_grace = 200ms});
    Client half(server.port());
    ASSERT_TRUE(half.Send("GET /healthz HTTP/1.1\r\n"));  // a request in progress, never ending
    std::this_thread::sleep_for(20ms);
    server.StopAndJoin();  // returns once the grace is over
    EXPECT_TRUE(half.WaitClosed());
}

TEST(ServerTest, HandlersStuckPastTheGraceAreGivenUpOn) {
    Gate gate;
    std::atomic<int> calls{0};
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/hung", .handler = [&](Request&) {
                    gate.Enter();
                    return Response{.body = "late"};
                }});
    RunningServer server(
        std::move(router),
        {.shutdown_grace = 100ms, .stuck_handler_wait = 100ms, .on_stuck_handlers = [&] {
             ++calls;
             gate.Open();  // what exiting would do for us
         }});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/hung")));
    gate.WaitInside(1);
    server.StopAndJoin();  // returns only because the callback let the handler go
    EXPECT_EQ(calls.load(), 1);
}

TEST(ServerTest, StopBeforeRunMakesRunReturn) {
    Router router;
    Metrics metrics;
    Server server({.port = 0}, router, metrics);
    server.Listen();
    server.Stop();
    std::thread runner([&] { server.Run(); });
    runner.join();
    SUCCEED();
}

TEST(ServerTest, RunListensWhenNotYetListening) {
    Router router;
    router.Add({.method = Method::kGet, .path_template = "/", .handler = Text("root")});
    Metrics metrics;
    Server server({.port = 0}, router, metrics);
    std::thread runner([&] { server.Run(); });
    // port() is known once Run() has bound; poll for it.
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (server.port() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    ASSERT_NE(server.port(), 0);
    {
        Client client(server.port());
        ASSERT_TRUE(client.Send(Get("/")));
        EXPECT_EQ(client.Read().value().body, "root");
    }
    server.Stop();
    runner.join();
}

TEST(ServerTest, ListenFailureNamesTheAddress) {
    Router router;
    Metrics metrics;
    Server first({.port = 0}, router, metrics);
    first.Listen();
    Server second({.port = first.port()}, router, metrics);
    try {
        second.Listen();
        FAIL() << "Listen() should have thrown";
    } catch (const std::runtime_error& e) {
        const std::string expected = "cannot listen on 127.0.0.1:" + std::to_string(first.port());
        EXPECT_EQ(std::string(e.what()).rfind(expected + ": ", 0), 0U) << e.what();
    }
    Server bad_host({.host = "256.0.0.1", .port = 0}, router, metrics);
    EXPECT_THROW(bad_host.Listen(), std::runtime_error);
}

TEST(ServerTest, RejectsImpossibleOptions) {
    Router router;
    Metrics metrics;
    EXPECT_THROW(Server({.io_threads = 0}, router, metrics), std::invalid_argument);
    EXPECT_THROW(Server({.worker_threads = 0}, router, metrics), std::invalid_argument);
    EXPECT_THROW(Server({.max_connections = 0}, router, metrics), std::invalid_argument);
    EXPECT_THROW(Server({.read_timeout = 0ms}, router, metrics), std::invalid_argument);
}

TEST(ServerTest, ServesWithSeveralIoThreads) {
    RunningServer server(EchoRouter(), {.io_threads = 3, .worker_threads = 2});
    std::vector<std::thread> clients;
    std::atomic<int> ok{0};
    for (int c = 0; c < 6; ++c) {
        clients.emplace_back([&] {
            Client client(server.port());
            for (int i = 0; i < 20; ++i) {
                if (!client.Send(Get("/items/" + std::to_string(i)))) return;
                const auto response = client.Read();
                if (response && response->status == 200) ++ok;
            }
        });
    }
    for (auto& thread : clients) thread.join();
    EXPECT_EQ(ok.load(), 120);
}

// An event stream that the test feeds by hand.
class TestStream : public EventStream {
  public:
    void SetWakeup(std::function<void()> wake) override {
        const std::lock_guard lock(mutex_);
        wake_ = std::move(wake);
    }
    std::optional<std::string> Drain() override {
        const std::lock_guard lock(mutex_);
        if (ended_) return std::nullopt;
        return std::exchange(pending_, {});
    }
    void Close() override {
        const std::lock_guard lock(mutex_);
        wake_ = nullptr;
        ++closes_;
        changed_.notify_all();
    }

    void Push(std::string_view data) {
        const std::lock_guard lock(mutex_);
        pending_ += data;
        if (wake_) wake_();
    }
    void End() {
        const std::lock_guard lock(mutex_);
        ended_ = true;
        if (wake_) wake_();
    }
    // Whether the server has closed the stream (within kPatience).
    bool WaitClosed() {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, kPatience, [&] { return closes_ > 0; });
    }
    int closes() {
        const std::lock_guard lock(mutex_);
        return closes_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::function<void()> wake_;
    std::string pending_;
    bool ended_ = false;
    int closes_ = 0;
};

// GET /events answers a new TestStream each time (with `initial` already queued); the test
// finds them in order with At().
class StreamSource {
  public:
    explicit StreamSource(int status = 200, std::string initial = {})
        : status_(status), initial_(std::move(initial)) {}

    Router MakeRouter() {
        Router router;
        router.Add(
            {.method = Method::kGet, .path_template = "/events", .handler = [this](Request&) {
                 auto stream = std::make_shared<TestStream>();
                 stream->Push(initial_);
                 {
                     const std::lock_guard lock(mutex_);
                     streams_.push_back(stream);
                 }
                 Response response;
                 response.status = status_;
                 response.content_type = "text/plain";
                 response.body = "not a stream";
                 response.SetHeader("X-Custom", "yes");
                 response.SetHeader("Content-Length", "5");  // dropped: framing
                 response.stream = stream;
                 return response;
             }});
        return router;
    }
    std::shared_ptr<TestStream> At(std::size_t index) {
        const std::lock_guard lock(mutex_);
        return index < streams_.size() ? streams_[index] : nullptr;
    }

  private:
    const int status_;
    const std::string initial_;
    std::mutex mutex_;
    std::vector<std::shared_ptr<TestStream>> streams_;
};

// Whether the rendered metrics contain `line` within kPatience.
bool WaitForMetric(const Metrics& metrics, std::string_view line) {
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (std::chrono::steady_clock::now() < deadline) {
        if (metrics.Render().find(line) != std::string::npos) return true;
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

TEST(ServerStreamTest, SendsTheHeadersThenEachPieceAsItComes) {
    StreamSource source;
    RunningServer server(source.MakeRouter(), {.cors_origins = {"https://app.example"}});
    Client client(server.port());
    ASSERT_TRUE(
        client.Send(Get("/events", "X-Request-Id: stream-1\r\nOrigin: https://app.example\r\n")));
    const auto head = client.ReadHead();
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->Header("content-type"), "text/event-stream");
    EXPECT_EQ(head->Header("cache-control"), "no-cache");
    EXPECT_EQ(head->Header("transfer-encoding"), "chunked");
    EXPECT_EQ(head->Header("connection"), "close");
    EXPECT_EQ(head->Header("x-request-id"), "stream-1");
    EXPECT_EQ(head->Header("x-custom"), "yes");
    EXPECT_EQ(head->Header("access-control-allow-origin"), "https://app.example");
    EXPECT_FALSE(head->Header("content-length"));

    const auto stream = source.At(0);
    ASSERT_TRUE(stream);
    stream->Push("data: one\n\n");
    EXPECT_TRUE(client.ReadUntil("b\r\ndata: one\n\n\r\n"));  // one chunk of 11 bytes
    stream->Push("data: two\n\n");
    EXPECT_TRUE(client.ReadUntil("data: two\n\n"));
    const std::string text = server.metrics().Render();
    EXPECT_NE(text.find(R"(nanotasks_http_requests_total{method="GET",route="/events",)"
                        R"(status="200"} 1)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\nnanotasks_http_streams_open 1\n"), std::string::npos);
    EXPECT_EQ(stream->closes(), 0);
}

TEST(ServerStreamTest, SendsWhatWasQueuedBeforeTheHeaders) {
    StreamSource source(200, "id: 7\ndata: replayed\n\n");
    RunningServer server(source.MakeRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/events")));
    ASSERT_EQ(client.ReadHead().value().status, 200);
    EXPECT_TRUE(client.ReadUntil("id: 7\ndata: replayed\n\n"));
}

TEST(ServerStreamTest, QuietStreamGetsHeartbeats) {
    StreamSource source;
    RunningServer server(source.MakeRouter(), {.stream_heartbeat = 20ms});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/events")));
    ASSERT_EQ(client.ReadHead().value().status, 200);
    EXPECT_TRUE(client.ReadUntil(": ping\n\n"));
    EXPECT_TRUE(client.ReadUntil(": ping\n\n"));
}

TEST(ServerStreamTest, ClientThatLeavesFreesTheStreamAtOnce) {
    StreamSource source;
    // No heartbeat for a minute: only the pending read can notice the close.
    RunningServer server(source.MakeRouter(), {.stream_heartbeat = 60s});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/events")));
    ASSERT_EQ(client.ReadHead().value().status, 200);
    EXPECT_NE(server.metrics().Render().find("\nnanotasks_http_streams_open 1\n"),
              std::string::npos);
    client.Close();
    const auto stream = source.At(0);
    EXPECT_TRUE(stream->WaitClosed());
    EXPECT_TRUE(WaitForMetric(server.metrics(), "\nnanotasks_http_streams_open 0\n"));
    EXPECT_TRUE(WaitForMetric(server.metrics(), "\nnanotasks_http_connections_open 0\n"));
    stream->Push("data: late\n\n");  // no wake-up any more: nothing happens
    EXPECT_EQ(stream->closes(), 1);
}

TEST(ServerStreamTest, StreamThatEndsFinishesTheResponseAndCloses) {
    StreamSource source;
    RunningServer server(source.MakeRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/events")));
    ASSERT_EQ(client.ReadHead().value().status, 200);
    source.At(0)->End();
    EXPECT_TRUE(client.ReadUntil("0\r\n\r\n"));
    EXPECT_TRUE(client.WaitClosed());
    EXPECT_TRUE(source.At(0)->WaitClosed());
    EXPECT_TRUE(WaitForMetric(server.metrics(), "\nnanotasks_http_streams_open 0\n"));
}

TEST(ServerStreamTest, Http10StreamIsDelimitedByTheClose) {
    StreamSource source;
    RunningServer server(source.MakeRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send("GET /events HTTP/1.0\r\n\r\n"));
    const auto head = client.ReadHead();
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_FALSE(head->Header("transfer-encoding"));
    EXPECT_FALSE(head->Header("content-length"));
    source.At(0)->Push("data: plain\n\n");
    EXPECT_TRUE(client.ReadUntil("data: plain\n\n"));
    source.At(0)->End();
    EXPECT_TRUE(client.WaitClosed());
}

TEST(ServerStreamTest, StreamsOverTheCapAreRefused) {
    StreamSource source;
    RunningServer server(source.MakeRouter(), {.max_streams = 1});
    Client first(server.port());
    ASSERT_TRUE(first.Send(Get("/events")));
    ASSERT_EQ(first.ReadHead().value().status, 200);

    Client second(server.port());
    ASSERT_TRUE(second.Send(Get("/events")));
    const auto refused = second.Read();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 503);
    EXPECT_EQ(refused->Header("retry-after"), "1");
    EXPECT_NE(refused->body.find(R"("code":"service_unavailable")"), std::string::npos);
    EXPECT_TRUE(source.At(1)->WaitClosed());
    EXPECT_NE(server.metrics().Render().find("\nnanotasks_http_streams_open 1\n"),
              std::string::npos);

    // Once the first leaves, its slot is free again.
    first.Close();
    ASSERT_TRUE(WaitForMetric(server.metrics(), "\nnanotasks_http_streams_open 0\n"));
    ASSERT_TRUE(second.Send(Get("/events")));
    EXPECT_EQ(second.ReadHead().value().status, 200);
}

TEST(ServerStreamTest, StreamWithAnotherStatusIsAnOrdinaryResponse) {
    StreamSource source(202);
    RunningServer server(source.MakeRouter(), {});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/events")));
    const auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 202);
    EXPECT_EQ(response->body, "not a stream");
    EXPECT_TRUE(source.At(0)->WaitClosed());
    EXPECT_NE(server.metrics().Render().find("\nnanotasks_http_streams_open 0\n"),
              std::string::npos);
}

TEST(ServerStreamTest, StopEndsStreamsWithoutWaitingForTheGrace) {
    StreamSource source;
    RunningServer server(source.MakeRouter(), {.shutdown_grace = 60s, .stream_heartbeat = 60s});
    Client client(server.port());
    ASSERT_TRUE(client.Send(Get("/events")));
    ASSERT_EQ(client.ReadHead().value().status, 200);
    const auto started = std::chrono::steady_clock::now();
    server.StopAndJoin();
    // Far below the grace: the stream did not hold the shutdown.
    EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
    EXPECT_TRUE(client.ReadUntil("0\r\n\r\n"));
    EXPECT_TRUE(client.WaitClosed());
    EXPECT_EQ(source.At(0)->closes(), 1);
}

}  // namespace
}  // namespace nanotasks::http
