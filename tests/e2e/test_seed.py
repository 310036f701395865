"""nanotasks seed: the bulk data generator leaves a marketplace that the server serves and whose
ledger verifies, on either engine."""
import unittest

from harness import ServerTestCase, run_binary


class SeedTest(ServerTestCase):
    def seed(self, *args):
        env = {"NANOTASKS_DATABASE_URL": self.server.database_url,
               "NANOTASKS_PASSWORD_MEMORY_KIB": "1024", "NANOTASKS_PASSWORD_PASSES": "1"}
        return run_binary(["seed", *args], env, cwd=self.server.workdir)

    def test_seeded_marketplace_is_served_and_balanced(self):
        before = self.server.api("GET", "/admin/stats", token=self.admin_token).json
        r = self.seed("--users", "40", "--tasks", "25", "--submissions", "60", "--seed", "7")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("36 workers, 4 buyers, 25 open tasks, 60 pending submissions", r.stdout)

        stats = self.server.api("GET", "/admin/stats", token=self.admin_token)
        self.assertEqual(stats.status, 200, stats)
        self.assertEqual(stats.json["total_workers"] - before["total_workers"], 36)
        self.assertEqual(stats.json["total_buyers"] - before["total_buyers"], 4)
        self.assertGreater(stats.json["coins_in_escrow"], before["coins_in_escrow"])

        login = self.server.api("POST", "/auth/login", {"email": "seed7-buyer1@example.com",
                                                        "password": "seed-password-1"})
        self.assertEqual(login.status, 200, login)
        buyer = login.json["access_token"]
        buyer_stats = self.server.api("GET", "/buyer/stats", token=buyer)
        self.assertEqual(buyer_stats.status, 200, buyer_stats)
        self.assertGreater(buyer_stats.json["task_count"], 0)
        pending = self.server.api("GET", "/buyer/submissions?status=pending&limit=100",
                                  token=buyer)
        self.assertEqual(pending.status, 200, pending)
        self.assertEqual(buyer_stats.json["pending_reviews"], len(pending.json["items"]))

        # A seeded pending submission is decided like any other: its escrow pays the worker.
        if pending.json["items"]:
            submission = pending.json["items"][0]
            approved = self.server.api("POST", f"/submissions/{submission['id']}/approve", {},
                                       token=buyer)
            self.assertEqual(approved.status, 200, approved)

        worker = self.server.api("POST", "/auth/login", {"email": "seed7-worker1@example.com",
                                                         "password": "seed-password-1"})
        self.assertEqual(worker.status, 200, worker)
        tasks = self.server.api("GET", "/tasks?limit=100", token=worker.json["access_token"])
        self.assertEqual(tasks.status, 200, tasks)
        self.assertTrue(tasks.json["items"])
        for task in tasks.json["items"]:
            self.assertGreater(task["slots_open"], 0)
            self.assertEqual(task["status"], "open")
        # tearDown checks the ledger invariant over the seeded transfers too.

    def test_large_batches_fit_each_engine(self):
        # Over a thousand rows a statement on PostgreSQL: the statements carry thousands of
        # parameters, close to what libpq accepts when it prepares them.
        r = self.seed("--users", "1500", "--tasks", "1200", "--submissions", "2400", "--seed", "9")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1200 open tasks, 2400 pending submissions", r.stdout)

        # A word of every seeded task: a search with that many matches walks the sort order
        # instead of sorting the matches, and must list exactly what the unfiltered list has.
        token = self.server.api("POST", "/auth/login", {"email": "seed9-worker1@example.com",
                                                        "password": "seed-password-1"}).json
        for sort in ("newest", "pay", "deadline"):
            everything = self.all_pages(f"/tasks?sort={sort}&limit=100", token["access_token"])
            seeded = [t["id"] for t in everything if t["title"].startswith("Seeded task")]
            found = self.all_pages(f"/tasks?sort={sort}&limit=100&q=seeded",
                                   token["access_token"])
            self.assertGreaterEqual(len(seeded), 1000)
            self.assertEqual([t["id"] for t in found], seeded, sort)

    def all_pages(self, path, token):
        items, cursor = [], None
        while True:
            page = self.server.api("GET", path + (f"&cursor={cursor}" if cursor else ""),
                                   token=token)
            self.assertEqual(page.status, 200, page)
            items += page.json["items"]
            cursor = page.json["next_cursor"]
            if not cursor:
                return items

    def test_seeding_the_same_seed_twice_is_refused(self):
        first = self.seed("--users", "5", "--seed", "8")
        self.assertEqual(first.returncode, 0, first.stderr)
        again = self.seed("--users", "5", "--seed", "8")
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("seed", again.stderr)

    def test_impossible_counts_are_configuration_errors(self):
        for args in (["--users", "-1"], ["--users", "ten"], ["--tasks", "3"],
                     ["--users", "10", "--submissions", "5"]):
            r = self.seed(*args)
            self.assertEqual(r.returncode, 2, (args, r.stdout, r.stderr))
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)


if __name__ == "__main__":
    unittest.main()
