"""Accounts and sessions: register, login, refresh rotation and reuse, logout, /me, throttling."""
import base64
import hashlib
import hmac
import http.client
import itertools
import json
import secrets
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

from harness import (ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, Response, Server,
                     ServerTestCase)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(payload, header=None, key=JWT_SECRET.encode()):
    header = header or {"alg": "HS256", "typ": "JWT"}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


class RegisterTest(ServerTestCase):
    def test_register_worker_and_buyer_with_bonus(self):
        worker = self.register("worker")
        self.assertEqual(worker["user"]["coins"], 10)
        self.assertEqual(worker["token_type"], "Bearer")
        self.assertEqual(worker["expires_in"], 900)
        self.assertEqual(worker["user"]["status"], "active")
        self.assertRegex(worker["user"]["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        buyer = self.register("buyer")
        self.assertEqual(buyer["user"]["coins"], 50)
        self.assertEqual(set(worker["user"]),
                         {"id", "name", "email", "role", "coins", "photo_url", "status",
                          "created_at"})

    def test_all_invalid_fields_reported_at_once(self):
        r = self.server.api("POST", "/auth/register", {
            "name": "", "email": "not-an-email", "password": "short", "role": "admin",
            "photo_url": "ftp://x"})
        problem = self.assertProblem(r, 422, "validation_failed")
        fields = {e["field"] for e in problem["errors"]}
        self.assertEqual(fields, {"name", "email", "password", "role", "photo_url"})
        r = self.server.api("POST", "/auth/register", {})
        problem = self.assertProblem(r, 422, "validation_failed")
        self.assertEqual({e["field"] for e in problem["errors"]},
                         {"name", "email", "password", "role"})

    def test_email_trimmed_and_case_insensitive(self):
        tag = secrets.token_hex(4)
        r = self.server.api("POST", "/auth/register", {
            "name": "A", "email": f"  Mixed.{tag}@Example.COM ", "password": "password-1",
            "role": "worker"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["user"]["email"], f"Mixed.{tag}@Example.COM")
        r = self.server.api("POST", "/auth/register", {
            "name": "B", "email": f"mixed.{tag}@example.com", "password": "password-1",
            "role": "buyer"})
        self.assertProblem(r, 409, "email_taken")
        r = self.server.api("POST", "/auth/login", {"email": f"MIXED.{tag}@example.com ",
                                                    "password": "password-1"})
        self.assertEqual(r.status, 200, r)

    def test_parallel_registrations_of_one_email_make_one_account(self):
        email = f"race.{secrets.token_hex(4)}@example.com"
        body = {"name": "Racer", "email": email, "password": "password-1", "role": "worker"}
        with ThreadPoolExecutor(50) as pool:
            statuses = list(pool.map(
                lambda _: self.server.api("POST", "/auth/register", body).status, range(50)))
        self.assertEqual(statuses.count(201), 1, statuses)
        self.assertEqual(statuses.count(409), 49, statuses)

    def test_photo_url_rules(self):
        r = self.server.api("POST", "/auth/register", {
            "name": "P", "email": f"p.{secrets.token_hex(4)}@example.com",
            "password": "password-1", "role": "worker", "photo_url": "https://img.example.com/a.png"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["user"]["photo_url"], "https://img.example.com/a.png")
        r = self.server.api("POST", "/auth/register", {
            "name": "P", "email": f"p.{secrets.token_hex(4)}@example.com",
            "password": "password-1", "role": "worker", "photo_url": "https://x/" + "a" * 2048})
        self.assertProblem(r, 422, "validation_failed")


class SessionTest(ServerTestCase):
    def test_login_success_and_identical_failures(self):
        email = f"login.{secrets.token_hex(4)}@example.com"
        self.register("worker", email=email)
        ok = self.server.api("POST", "/auth/login", {"email": email, "password": "password-123"})
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(ok.json["user"]["email"], email)
        wrong = self.server.api("POST", "/auth/login", {"email": email, "password": "nope-nope"})
        unknown = self.server.api("POST", "/auth/login",
                                  {"email": "nobody@example.com", "password": "nope-nope"})
        for r in (wrong, unknown):
            self.assertProblem(r, 401, "invalid_credentials")
        self.assertEqual(wrong.json["detail"], unknown.json["detail"])

    def test_me_and_patch_me(self):
        session = self.register("buyer", name="Before")
        token = session["access_token"]
        r = self.server.api("GET", "/me", token=token)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["name"], "Before")
        r = self.server.api("PATCH", "/me", {"name": "After",
                                             "photo_url": "http://example.com/me.jpg"}, token=token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["name"], "After")
        self.assertEqual(r.json["photo_url"], "http://example.com/me.jpg")
        r = self.server.api("PATCH", "/me", {"role": "admin"}, token=token)
        self.assertProblem(r, 422, "validation_failed")
        r = self.server.api("PATCH", "/me", {"name": ""}, token=token)
        self.assertProblem(r, 422, "validation_failed")
        r = self.server.api("PATCH", "/me", {"photo_url": None}, token=token)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["photo_url"])
        self.assertEqual(self.server.api("GET", "/me", token=token).json["role"], "buyer")

    def test_refresh_rotates_and_reuse_revokes_family(self):
        session = self.register("worker")
        first = session["refresh_token"]
        r = self.server.api("POST", "/auth/refresh", {"refresh_token": first})
        self.assertEqual(r.status, 200, r)
        second = r.json["refresh_token"]
        self.assertNotEqual(first, second)
        self.assertEqual(self.server.api("GET", "/me", token=r.json["access_token"]).status, 200)
        # The spent token again: refused, and the whole family with it.
        self.assertProblem(self.server.api("POST", "/auth/refresh", {"refresh_token": first}),
                           401, "unauthenticated")
        self.assertProblem(self.server.api("POST", "/auth/refresh", {"refresh_token": second}),
                           401, "unauthenticated")
        self.assertProblem(self.server.api("POST", "/auth/refresh", {"refresh_token": "garbage"}),
                           401, "unauthenticated")

    def test_refresh_while_suspended_keeps_the_token(self):
        session = self.register("worker")
        user_id = session["user"]["id"]
        token = session["refresh_token"]

        def set_status(status):
            r = self.server.api("PATCH", f"/admin/users/{user_id}", {"status": status},
                                token=self.admin_token)
            self.assertEqual(r.status, 200, r)

        set_status("suspended")
        # Refused for the account's status, not spent: the answer stays the same.
        for _ in range(2):
            self.assertProblem(self.server.api("POST", "/auth/refresh", {"refresh_token": token}),
                               403, "account_suspended")
        set_status("active")
        r = self.server.api("POST", "/auth/refresh", {"refresh_token": token})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.server.api("GET", "/me", token=r.json["access_token"]).status, 200)
        r = self.server.api("POST", "/auth/refresh", {"refresh_token": r.json["refresh_token"]})
        self.assertEqual(r.status, 200, r)

    def test_logout_revokes(self):
        session = self.register("worker")
        r = self.server.api("POST", "/auth/logout", {"refresh_token": session["refresh_token"]},
                            token=session["access_token"])
        self.assertEqual(r.status, 204, r)
        self.assertProblem(
            self.server.api("POST", "/auth/refresh", {"refresh_token": session["refresh_token"]}),
            401, "unauthenticated")
        self.assertProblem(self.server.api("POST", "/auth/logout", {"refresh_token": "x"}),
                           401, "unauthenticated")

    def test_forged_tokens_are_401(self):
        session = self.register("worker")
        user_id = session["user"]["id"]
        now = int(time.time())
        good = {"sub": user_id, "role": "worker", "iat": now, "nbf": now, "exp": now + 600,
                "iss": "nanotasks"}
        self.assertEqual(self.server.api("GET", "/me", token=make_jwt(good)).status, 200)
        cases = {
            "expired": make_jwt(dict(good, exp=now - 10, iat=now - 100, nbf=now - 100)),
            "not yet valid": make_jwt(dict(good, nbf=now + 3600)),
            "wrong key": make_jwt(good, key=b"another-key-another-key-another-key!"),
            "alg none": b64url(b'{"alg":"none","typ":"JWT"}') + "." +
                        b64url(json.dumps(good).encode()) + ".",
            "wrong alg": make_jwt(good, header={"alg": "HS512", "typ": "JWT"}),
            "wrong issuer": make_jwt(dict(good, iss="someone-else")),
            "tampered": session["access_token"][:-4] + ("AAAA" if not session["access_token"].endswith("AAAA") else "BBBB"),
            "garbage": "a.b.c",
        }
        for name, token in cases.items():
            with self.subTest(name):
                self.assertProblem(self.server.api("GET", "/me", token=token), 401,
                                   "unauthenticated")
        self.assertProblem(self.server.api("GET", "/me"), 401, "unauthenticated")
        self.assertProblem(self.server.request("GET", "/api/v1/me",
                                               headers={"Authorization": "Basic abc"}),
                           401, "unauthenticated")

    def test_role_policy_is_403(self):
        worker = self.register("worker")
        self.assertProblem(self.server.api("GET", "/admin/ledger/verify",
                                           token=worker["access_token"]), 403, "forbidden")
        self.assertProblem(self.server.api("GET", "/wallet", token=self.admin_token),
                           403, "forbidden")


# Loopback answers on all of 127.0.0.0/8, so each test logs in from client addresses of its own.
CLIENT_ADDRESSES = (f"127.0.{n // 250}.{n % 250 + 2}" for n in itertools.count())


class ThrottleTest(ServerTestCase):
    # A password check slow enough (tens of milliseconds) for parallel guesses to overlap.
    server_env = {"NANOTASKS_LOGIN_MAX_FAILURES": "3", "NANOTASKS_PASSWORD_PASSES": "40"}

    def login_from(self, address, email, password):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30,
                                          source_address=(address, 0))
        try:
            conn.request("POST", "/api/v1/auth/login",
                         body=json.dumps({"email": email, "password": password}),
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            return Response(response.status, response.getheaders(), response.read())
        finally:
            conn.close()

    def assertThrottled(self, response):
        self.assertProblem(response, 429, "rate_limited")
        self.assertTrue(1 <= int(response.header("Retry-After")) <= 60,
                        response.header("Retry-After"))

    def test_login_throttled_per_email_even_with_right_password(self):
        email = f"throttle.{secrets.token_hex(4)}@example.com"
        self.register("worker", email=email)
        # Each failure from another address, so that only the email's count can stop the fourth.
        for _ in range(3):
            self.assertProblem(self.login_from(next(CLIENT_ADDRESSES), email, "wrong-password"),
                               401, "invalid_credentials")
        self.assertThrottled(self.login_from(next(CLIENT_ADDRESSES), email, "password-123"))

    def test_login_throttled_per_address_with_retry_after(self):
        email = f"throttle.{secrets.token_hex(4)}@example.com"
        self.register("worker", email=email)
        address = next(CLIENT_ADDRESSES)
        # Three failures from one address, each for another email.
        for _ in range(3):
            self.assertProblem(
                self.login_from(address, f"nobody.{secrets.token_hex(4)}@example.com",
                                "wrong-password"),
                401, "invalid_credentials")
        self.assertThrottled(self.login_from(address, email, "password-123"))
        self.assertThrottled(
            self.login_from(address, f"other.{secrets.token_hex(4)}@example.com", "x-password"))
        # The email itself is not throttled: from another address the right password works.
        self.assertEqual(self.login_from(next(CLIENT_ADDRESSES), email, "password-123").status,
                         200)

    def parallel_wrong_logins(self, addresses, email):
        with ThreadPoolExecutor(len(addresses)) as pool:
            return [r.status for r in pool.map(
                lambda address: self.login_from(address, email, "wrong-password"), addresses)]

    def test_parallel_wrong_passwords_from_one_address_stop_at_the_limit(self):
        email = f"throttle.{secrets.token_hex(4)}@example.com"
        self.register("worker", email=email)
        address = next(CLIENT_ADDRESSES)
        statuses = self.parallel_wrong_logins([address] * 40, email)
        self.assertLessEqual(statuses.count(401), 3, statuses)
        self.assertEqual(statuses.count(401) + statuses.count(429), 40, statuses)
        self.assertThrottled(self.login_from(address, email, "password-123"))

    def test_parallel_wrong_passwords_for_one_email_stop_at_the_limit(self):
        email = f"throttle.{secrets.token_hex(4)}@example.com"
        self.register("worker", email=email)
        statuses = self.parallel_wrong_logins([next(CLIENT_ADDRESSES) for _ in range(40)], email)
        self.assertLessEqual(statuses.count(401), 3, statuses)
        self.assertEqual(statuses.count(401) + statuses.count(429), 40, statuses)
        self.assertThrottled(self.login_from(next(CLIENT_ADDRESSES), email, "password-123"))

    def test_successful_logins_are_not_counted(self):
        email = f"throttle.{secrets.token_hex(4)}@example.com"
        self.register("worker", email=email)
        address = next(CLIENT_ADDRESSES)
        for _ in range(5):
            self.assertEqual(self.login_from(address, email, "password-123").status, 200)
        # All three failures the limit allows are still there.
        for _ in range(3):
            self.assertProblem(self.login_from(address, email, "wrong-password"),
                               401, "invalid_credentials")
        self.assertThrottled(self.login_from(address, email, "password-123"))


class GeneratedSecretTest(unittest.TestCase):
    """Without NANOTASKS_JWT_SECRET the key is generated once and kept in the database."""

    def start(self, database_url=None):
        env = {"NANOTASKS_JWT_SECRET": None}
        if database_url:
            env["NANOTASKS_DATABASE_URL"] = database_url
        server = Server(env)
        self.addCleanup(server.cleanup)
        return server

    def test_token_issued_before_a_restart_still_works(self):
        first = self.start()
        self.assertIn("NANOTASKS_JWT_SECRET is not set", first.logs())
        email = f"secret.{secrets.token_hex(4)}@example.com"
        r = first.api("POST", "/auth/register", {"name": "Kept", "email": email,
                                                 "password": "password-123", "role": "worker"})
        self.assertEqual(r.status, 201, r)
        token = r.json["access_token"]
        user_id = r.json["user"]["id"]
        self.assertEqual(first.api("GET", "/me", token=token).status, 200)
        # The key is not the one the other suites configure.
        now = int(time.time())
        foreign = make_jwt({"sub": user_id, "role": "worker", "iat": now, "nbf": now,
                            "exp": now + 600, "iss": "nanotasks"})
        self.assertEqual(first.api("GET", "/me", token=foreign).status, 401)
        self.assertEqual(first.stop(), 0, first.logs())

        second = self.start(first.database_url)
        self.assertIn("NANOTASKS_JWT_SECRET is not set", second.logs())
        r = second.api("GET", "/me", token=token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["id"], user_id)
        login = second.api("POST", "/auth/login",
                           {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        self.assertEqual(login.status, 200, login)
        verify = second.api("GET", "/admin/ledger/verify", token=login.json["access_token"])
        self.assertTrue(verify.json["balanced"], verify)


if __name__ == "__main__":
    unittest.main()
