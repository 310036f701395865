"""The executable's command line: --help, --version, bad configuration, migrate, create-admin."""
import json
import os
import signal
import tempfile
import unittest

from harness import Server, fresh_database_url, run_binary, ENGINE


class CommandLineTest(unittest.TestCase):
    def test_help_and_version(self):
        for args in (["--help"], ["serve", "--help"], ["migrate", "--help"]):
            r = run_binary(args)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("NANOTASKS_DATABASE_URL", r.stdout)
        r = run_binary(["--version"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^nanotasks \d+\.\d+\.\d+")

    def assertConfigError(self, args, env, name):
        r = run_binary(args, env)
        self.assertEqual(r.returncode, 2, (args, env, r.stdout, r.stderr))
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn(name, lines[0])

    def test_bad_values_stop_with_exit_code_2(self):
        self.assertConfigError(["serve"], {"NANOTASKS_PORT": "99999"}, "NANOTASKS_PORT")
        self.assertConfigError(["serve"], {"NANOTASKS_PORT": "eighty"}, "NANOTASKS_PORT")
        self.assertConfigError(["serve", "--port", "0"], {}, "NANOTASKS_PORT")
        self.assertConfigError(["serve"], {"NANOTASKS_DATABASE_URL": "mysql://x"},
                               "NANOTASKS_DATABASE_URL")
        self.assertConfigError(["serve"], {"NANOTASKS_DATABASE_URL": "postgresql://"},
                               "NANOTASKS_DATABASE_URL")
        self.assertConfigError(["serve"], {"NANOTASKS_JWT_SECRET": "0123456789"},
                               "NANOTASKS_JWT_SECRET")
        self.assertConfigError(["serve", "--no-such-flag"], {}, "--no-such-flag")
        self.assertConfigError(["serve"], {"NANOTASKS_LOG_FORMAT": "xml"}, "NANOTASKS_LOG_FORMAT")
        self.assertConfigError(["frobnicate"], {}, "frobnicate")

    def assertRefusedBeforeTheDatabase(self, args, env, name, stdin=None, dotenv=None):
        """Exit 2 with one line naming `name`, and no database file created."""
        with tempfile.TemporaryDirectory() as cwd:
            if dotenv is not None:
                with open(os.path.join(cwd, ".env"), "w") as f:
                    f.write(dotenv)
            db = os.path.join(cwd, "nt.db")
            all_env = {"NANOTASKS_DATABASE_URL": "sqlite:" + db, **env}
            r = run_binary(args, all_env, stdin=stdin, cwd=cwd)
            self.assertEqual(r.returncode, 2, (args, env, r.stdout, r.stderr))
            lines = r.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertIn(name, lines[0])
            self.assertFalse(os.path.exists(db), "the database was created: " + r.stderr)

    def test_bad_values_stop_before_the_database_is_touched(self):
        for host in ("localhostx", "example.invalid", "300.1.1.1"):
            self.assertRefusedBeforeTheDatabase(["serve"], {"NANOTASKS_HOST": host},
                                                "NANOTASKS_HOST")
        self.assertRefusedBeforeTheDatabase(
            ["serve"], {"NANOTASKS_ADMIN_EMAIL": "not-an-email",
                        "NANOTASKS_ADMIN_PASSWORD": "admin-password-1"},
            "NANOTASKS_ADMIN_EMAIL")
        for origins in ("app.example.com", "https://app.example.com/", "https://a.example,x"):
            self.assertRefusedBeforeTheDatabase(["serve"], {"NANOTASKS_CORS_ORIGINS": origins},
                                                "NANOTASKS_CORS_ORIGINS")
        for packages in ("a:10:100,a:20:200", "cheap:1:49"):
            self.assertRefusedBeforeTheDatabase(["serve"], {"NANOTASKS_COIN_PACKAGES": packages},
                                                "NANOTASKS_COIN_PACKAGES")
        for systems in ("paypal,,bkash", "paypal,bkash,paypal", " "):
            self.assertRefusedBeforeTheDatabase(["serve"], {"NANOTASKS_PAYMENT_SYSTEMS": systems},
                                                "NANOTASKS_PAYMENT_SYSTEMS")

    def test_create_admin_without_email_stops_before_the_database(self):
        self.assertRefusedBeforeTheDatabase(["create-admin"], {}, "--email",
                                            stdin="boss-password-1\n")
        self.assertRefusedBeforeTheDatabase(["create-admin", "--email", "boss"], {}, "--email",
                                            stdin="boss-password-1\n")

    def test_dotenv_line_without_equals_is_refused_by_number(self):
        self.assertRefusedBeforeTheDatabase(
            ["migrate"], {}, ".env line 3",
            dotenv="# settings\nNANOTASKS_PORT=8081\nNANOTASKS_LOG_FORMAT json\n")

    def test_flags_beat_environment_beat_dotenv(self):
        with tempfile.TemporaryDirectory() as cwd:
            with open(os.path.join(cwd, ".env"), "w") as f:
                f.write("# comment\nNANOTASKS_PORT=99999\n")
            # The .env value is bad, so reading it fails...
            r = run_binary(["migrate"], {}, cwd=cwd)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("NANOTASKS_PORT", r.stderr)
            # ...but the environment wins over it, and a flag wins over the environment.
            r = run_binary(["migrate"], {"NANOTASKS_PORT": "8081"}, cwd=cwd)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = run_binary(["migrate", "--port", "8082"], {"NANOTASKS_PORT": "99999"}, cwd=cwd)
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_migrate_twice_changes_nothing(self):
        with tempfile.TemporaryDirectory() as cwd:
            url = fresh_database_url(cwd)
            for _ in range(2):
                r = run_binary(["migrate"], {"NANOTASKS_DATABASE_URL": url}, cwd=cwd)
                self.assertEqual(r.returncode, 0, r.stderr)

    def test_create_admin_reads_password_from_stdin(self):
        with tempfile.TemporaryDirectory() as cwd:
            url = fresh_database_url(cwd)
            env = {"NANOTASKS_DATABASE_URL": url, "NANOTASKS_PASSWORD_MEMORY_KIB": "1024",
                   "NANOTASKS_PASSWORD_PASSES": "1"}
            r = run_binary(["create-admin", "--email", "Boss@Example.com"], env,
                           stdin="boss-password-1\n", cwd=cwd)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = run_binary(["create-admin", "--email", "boss@example.com"], env,
                           stdin="boss-password-1\n", cwd=cwd)
            self.assertEqual(r.returncode, 1, r.stderr)
            r = run_binary(["create-admin", "--email", "short@example.com"], env,
                           stdin="short\n", cwd=cwd)
            self.assertEqual(r.returncode, 1)
            server = Server({"NANOTASKS_DATABASE_URL": url})
            try:
                login = server.api("POST", "/auth/login",
                                   {"email": "boss@example.com", "password": "boss-password-1"})
                self.assertEqual(login.status, 200, login)
                self.assertEqual(login.json["user"]["role"], "admin")
            finally:
                server.cleanup()

    def test_sigterm_exits_zero(self):
        server = Server()
        try:
            self.assertEqual(server.request("GET", "/healthz").status, 200)
            self.assertEqual(server.stop(signal.SIGTERM), 0, server.logs())
        finally:
            server.cleanup()

    def test_sigint_exits_zero(self):
        server = Server()
        try:
            self.assertEqual(server.stop(signal.SIGINT), 0, server.logs())
        finally:
            server.cleanup()

    def test_json_logs_are_one_object_per_line(self):
        server = Server({"NANOTASKS_LOG_FORMAT": "json"})
        try:
            server.request("GET", "/healthz", headers={"X-Request-Id": "json-log-1",
                                                       "User-Agent": 'quote" and \\ back'})
            server.api("POST", "/auth/login", {"email": 'x"@example.com', "password": "p"})
        finally:
            server.stop()
        lines = [line for line in server.logs().splitlines() if line.strip()]
        records = [json.loads(line) for line in lines]  # every line parses on its own
        access = [r for r in records if r.get("request_id") == "json-log-1"]
        self.assertEqual(len(access), 1, lines)
        self.assertEqual(access[0]["status"], 200)
        self.assertEqual(access[0]["route"], "/healthz")
        self.assertEqual(access[0]["method"], "GET")
        for field in ("bytes", "duration_ms", "remote"):
            self.assertIn(field, access[0])
        server.cleanup()

    def test_port_in_use_fails(self):
        server = Server()
        try:
            r = run_binary(["serve"], {"NANOTASKS_PORT": str(server.port),
                                       "NANOTASKS_DATABASE_URL": "sqlite:" + os.path.join(
                                           server.workdir, "other.db")})
            self.assertNotEqual(r.returncode, 0)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
