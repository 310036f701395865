"""GET /notifications/stream: Server-Sent Events over a raw socket.

Every wait is a bounded poll (PATIENCE seconds) for something that must happen; nothing asserts
how fast it happened.
"""
import json
import re
import socket
import time
import unittest

from harness import ADMIN_EMAIL, ADMIN_PASSWORD, Server
from marketplace import MarketplaceTestCase

PATIENCE = 10
STREAM_PATH = "/api/v1/notifications/stream"


class EventStream:
    """A raw-socket SSE client: the response head, then the body (chunked or not) cut into
    event blocks, each a dict with "id", "event", "data" and "comments"."""

    def __init__(self, port, token=None, last_event_id=None, origin=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
        lines = [f"GET {STREAM_PATH} HTTP/1.1", "Host: e2e", "Accept: text/event-stream"]
        if token:
            lines.append("Authorization: Bearer " + token)
        if last_event_id is not None:
            lines.append("Last-Event-ID: " + last_event_id)
        if origin:
            lines.append("Origin: " + origin)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.raw = b""
        self.body = b""
        self.closed = False
        self.finished = False  # the terminating chunk arrived
        deadline = time.time() + PATIENCE
        while b"\r\n\r\n" not in self.raw:
            if not self._fill(deadline):
                raise AssertionError("no response head: %r" % self.raw)
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode().split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        self.blocks = []

    def _fill(self, deadline):
        left = deadline - time.time()
        if left <= 0 or self.closed:
            return False
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return False
        self.raw += data
        return True

    def _decode(self):
        if not self.chunked:
            self.body += self.raw
            self.raw = b""
            return
        while True:
            line_end = self.raw.find(b"\r\n")
            if line_end < 0:
                return
            size = int(self.raw[:line_end].split(b";")[0], 16)
            if size == 0:
                self.finished = True
                self.raw = b""
                return
            if len(self.raw) < line_end + 2 + size + 2:
                return
            self.body += self.raw[line_end + 2:line_end + 2 + size]
            self.raw = self.raw[line_end + 2 + size + 2:]

    def _parse_blocks(self):
        while b"\n\n" in self.body:
            text, self.body = self.body.split(b"\n\n", 1)
            block = {"id": None, "event": None, "data": None, "comments": []}
            for line in text.decode().split("\n"):
                if line.startswith(":"):
                    block["comments"].append(line[1:].strip())
                    continue
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "data" and block["data"] is not None:
                    block["data"] += "\n" + value
                else:
                    block[field] = value
            self.blocks.append(block)

    def wait_for(self, predicate, what="the expected event"):
        """The first block (in arrival order, kept or new) that satisfies predicate."""
        deadline = time.time() + PATIENCE
        checked = 0
        while True:
            self._decode()
            self._parse_blocks()
            for block in self.blocks[checked:]:
                if predicate(block):
                    return block
            checked = len(self.blocks)
            if not self._fill(deadline):
                raise AssertionError(f"{what} did not arrive within {PATIENCE} s; got "
                                     f"{self.blocks!r}, closed={self.closed}")

    def events(self):
        self._decode()
        self._parse_blocks()
        return [b for b in self.blocks if b["event"] == "notification"]

    def wait_closed(self):
        deadline = time.time() + PATIENCE
        while self._fill(deadline) or not self.closed:
            if time.time() > deadline:
                return False
        self._decode()
        return True

    def close(self):
        self.sock.close()


def notification_event(notification_id):
    return lambda b: b["event"] == "notification" and b["id"] == notification_id


class NotificationStreamTest(MarketplaceTestCase):
    server_env = {"NANOTASKS_SSE_HEARTBEAT": "1"}

    def open_stream(self, user, **kwargs):
        stream = EventStream(self.server.port, user["access_token"], **kwargs)
        self.addCleanup(stream.close)
        return stream

    def streams_open(self):
        text = self.server.request("GET", "/metrics").raw.decode()
        match = re.search(r"^nanotasks_http_streams_open (\S+)$", text, re.M)
        self.assertIsNotNone(match, text)
        return float(match.group(1))

    def wait_streams_open(self, count):
        self.poll(lambda: self.streams_open() == count, seconds=PATIENCE, interval=0.05)

    def test_a_submission_reaches_the_buyers_stream(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=2)
        stream = self.open_stream(buyer)
        self.assertEqual(stream.status, 200)
        self.assertTrue(stream.headers["content-type"].startswith("text/event-stream"))
        self.assertEqual(stream.headers["cache-control"], "no-cache")
        self.assertTrue(stream.headers.get("x-request-id"))
        self.assertNotIn("content-length", stream.headers)

        self.submit(self.register("worker"), task["id"])
        [note] = self.notifications(buyer)
        event = stream.wait_for(notification_event(note["id"]))
        # The data is the same object as the list's item.
        self.assertEqual(json.loads(event["data"]), note)
        # A second one comes on the same stream, after the first.
        self.submit(self.register("worker"), task["id"])
        newest = self.notifications(buyer)[0]
        self.assertNotEqual(newest["id"], note["id"])
        stream.wait_for(notification_event(newest["id"]))
        self.assertEqual([e["id"] for e in stream.events()], [note["id"], newest["id"]])

    def test_only_the_callers_notifications_and_only_new_ones(self):
        buyer = self.register("buyer")
        other = self.register("buyer")
        task = self.create_task(buyer, required_workers=3)
        other_task = self.create_task(other, required_workers=1)
        self.submit(self.register("worker"), task["id"])  # before the stream: not sent
        [old] = self.notifications(buyer)
        stream = self.open_stream(buyer)
        self.submit(self.register("worker"), other_task["id"])  # someone else's
        self.submit(self.register("worker"), task["id"])
        newest = self.notifications(buyer)[0]
        stream.wait_for(notification_event(newest["id"]))
        ids = [e["id"] for e in stream.events()]
        self.assertEqual(ids, [newest["id"]])
        self.assertNotIn(old["id"], ids)

    def test_heartbeat_comments_keep_an_idle_stream_alive(self):
        stream = self.open_stream(self.register("worker"))
        first = stream.wait_for(lambda b: "ping" in b["comments"], "a heartbeat")
        stream.wait_for(lambda b: "ping" in b["comments"] and b is not first,
                        "a second heartbeat")

    def test_last_event_id_replays_what_came_after_it(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=3)
        for _ in range(3):
            self.submit(self.register("worker"), task["id"])
        notes = self.notifications(buyer)  # newest first
        oldest = notes[-1]
        stream = self.open_stream(buyer, last_event_id=oldest["id"])
        expected = [n["id"] for n in reversed(notes[:-1])]
        stream.wait_for(notification_event(expected[-1]))
        self.assertEqual([e["id"] for e in stream.events()], expected)
        self.assertEqual(json.loads(stream.events()[0]["data"]), notes[-2])

    def test_invalid_last_event_id_is_422(self):
        token = self.register("worker")["access_token"]
        r = self.server.api("GET", "/notifications/stream", token=token,
                            headers={"Last-Event-ID": "not an id"})
        self.assertProblem(r, 422, "validation_failed")

    def test_signed_in_only(self):
        self.assertProblem(self.server.api("GET", "/notifications/stream"), 401,
                           "unauthenticated")
        r = self.server.api("GET", "/notifications/stream", token="forged.token.value")
        self.assertProblem(r, 401, "unauthenticated")
        stream = EventStream(self.server.port)
        self.addCleanup(stream.close)
        self.assertEqual(stream.status, 401)

    def test_every_role_may_listen(self):
        login = self.server.api("POST", "/auth/login",
                                {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        for user in (self.register("worker"), self.register("buyer"), login.json):
            with self.subTest(user.get("user", {}).get("role")):
                self.assertEqual(self.open_stream(user).status, 200)

    def test_closing_the_socket_frees_the_stream(self):
        self.wait_streams_open(0)
        stream = self.open_stream(self.register("worker"))
        self.assertEqual(stream.status, 200)
        self.wait_streams_open(1)
        stream.close()
        self.wait_streams_open(0)

    def set_status(self, user, status):
        r = self.server.api("PATCH", f"/admin/users/{user['user']['id']}", {"status": status},
                            token=self.admin_token)
        self.assertEqual(r.status, 200, r)

    def test_suspending_the_account_ends_its_stream(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=2)
        stream = self.open_stream(buyer)
        self.submit(self.register("worker"), task["id"])
        [first] = self.notifications(buyer)
        stream.wait_for(notification_event(first["id"]))

        self.set_status(buyer, "suspended")
        # Whatever happens to the account meanwhile is no longer streamed to it.
        self.submit(self.register("worker"), task["id"], expect=None)
        self.assertTrue(stream.wait_closed(), "the stream of a suspended account stays open")
        self.assertTrue(stream.finished, "the chunked body was terminated")
        self.assertEqual([e["id"] for e in stream.events()], [first["id"]])
        # And it cannot come back.
        again = EventStream(self.server.port, buyer["access_token"])
        self.addCleanup(again.close)
        self.assertEqual(again.status, 403)

    def test_removing_the_account_ends_its_stream(self):
        worker = self.register("worker")
        stream = self.open_stream(worker)
        self.assertEqual(stream.status, 200)
        r = self.server.api("DELETE", f"/admin/users/{worker['user']['id']}",
                            token=self.admin_token)
        self.assertEqual(r.status, 204, r)
        self.assertTrue(stream.wait_closed(), "the stream of a removed account stays open")
        self.assertEqual(stream.events(), [])
        self.wait_streams_open(0)

    def test_stream_is_documented(self):
        document = self.server.request("GET", "/openapi.json").json
        operation = document["paths"][STREAM_PATH]["get"]
        self.assertIn("text/event-stream", operation["responses"]["200"]["content"])
        self.assertIn("Last-Event-ID", [p["name"] for p in operation["parameters"]])


class NotificationStreamShutdownTest(unittest.TestCase):
    def test_shutdown_ends_open_streams_without_waiting_for_the_grace(self):
        server = Server({"NANOTASKS_SHUTDOWN_GRACE": "120"})
        try:
            login = server.api("POST", "/auth/login",
                               {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
            stream = EventStream(server.port, login.json["access_token"])
            self.assertEqual(stream.status, 200)
            # A stream that held the shutdown would keep the process past this bound (the grace
            # is two minutes), and the harness would kill it.
            self.assertEqual(server.stop(timeout=60), 0, server.logs())
            self.assertTrue(stream.wait_closed())
            self.assertTrue(stream.finished, "the chunked body was terminated")
            stream.close()
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
