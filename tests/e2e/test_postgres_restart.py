"""PostgreSQL going away and coming back, seen from the outside: requests answer 503 (and
/readyz 503 not_ready) while the server is down, and succeed again after it is back, without
restarting Nanotasks. Runs on a cluster of its own, so the shared fixture keeps running."""
import os
import subprocess
import tempfile
import time
import unittest

from harness import ENGINE, Server, ADMIN_EMAIL, ADMIN_PASSWORD

CLUSTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pg_cluster.sh")


@unittest.skipUnless(ENGINE == "postgres", "PostgreSQL only")
class PostgresRestartTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="nt-e2e-pg-")
        subprocess.run([CLUSTER, "start", self.directory], check=True,
                       stdout=subprocess.DEVNULL)
        with open(os.path.join(self.directory, "url")) as f:
            url = f.read().strip()
        self.server = Server({"NANOTASKS_DATABASE_URL": url})

    def tearDown(self):
        self.server.cleanup()
        subprocess.run([CLUSTER, "stop", self.directory], stdout=subprocess.DEVNULL)

    def poll(self, check, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if check():
                return True
            time.sleep(0.2)
        return False

    def login(self):
        return self.server.api("POST", "/auth/login",
                               {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})

    def test_requests_fail_with_503_while_down_and_recover(self):
        self.assertEqual(self.login().status, 200)
        self.assertEqual(self.server.request("GET", "/readyz").status, 200)
        subprocess.run([CLUSTER, "pause", self.directory], check=True, stdout=subprocess.DEVNULL)
        try:
            ready = self.server.request("GET", "/readyz")
            self.assertEqual(ready.status, 503, ready)
            self.assertEqual(ready.json["code"], "not_ready")
            down = self.login()
            self.assertEqual(down.status, 503, down)
            self.assertEqual(down.json["code"], "service_unavailable")
            self.assertEqual(self.server.request("GET", "/healthz").status, 200)
        finally:
            subprocess.run([CLUSTER, "resume", self.directory], check=True,
                           stdout=subprocess.DEVNULL)
        self.assertTrue(self.poll(lambda: self.login().status == 200),
                        "requests succeed again once PostgreSQL is back")
        self.assertEqual(self.server.request("GET", "/readyz").status, 200)


if __name__ == "__main__":
    unittest.main()
