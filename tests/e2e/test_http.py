"""The HTTP core over a real socket: errors, limits, request ids, CORS, operations routes."""
import json
import resource
import socket
import time
import unittest

from harness import Server, ServerTestCase


class HttpCoreTest(ServerTestCase):
    server_env = {"NANOTASKS_CORS_ORIGINS": "https://app.example.com",
                  "NANOTASKS_MAX_BODY_BYTES": "2048", "NANOTASKS_READ_TIMEOUT": "1"}

    def test_unknown_path_is_404_problem(self):
        r = self.server.api("GET", "/no/such/thing")
        self.assertProblem(r, 404, "not_found")

    def test_wrong_method_is_405_with_allow(self):
        r = self.server.api("DELETE", "/me")
        self.assertProblem(r, 405, "method_not_allowed")
        allow = [m.strip() for m in r.header("Allow").split(",")]
        self.assertIn("GET", allow)
        self.assertIn("PATCH", allow)

    def test_request_id_is_echoed_or_generated(self):
        r = self.server.request("GET", "/healthz", headers={"X-Request-Id": "abc.DEF-123_x"})
        self.assertEqual(r.header("X-Request-Id"), "abc.DEF-123_x")
        r = self.server.request("GET", "/healthz", headers={"X-Request-Id": "bad id!"})
        self.assertNotEqual(r.header("X-Request-Id"), "bad id!")
        self.assertTrue(r.header("X-Request-Id"))
        r = self.server.request("GET", "/healthz", headers={"X-Request-Id": "x" * 129})
        self.assertNotEqual(r.header("X-Request-Id"), "x" * 129)
        r = self.server.api("GET", "/nope", headers={"X-Request-Id": "trace-1"})
        self.assertEqual(r.json["request_id"], "trace-1")

    def test_body_over_limit_is_413(self):
        r = self.server.api("POST", "/auth/login", raw=json.dumps({"email": "a" * 4000}))
        self.assertProblem(r, 413, "payload_too_large")

    def test_non_json_body_is_415(self):
        r = self.server.api("POST", "/auth/login", raw="email=a", content_type="text/plain")
        self.assertProblem(r, 415, "unsupported_media_type")
        r = self.server.api("POST", "/auth/login", raw='{"email":"a"}', content_type=None)
        self.assertProblem(r, 415, "unsupported_media_type")

    def test_malformed_json_is_400(self):
        for raw in ['{"email": ', '{"a":1,"a":2}', "[" * 33 + "]" * 33, b'{"a":"\xff"}']:
            r = self.server.api("POST", "/auth/login", raw=raw)
            self.assertProblem(r, 400, "malformed_json")
        # 32 levels are allowed (then the body is simply not a login).
        r = self.server.api("POST", "/auth/login", raw="[" * 32 + "]" * 32)
        self.assertProblem(r, 422, "validation_failed")

    def test_unknown_field_is_422(self):
        r = self.server.api("POST", "/auth/register", {
            "name": "X", "email": "x@example.com", "password": "password-1", "role": "worker",
            "coins": 1000})
        problem = self.assertProblem(r, 422, "validation_failed")
        self.assertIn({"field": "coins", "code": "unknown_field"},
                      [{"field": e["field"], "code": e["code"]} for e in problem["errors"]])

    def test_cors_preflight_and_headers(self):
        r = self.server.api("OPTIONS", "/me", headers={
            "Origin": "https://app.example.com", "Access-Control-Request-Method": "PATCH"})
        self.assertEqual(r.status, 204)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "https://app.example.com")
        self.assertIn("PATCH", r.header("Access-Control-Allow-Methods"))
        r = self.server.request("GET", "/healthz", headers={"Origin": "https://app.example.com"})
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "https://app.example.com")
        r = self.server.request("GET", "/healthz", headers={"Origin": "https://evil.example.com"})
        self.assertIsNone(r.header("Access-Control-Allow-Origin"))

    def test_operations_routes(self):
        self.assertEqual(self.server.request("GET", "/healthz").status, 200)
        self.assertEqual(self.server.request("GET", "/readyz").status, 200)
        metrics = self.server.request("GET", "/metrics")
        self.assertEqual(metrics.status, 200)
        text = metrics.raw.decode()
        self.assertIn("nanotasks_http_requests_total", text)
        self.assertIn("nanotasks_http_request_duration_seconds_bucket", text)
        self.assertIn("nanotasks_db_pool_in_use", text)
        self.assertIn("nanotasks_worker_pool_", text)
        doc = self.server.request("GET", "/openapi.json")
        self.assertEqual(doc.status, 200)
        self.assertEqual(doc.json["openapi"], "3.1.0")
        self.assertIn("/api/v1/auth/register", doc.json["paths"])
        self.assertIn("post", doc.json["paths"]["/api/v1/auth/register"])

    def test_keep_alive_serves_two_requests_on_one_connection(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            s.sendall(request + request)
            data = b""
            deadline = time.time() + 10
            while data.count(b"HTTP/1.1 200") < 2 and time.time() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            self.assertEqual(data.count(b"HTTP/1.1 200"), 2, data)

    def test_slow_client_is_cut_off(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=15) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            closed = False
            deadline = time.time() + 15
            while time.time() < deadline:
                try:
                    s.sendall(b"X-Slow: 1\r\n")
                    time.sleep(0.2)
                    s.settimeout(0.05)
                    try:
                        if s.recv(65536) == b"":
                            closed = True
                            break
                    except socket.timeout:
                        pass
                except OSError:
                    closed = True
                    break
            self.assertTrue(closed, "a client trickling headers must be disconnected")

    def test_a_code_has_one_title_wherever_it_is_answered(self):
        # not_found from the router (no such path) and from an endpoint (no such task).
        by_router = self.server.api("GET", "/no/such/thing")
        token = self.register("worker")["access_token"]
        by_endpoint = self.server.api("GET", "/tasks/0190b6c2-7d3e-7a41-9c2f-5b8e1d2a3c4f",
                                      token=token)
        self.assertProblem(by_router, 404, "not_found")
        self.assertProblem(by_endpoint, 404, "not_found")
        self.assertEqual(by_router.json["title"], "Not Found")
        self.assertEqual(by_endpoint.json["title"], "Not Found")
        # payload_too_large from the server, unsupported_media_type from the dispatcher: the
        # status line's reason phrase too.
        r = self.server.api("POST", "/auth/login", raw=json.dumps({"email": "a" * 4000}))
        self.assertEqual(r.json["title"], "Payload Too Large")
        r = self.server.api("POST", "/auth/login", raw="email=a", content_type="text/plain")
        self.assertEqual(r.json["title"], "Unsupported Media Type")

    def test_401_names_the_bearer_scheme(self):
        for token in (None, "not.a.token"):
            r = self.server.api("GET", "/me", token=token)
            self.assertProblem(r, 401, "unauthenticated")
            self.assertEqual(r.header("WWW-Authenticate"), "Bearer")
        r = self.server.api("POST", "/auth/login",
                            {"email": "nobody@example.com", "password": "password-123"})
        self.assertProblem(r, 401, "invalid_credentials")
        self.assertEqual(r.header("WWW-Authenticate"), "Bearer")
        self.assertIsNone(self.server.request("GET", "/healthz").header("WWW-Authenticate"))

    def test_json_in_another_charset_is_415(self):
        body = json.dumps({"email": "a@example.com", "password": "password-123"})
        for content_type in ("application/json; charset=iso-8859-1",
                             'application/json; charset="latin1"',
                             "application/json;charset=UTF-16"):
            r = self.server.api("POST", "/auth/login", raw=body, content_type=content_type)
            self.assertProblem(r, 415, "unsupported_media_type")
        for content_type in ("application/json; charset=utf-8", "application/json;charset=UTF-8",
                             'application/json; charset="utf-8"', "application/json"):
            r = self.server.api("POST", "/auth/login", raw=body, content_type=content_type)
            self.assertProblem(r, 401, "invalid_credentials")

    def raw_exchange(self, request):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(request)
            data = b""
            deadline = time.time() + 10
            while b"\r\n\r\n" not in data and time.time() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            return data

    def test_http11_request_without_host_is_400(self):
        data = self.raw_exchange(b"GET /healthz HTTP/1.1\r\n\r\n")
        self.assertTrue(data.startswith(b"HTTP/1.1 400 "), data)
        self.assertIn(b'"code":"bad_request"', data)
        data = self.raw_exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data)

    def test_head_is_get_without_the_body(self):
        get = self.server.request("GET", "/openapi.json")
        head = self.server.request("HEAD", "/openapi.json")
        self.assertEqual(head.status, 200)
        self.assertEqual(head.raw, b"")
        self.assertEqual(head.header("Content-Length"), str(len(get.raw)))
        self.assertEqual(head.header("Content-Type"), get.header("Content-Type"))
        token = self.register("worker")["access_token"]
        self.assertEqual(self.server.api("HEAD", "/me", token=token).status, 200)
        self.assertEqual(self.server.api("HEAD", "/me").status, 401)
        # An event stream answers with its head and ends at once.
        stream = self.server.api("HEAD", "/notifications/stream", token=token, timeout=10)
        self.assertEqual(stream.status, 200)
        self.assertTrue(stream.header("Content-Type").startswith("text/event-stream"))
        self.assertIn("nanotasks_http_streams_open 0",
                      self.server.request("GET", "/metrics").raw.decode())
        allow = [m.strip() for m in self.server.api("DELETE", "/me").header("Allow").split(",")]
        self.assertIn("HEAD", allow)

    def test_no_error_leaks_internals(self):
        r = self.server.api("GET", "/me", token="not.a.token")
        self.assertProblem(r, 401, "unauthenticated")
        for forbidden in ("SELECT", "sqlite", "/src/", ".cpp", "Traceback"):
            self.assertNotIn(forbidden, r.raw.decode())


if __name__ == "__main__":
    unittest.main()


class FileLimitTest(unittest.TestCase):
    """Under a low limit on open files the connection cap shrinks to fit, so that connections
    over it get a 503 instead of piling up in the kernel's backlog while accept() fails."""

    def test_connections_over_the_file_limit_get_503(self):
        def low_file_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (200, 200))

        server = Server(preexec_fn=low_file_limit)
        idle = []
        try:
            for _ in range(190):
                idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
            answers = []
            for _ in range(3):
                r = server.request("GET", "/healthz", timeout=5)
                answers.append(r.status)
            self.assertIn(503, answers, answers)
        finally:
            for s in idle:
                s.close()
            server.stop()
        with open(server.log_path, encoding="utf-8", errors="replace") as log:
            self.assertIn("NANOTASKS_MAX_CONNECTIONS lowered", log.read())
        server.cleanup()
