"""Leaderboard, stats, reports and their resolution."""
import threading
import unittest
from concurrent.futures import ThreadPoolExecutor

from marketplace import MarketplaceTestCase

MISSING = "0190b6c2-7d3e-7a41-9c2f-5b8e1d2a3c4f"


class DashboardTest(MarketplaceTestCase):
    def test_top_workers_is_public_and_has_no_emails(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=3, payable_amount=7)
        rich = self.register("worker", name="Rich")
        richer = self.register("worker", name="Richer")
        for worker, times in ((rich, 1), (richer, 2)):
            for _ in range(times):
                t = self.create_task(buyer, required_workers=1, payable_amount=7)
                sub = self.submit(worker, t["id"]).json
                self.assertEqual(self.approve(buyer, sub["id"]).status, 200)
        del task
        r = self.server.api("GET", "/workers/top")
        self.assertEqual(r.status, 200, r)
        items = r.json["items"]
        self.assertLessEqual(len(items), 6)
        self.assertEqual([i["id"] for i in items[:2]], [richer["user"]["id"], rich["user"]["id"]])
        self.assertEqual(items[0], {"id": richer["user"]["id"], "name": "Richer",
                                    "photo_url": None, "coins": 24})
        self.assertNotIn("@", r.raw.decode())
        coins = [i["coins"] for i in items]
        self.assertEqual(coins, sorted(coins, reverse=True))
        self.assertNotIn(buyer["user"]["id"], [i["id"] for i in items])
        self.assertEqual(len(self.server.api("GET", "/workers/top?limit=1").json["items"]), 1)
        for bad in ("0", "101", "x"):
            self.assertProblem(self.server.api("GET", "/workers/top?limit=" + bad), 422,
                               "validation_failed")

    def test_worker_and_buyer_stats(self):
        buyer = self.register("buyer")
        worker = self.register("worker")
        tasks = [self.create_task(buyer, required_workers=2, payable_amount=3) for _ in range(3)]
        subs = [self.submit(worker, t["id"]).json for t in tasks]
        self.approve(buyer, subs[0]["id"])
        self.reject(buyer, subs[1]["id"])
        r = self.server.api("GET", "/worker/stats", token=worker["access_token"])
        self.assertEqual(r.json, {"total_submissions": 3, "pending_submissions": 1,
                                  "approved_submissions": 1, "total_earned": 3})
        self.server.api("DELETE", f"/tasks/{tasks[2]['id']}", token=buyer["access_token"])
        r = self.server.api("GET", "/buyer/stats", token=buyer["access_token"])
        self.assertEqual(r.json, {"task_count": 3, "open_slots": 1 + 2, "pending_reviews": 1,
                                  "total_paid": 3})
        self.assertProblem(self.server.api("GET", "/worker/stats", token=buyer["access_token"]),
                           403, "forbidden")
        self.assertProblem(self.server.api("GET", "/buyer/stats", token=worker["access_token"]),
                           403, "forbidden")


class StatsSnapshotTest(MarketplaceTestCase):
    """Each stats answer is one snapshot: figures that move together never disagree."""

    def while_polling(self, work, probes):
        """Runs work() while each probe (path, user) is fetched over and over; the answers."""
        done = threading.Event()
        seen = {path: [] for path, _ in probes}

        def poll(path, user):
            while not done.is_set():
                r = self.server.api("GET", path, token=user["access_token"])
                self.assertEqual(r.status, 200, r)
                seen[path].append(r.json)

        with ThreadPoolExecutor(len(probes) * 2) as pool:
            pollers = [pool.submit(poll, path, user) for path, user in probes for _ in range(2)]
            try:
                work()
            finally:
                done.set()
            for poller in pollers:
                poller.result()
        for path, answers in seen.items():
            self.assertGreater(len(answers), 5, path)
        return seen

    def give_coins(self, user, amount):
        r = self.server.api("POST", f"/admin/users/{user['user']['id']}/coins",
                            {"amount": amount, "reason": "test funds"}, token=self.admin_token)
        self.assertEqual(r.status, 200, r)

    def test_buyer_stats_while_workers_submit(self):
        buyer = self.register("buyer")
        self.give_coins(buyer, 100)
        task = self.create_task(buyer, required_workers=30, payable_amount=2)
        workers = [self.register("worker") for _ in range(30)]

        def submit_all():
            with ThreadPoolExecutor(6) as pool:
                list(pool.map(lambda worker: self.submit(worker, task["id"]), workers))

        seen = self.while_polling(submit_all, [("/buyer/stats", buyer)])
        # A submission takes a slot and adds a pending review in one transaction.
        wrong = [s for s in seen["/buyer/stats"]
                 if s["open_slots"] + s["pending_reviews"] != 30 or s["task_count"] != 1]
        self.assertEqual(wrong, [], f"{len(wrong)} of {len(seen['/buyer/stats'])} polls")

    def test_worker_and_buyer_stats_while_submissions_are_approved(self):
        buyer = self.register("buyer")
        self.give_coins(buyer, 100)
        worker = self.register("worker")
        tasks = [self.create_task(buyer, required_workers=1, payable_amount=2)
                 for _ in range(30)]
        submissions = [self.submit(worker, t["id"]).json for t in tasks]

        def approve_all():
            with ThreadPoolExecutor(6) as pool:
                for r in pool.map(lambda sub: self.approve(buyer, sub["id"]), submissions):
                    self.assertEqual(r.status, 200, r)

        seen = self.while_polling(approve_all,
                                  [("/worker/stats", worker), ("/buyer/stats", buyer)])
        # An approval decides the submission and pays its coins in one transaction.
        wrong = [s for s in seen["/worker/stats"]
                 if s["total_earned"] != 2 * s["approved_submissions"]
                 or s["pending_submissions"] + s["approved_submissions"] != 30]
        self.assertEqual(wrong, [], f"{len(wrong)} of {len(seen['/worker/stats'])} polls")
        wrong = [s for s in seen["/buyer/stats"]
                 if 2 * s["pending_reviews"] + s["total_paid"] != 60]
        self.assertEqual(wrong, [], f"{len(wrong)} of {len(seen['/buyer/stats'])} polls")
        r = self.server.api("GET", "/worker/stats", token=worker["access_token"])
        self.assertEqual(r.json, {"total_submissions": 30, "pending_submissions": 0,
                                  "approved_submissions": 30, "total_earned": 60})


class ReportTest(MarketplaceTestCase):
    def setUp(self):
        self.buyer = self.register("buyer", name="Reporting Buyer")
        self.worker = self.register("worker")
        self.task = self.create_task(self.buyer)
        self.sub = self.submit(self.worker, self.task["id"]).json

    def report(self, user, body):
        return self.server.api("POST", "/reports", body, token=user["access_token"])

    def test_report_and_resolve(self):
        r = self.report(self.buyer, {"target_type": "submission", "target_id": self.sub["id"],
                                     "reason": "Copied from the web"})
        self.assertEqual(r.status, 201, r)
        report = r.json
        self.assertEqual(report["reporter"], {"id": self.buyer["user"]["id"],
                                              "name": "Reporting Buyer"})
        self.assertEqual((report["target_type"], report["target_id"], report["status"]),
                         ("submission", self.sub["id"], "open"))
        self.assertIsNone(report["resolution"])
        self.assertIsNone(report["resolved_at"])
        r = self.report(self.worker, {"target_type": "task", "target_id": self.task["id"],
                                      "reason": "Spam"})
        self.assertEqual(r.status, 201, r)
        admin = {"access_token": self.admin_token}
        listed = self.collect("/admin/reports?status=open", admin, limit=1)
        self.assertIn(report["id"], [x["id"] for x in listed])
        path = f"/admin/reports/{report['id']}/resolve"
        r = self.server.api("POST", path, {"resolution": "Warned the worker"},
                            token=self.admin_token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["status"], r.json["resolution"]), ("resolved", "Warned the worker"))
        self.assertIsNotNone(r.json["resolved_at"])
        self.assertProblem(self.server.api("POST", path, {"resolution": "Again"},
                                           token=self.admin_token), 409, "invalid_state")
        resolved = self.collect("/admin/reports?status=resolved", admin)
        self.assertIn(report["id"], [x["id"] for x in resolved])
        self.assertNotIn(report["id"], [x["id"] for x in self.collect("/admin/reports?status=open",
                                                                      admin)])

    def test_report_refusals(self):
        cases = [
            ({"target_type": "task", "target_id": MISSING, "reason": "x"}, 404, "not_found"),
            ({"target_type": "submission", "target_id": "nope", "reason": "x"}, 404, "not_found"),
            ({"target_type": "user", "target_id": MISSING, "reason": "x"}, 422,
             "validation_failed"),
            ({"target_type": "task", "target_id": self.task["id"], "reason": ""}, 422,
             "validation_failed"),
            ({"target_type": "task", "target_id": self.task["id"], "reason": "r" * 2001}, 422,
             "validation_failed"),
            ({"target_type": "task", "target_id": self.task["id"], "reason": "x",
              "status": "resolved"}, 422, "validation_failed"),
        ]
        for body, status, code in cases:
            with self.subTest(body=body):
                self.assertProblem(self.report(self.worker, body), status, code)
        # Someone else's submission is as unknown as a missing one.
        stranger = self.register("worker")
        self.assertProblem(self.report(stranger, {"target_type": "submission",
                                                  "target_id": self.sub["id"], "reason": "x"}),
                           404, "not_found")
        r = self.server.api("POST", "/reports", {"target_type": "task",
                                                 "target_id": self.task["id"], "reason": "x"},
                            token=self.admin_token)
        self.assertProblem(r, 403, "forbidden")

    def test_admin_routes_are_for_admins(self):
        self.assertProblem(self.server.api("GET", "/admin/reports",
                                           token=self.buyer["access_token"]), 403, "forbidden")
        self.assertProblem(self.server.api("POST", f"/admin/reports/{MISSING}/resolve",
                                           {"resolution": "x"}, token=self.admin_token),
                           404, "not_found")
        self.assertProblem(self.server.api("POST", f"/admin/reports/{MISSING}/resolve",
                                           {}, token=self.admin_token),
                           422, "validation_failed")
        self.assertProblem(self.server.api("GET", "/admin/reports?status=closed",
                                           token=self.admin_token), 422, "validation_failed")


if __name__ == "__main__":
    unittest.main()
