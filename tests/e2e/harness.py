"""Starts the real nanotasks binary on a free port and drives it over HTTP.

Environment: NANOTASKS_BINARY (the executable), NANOTASKS_E2E_ENGINE (sqlite or postgres) and,
for postgres, NANOTASKS_TEST_PG_DIR (the directory of the cluster the ctest fixture started;
its file `url` names the server). Each server gets a database of its own.
"""
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

BINARY = os.environ.get("NANOTASKS_BINARY", "build/ci/nanotasks")
ENGINE = os.environ.get("NANOTASKS_E2E_ENGINE", "sqlite")
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-1"
JWT_SECRET = "e2e-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_admin_url():
    directory = os.environ["NANOTASKS_TEST_PG_DIR"]
    with open(os.path.join(directory, "url")) as f:
        return f.read().strip()


def fresh_database_url(workdir):
    if ENGINE == "sqlite":
        return "sqlite:" + os.path.join(workdir, "nt.db")
    base = postgres_admin_url()
    name = "e2e_" + secrets.token_hex(6)
    subprocess.run(["psql", base, "-qc", f"CREATE DATABASE {name}"], check=True,
                   stdout=subprocess.DEVNULL)
    return base.rsplit("/", 1)[0] + "/" + name


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def __repr__(self):
        return f"<{self.status} {self.raw[:300]!r}>"


class Server:
    def __init__(self, extra_env=None, args=("serve",), preexec_fn=None):
        self.workdir = tempfile.mkdtemp(prefix="nt-e2e-")
        self.port = free_port()
        self.database_url = fresh_database_url(self.workdir)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NANOTASKS_", "STRIPE_"))}
        env.update({
            "NANOTASKS_PORT": str(self.port),
            "NANOTASKS_HOST": "127.0.0.1",
            "NANOTASKS_DATABASE_URL": self.database_url,
            "NANOTASKS_JWT_SECRET": JWT_SECRET,
            "NANOTASKS_ADMIN_EMAIL": ADMIN_EMAIL,
            "NANOTASKS_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "NANOTASKS_PASSWORD_MEMORY_KIB": "1024",
            "NANOTASKS_PASSWORD_PASSES": "1",
            "NANOTASKS_SQLITE_SYNCHRONOUS": "normal",
            "NANOTASKS_THREADS": "2",
            "NANOTASKS_WORKERS": "8",
        })
        env.update(extra_env or {})
        env = {k: v for k, v in env.items() if v is not None}  # None unsets a variable
        self.log_path = os.path.join(self.workdir, "server.log")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([os.path.abspath(BINARY), *args], cwd=self.workdir,
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, preexec_fn=preexec_fn)
        self.wait_healthy()

    def wait_healthy(self, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.logs()}")
            try:
                if self.request("GET", "/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not become healthy: " + self.logs())

    def logs(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def request(self, method, path, body=None, token=None, headers=None, raw=None,
                content_type="application/json", timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            all_headers = {}
            data = None
            if raw is not None:
                data = raw if isinstance(raw, bytes) else raw.encode()
            elif body is not None:
                data = json.dumps(body).encode()
            if data is not None and content_type:
                all_headers["Content-Type"] = content_type
            if token:
                all_headers["Authorization"] = "Bearer " + token
            all_headers.update(headers or {})
            conn.request(method, path, body=data, headers=all_headers)
            response = conn.getresponse()
            return Response(response.status, response.getheaders(), response.read())
        finally:
            conn.close()

    def api(self, method, path, body=None, token=None, **kwargs):
        return self.request(method, "/api/v1" + path, body=body, token=token, **kwargs)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def run_binary(args, env_extra=None, stdin=None, cwd=None, timeout=60):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NANOTASKS_", "STRIPE_"))}
    env.update(env_extra or {})
    return subprocess.run([os.path.abspath(BINARY), *args], env=env, input=stdin,
                          capture_output=True, text=True, cwd=cwd, timeout=timeout)


class ServerTestCase(unittest.TestCase):
    """One server (and one database) per test class; the ledger invariant after every test."""

    server_env = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.server_env)
        login = cls.server.api("POST", "/auth/login",
                               {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert login.status == 200, login
        cls.admin_token = login.json["access_token"]

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def tearDown(self):
        verify = self.server.api("GET", "/admin/ledger/verify", token=self.admin_token)
        self.assertEqual(verify.status, 200, verify)
        self.assertTrue(verify.json["balanced"], verify.json)

    def register(self, role="worker", name="Test User", email=None, password="password-123"):
        email = email or f"{role}.{secrets.token_hex(6)}@example.com"
        r = self.server.api("POST", "/auth/register", {"name": name, "email": email,
                                                       "password": password, "role": role})
        self.assertEqual(r.status, 201, r)
        return r.json

    def assertProblem(self, response, status, code):
        self.assertEqual(response.status, status, response)
        self.assertTrue(response.header("Content-Type").startswith("application/problem+json"),
                        response.header("Content-Type"))
        self.assertEqual(response.json["code"], code, response)
        self.assertEqual(response.json["status"], status)
        self.assertEqual(response.json["type"], "/problems/" + code)
        self.assertIn("title", response.json)
        self.assertEqual(response.json["request_id"], response.header("X-Request-Id"))
        return response.json
