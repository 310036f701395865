"""A local HTTP server that speaks the part of Stripe's API the server uses, and records calls.

POST /v1/payment_intents (form-encoded, `Authorization: Bearer <key>`) answers a PaymentIntent
{id: "pi_...", client_secret: "pi_..._secret_...", amount, currency, status, metadata}. Like
Stripe, a repeated Idempotency-Key returns the first answer. `fail_next(n)` makes the next n
calls answer 500 (to exercise retries); `refuse_next(n)` answers 400 as Stripe does for a bad
request, which must not be retried. `hang()` makes every call wait without answering until
`release()` (a Stripe that stopped responding); `hanging` counts the calls waiting.
"""
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import ServerTestCase

SECRET_KEY = "sk_test_" + "0123456789abcdef" * 2
WEBHOOK_SECRET = "whsec_" + "fedcba9876543210" * 2


def sign(payload, secret=WEBHOOK_SECRET, timestamp=None):
    """A Stripe-Signature header for payload (bytes) signed at timestamp (default: now)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def intent_event(event_type, intent, event_id=None, **overrides):
    """A Stripe event whose data.object is a copy of intent with overrides applied."""
    obj = dict(intent)
    obj.update(overrides)
    return {
        "id": event_id or "evt_" + secrets.token_hex(12),
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": obj},
    }


class FakeStripe:
    def __init__(self):
        self.calls = []
        self.intents = {}  # PaymentIntent id -> the object
        self._by_key = {}  # Idempotency-Key -> (status, body)
        self._lock = threading.Lock()
        self._failures = []  # statuses for the next calls
        self._answer = threading.Event()  # cleared while calls hang
        self._answer.set()
        self.hanging = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                fake._wait_while_hanging()
                status, body = fake._handle(self.path, dict(self.headers.items()), raw)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def server_env(self):
        return {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "STRIPE_API_BASE": self.base_url}

    def fail_next(self, count, status=500):
        with self._lock:
            self._failures.extend([status] * count)

    def refuse_next(self, count):
        self.fail_next(count, status=400)

    def hang(self):
        self._answer.clear()

    def release(self):
        self._answer.set()

    def reset(self):
        self.release()
        with self._lock:
            self.calls.clear()
            self._failures.clear()

    def stop(self):
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def _wait_while_hanging(self):
        if self._answer.is_set():
            return
        with self._lock:
            self.hanging += 1
        try:
            self._answer.wait(timeout=120)
        finally:
            with self._lock:
                self.hanging -= 1

    def _handle(self, path, headers, raw):
        headers = {k.lower(): v for k, v in headers.items()}
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        with self._lock:
            self.calls.append({"path": path, "headers": headers, "form": form})
            if path != "/v1/payment_intents":
                return 404, {"error": {"type": "invalid_request_error", "message": "no route"}}
            if headers.get("authorization") != "Bearer " + SECRET_KEY:
                return 401, {"error": {"type": "invalid_request_error",
                                       "message": "Invalid API Key provided"}}
            if self._failures:
                status = self._failures.pop(0)
                kind = "api_error" if status >= 500 else "invalid_request_error"
                return status, {"error": {"type": kind, "message": "injected failure"}}
            key = headers.get("idempotency-key")
            if key in self._by_key:
                return self._by_key[key]
            intent_id = "pi_" + secrets.token_hex(12)
            metadata = {k[len("metadata["):-1]: v for k, v in form.items()
                        if k.startswith("metadata[")}
            intent = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": int(form["amount"]),
                "amount_received": 0,
                "currency": form["currency"],
                "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
                "status": "requires_payment_method",
                "metadata": metadata,
            }
            self.intents[intent_id] = intent
            answer = (200, intent)
            if key:
                self._by_key[key] = answer
            return answer


class FakeStripeTestCase(ServerTestCase):
    """One server per test class, pointed at a fake Stripe of its own."""

    @classmethod
    def setUpClass(cls):
        cls.stripe = FakeStripe()
        cls.server_env = cls.stripe.server_env()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.stripe.stop()
