"""Submissions: slots, review with escrow, visibility, lists and races."""
import threading
import unittest
from concurrent.futures import ThreadPoolExecutor

from marketplace import MarketplaceTestCase, in_future

MISSING = "0190b6c2-7d3e-7a41-9c2f-5b8e1d2a3c4f"


class SubmissionTest(MarketplaceTestCase):
    def test_submit_takes_a_slot_and_notifies_the_buyer(self):
        buyer = self.register("buyer", name="Bea")
        worker = self.register("worker", name="Will")
        task = self.create_task(buyer, title="Count birds", required_workers=2,
                                payable_amount=7)
        r = self.submit(worker, task["id"], details="  I counted 12 birds.  ")
        submission = r.json
        self.assertEqual(submission["task"], {"id": task["id"], "title": "Count birds",
                                              "payable_amount": 7})
        self.assertEqual(submission["worker"], {"id": worker["user"]["id"], "name": "Will"})
        self.assertEqual(submission["buyer"], {"id": buyer["user"]["id"], "name": "Bea"})
        self.assertEqual(submission["submission_details"], "I counted 12 birds.")
        self.assertEqual(submission["status"], "pending")
        self.assertIsNone(submission["feedback"])
        self.assertIsNone(submission["decided_by"])
        self.assertIsNone(submission["decided_at"])
        self.assertIn("submitted_at", submission)
        self.assertEqual(self.get_task(buyer, task["id"]).json["slots_open"], 1)
        [note] = self.notifications(buyer)
        self.assertIn("Count birds", note["message"])
        self.assertEqual(note["action_route"], f"/submissions/{submission['id']}")
        self.assertFalse(note["read"])

    def test_submit_conflicts(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=1)
        first, second = self.register("worker"), self.register("worker")
        self.submit(first, task["id"])
        self.assertProblem(self.submit(first, task["id"], expect=None), 409, "already_submitted")
        self.assertProblem(self.submit(second, task["id"], expect=None), 409, "task_full")
        cancelled = self.create_task(buyer)
        self.server.api("DELETE", f"/tasks/{cancelled['id']}", token=buyer["access_token"])
        self.assertProblem(self.submit(second, cancelled["id"], expect=None), 404, "not_found")
        self.assertProblem(self.submit(second, MISSING, expect=None), 404, "not_found")
        self.assertProblem(self.submit(second, "nope", expect=None), 404, "not_found")
        open_task = self.create_task(buyer)
        r = self.server.api("POST", f"/tasks/{open_task['id']}/submissions",
                            {"submission_details": "x"}, token=buyer["access_token"])
        self.assertProblem(r, 403, "forbidden")
        for body in ({}, {"submission_details": ""}, {"submission_details": " "},
                     {"submission_details": "x" * 10001},
                     {"submission_details": "ok", "status": "approved"}):
            with self.subTest(body=body):
                r = self.server.api("POST", f"/tasks/{open_task['id']}/submissions", body,
                                    token=second["access_token"])
                self.assertProblem(r, 422, "validation_failed")
        self.assertEqual(self.get_task(buyer, open_task["id"]).json["slots_open"], 5)

    def test_submission_visibility(self):
        buyer = self.register("buyer")
        worker = self.register("worker")
        task = self.create_task(buyer)
        submission = self.submit(worker, task["id"]).json
        path = f"/submissions/{submission['id']}"
        for token in (worker["access_token"], buyer["access_token"], self.admin_token):
            r = self.server.api("GET", path, token=token)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json, submission)
        for user in (self.register("worker"), self.register("buyer")):
            self.assertProblem(self.server.api("GET", path, token=user["access_token"]),
                               404, "not_found")
        self.assertProblem(self.server.api("GET", f"/submissions/{MISSING}",
                                           token=buyer["access_token"]), 404, "not_found")

    def test_approve_pays_once(self):
        buyer = self.register("buyer")
        worker = self.register("worker")
        task = self.create_task(buyer, required_workers=2, payable_amount=6)
        submission = self.submit(worker, task["id"]).json
        r = self.approve(buyer, submission["id"], {"feedback": "Great work"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "approved")
        self.assertEqual(r.json["decided_by"], "buyer")
        self.assertEqual(r.json["feedback"], "Great work")
        self.assertIsNotNone(r.json["decided_at"])
        wallet = self.wallet(worker)
        self.assertEqual((wallet["coins"], wallet["total_earned"]), (16, 6))
        self.assertEqual(self.wallet(buyer)["escrowed_coins"], 6)
        [entry] = self.server.api("GET", "/wallet/transactions?limit=1",
                                  token=worker["access_token"]).json["items"]
        self.assertEqual((entry["kind"], entry["amount"]), ("submission_payment", 6))
        self.assertEqual(entry["reference"], {"type": "submission", "id": submission["id"]})
        [note] = self.notifications(worker)
        self.assertIn("approved", note["message"])
        # A second decision, either way, is a conflict and moves nothing.
        self.assertProblem(self.approve(buyer, submission["id"]), 409, "already_decided")
        self.assertProblem(self.reject(buyer, submission["id"]), 409, "already_decided")
        self.assertEqual(self.wallet(worker)["coins"], 16)
        # The slot stays taken.
        self.assertEqual(self.get_task(buyer, task["id"]).json["slots_open"], 1)

    def test_approve_without_body(self):
        buyer = self.register("buyer")
        worker = self.register("worker")
        task = self.create_task(buyer)
        submission = self.submit(worker, task["id"]).json
        r = self.approve(buyer, submission["id"])
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["feedback"])

    def test_reject_gives_the_slot_back(self):
        buyer = self.register("buyer")
        worker = self.register("worker")
        task = self.create_task(buyer, required_workers=1, payable_amount=5)
        submission = self.submit(worker, task["id"]).json
        self.assertEqual(self.get_task(buyer, task["id"]).json["slots_open"], 0)
        self.assertProblem(self.reject(buyer, submission["id"], feedback=None), 422,
                           "validation_failed")
        self.assertProblem(self.reject(buyer, submission["id"], feedback="   "), 422,
                           "validation_failed")
        self.assertProblem(self.reject(buyer, submission["id"], feedback="x" * 2001), 422,
                           "validation_failed")
        r = self.reject(buyer, submission["id"], feedback="Blurry photos")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["status"], r.json["feedback"], r.json["decided_by"]),
                         ("rejected", "Blurry photos", "buyer"))
        self.assertEqual(self.get_task(buyer, task["id"]).json["slots_open"], 1)
        self.assertEqual(self.wallet(worker)["coins"], 10)
        self.assertEqual(self.wallet(buyer)["escrowed_coins"], 5)
        [note] = self.notifications(worker)
        self.assertIn("rejected", note["message"])
        # The worker may not submit to it again; another worker takes the slot.
        self.assertProblem(self.submit(worker, task["id"], expect=None), 409,
                           "already_submitted")
        self.submit(self.register("worker"), task["id"])

    def test_who_may_decide(self):
        buyer = self.register("buyer")
        worker = self.register("worker")
        task = self.create_task(buyer)
        submission = self.submit(worker, task["id"]).json
        other_buyer = self.register("buyer")
        self.assertProblem(self.approve(other_buyer, submission["id"]), 404, "not_found")
        self.assertProblem(self.reject(other_buyer, submission["id"]), 404, "not_found")
        self.assertProblem(self.approve(worker, submission["id"]), 403, "forbidden")
        self.assertProblem(self.reject(worker, submission["id"]), 403, "forbidden")
        admin = {"access_token": self.admin_token}
        self.assertProblem(self.approve(admin, submission["id"]), 403, "forbidden")
        self.assertProblem(self.approve(buyer, MISSING), 404, "not_found")
        self.assertProblem(self.approve(buyer, submission["id"], {"feedback": "x" * 2001}),
                           422, "validation_failed")
        self.assertProblem(self.approve(buyer, submission["id"], {"rating": 5}),
                           422, "validation_failed")
        self.assertEqual(self.server.api("GET", f"/submissions/{submission['id']}",
                                         token=buyer["access_token"]).json["status"], "pending")

    def test_worker_and_buyer_lists(self):
        buyer = self.register("buyer")
        worker = self.register("worker")
        tasks = [self.create_task(buyer, required_workers=1) for _ in range(4)]
        subs = [self.submit(worker, t["id"]).json for t in tasks]
        self.approve(buyer, subs[0]["id"])
        self.reject(buyer, subs[1]["id"])
        mine = self.collect("/worker/submissions", worker, limit=3)
        self.assertEqual([s["id"] for s in mine], [s["id"] for s in reversed(subs)])
        pending = self.collect("/worker/submissions?status=pending", worker)
        self.assertEqual({s["id"] for s in pending}, {subs[2]["id"], subs[3]["id"]})
        approved = self.collect("/buyer/submissions?status=approved", buyer)
        self.assertEqual([s["id"] for s in approved], [subs[0]["id"]])
        of_task = self.collect(f"/buyer/submissions?task_id={tasks[1]['id']}", buyer)
        self.assertEqual([s["id"] for s in of_task], [subs[1]["id"]])
        everything = self.collect("/buyer/submissions", buyer, limit=1)
        self.assertEqual(len(everything), 4)
        # Nobody else's submissions leak into a list.
        self.assertEqual(self.collect("/buyer/submissions", self.register("buyer")), [])
        self.assertEqual(self.collect("/worker/submissions", self.register("worker")), [])
        for path, token in (("/worker/submissions?status=done", worker["access_token"]),
                            ("/buyer/submissions?task_id=abc", buyer["access_token"]),
                            ("/buyer/submissions?limit=0", buyer["access_token"])):
            self.assertProblem(self.server.api("GET", path, token=token), 422,
                               "validation_failed")
        self.assertProblem(self.server.api("GET", "/worker/submissions",
                                           token=buyer["access_token"]), 403, "forbidden")
        self.assertProblem(self.server.api("GET", "/buyer/submissions",
                                           token=worker["access_token"]), 403, "forbidden")


class SubmissionRaceTest(MarketplaceTestCase):
    def test_thirty_workers_for_five_slots(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=5, payable_amount=2)
        with ThreadPoolExecutor(10) as pool:
            workers = list(pool.map(lambda _: self.register("worker"), range(30)))
        barrier = threading.Barrier(30)

        def submit(worker):
            barrier.wait()
            return self.submit(worker, task["id"], expect=None)

        with ThreadPoolExecutor(30) as pool:
            results = list(pool.map(submit, workers))
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses.count(201), 5, statuses)
        self.assertEqual(statuses.count(409), 25, statuses)
        self.assertTrue(all(r.json["code"] == "task_full" for r in results if r.status == 409))
        self.assertEqual(self.get_task(buyer, task["id"]).json["slots_open"], 0)
        self.assertEqual(len(self.collect(f"/buyer/submissions?task_id={task['id']}", buyer,
                                          limit=100)), 5)

    def test_one_worker_submitting_in_parallel_submits_once(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=5)
        worker = self.register("worker")
        with ThreadPoolExecutor(10) as pool:
            results = list(pool.map(lambda _: self.submit(worker, task["id"], expect=None),
                                    range(10)))
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses.count(201), 1, statuses)
        self.assertEqual(statuses.count(409), 9, statuses)
        self.assertEqual(self.get_task(buyer, task["id"]).json["slots_open"], 4)

    def test_twenty_parallel_approvals_pay_once(self):
        buyer = self.register("buyer")
        worker = self.register("worker")
        task = self.create_task(buyer, required_workers=1, payable_amount=9)
        submission = self.submit(worker, task["id"]).json
        barrier = threading.Barrier(20)

        def approve(_):
            barrier.wait()
            return self.approve(buyer, submission["id"])

        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(approve, range(20)))
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses.count(200), 1, statuses)
        self.assertEqual(statuses.count(409), 19, statuses)
        self.assertEqual(self.wallet(worker)["coins"], 19)
        self.assertEqual(self.wallet(buyer)["escrowed_coins"], 0)

    def test_approve_racing_reject_has_one_outcome(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=10, payable_amount=3)
        workers = [self.register("worker") for _ in range(5)]
        subs = [self.submit(w, task["id"]).json for w in workers]
        for sub, worker in zip(subs, workers):
            barrier = threading.Barrier(2)

            def decide(kind, sub_id=sub["id"], gate=barrier):
                gate.wait()
                return self.approve(buyer, sub_id) if kind == "approve" else \
                    self.reject(buyer, sub_id)

            with ThreadPoolExecutor(2) as pool:
                approve_result, reject_result = pool.map(decide, ["approve", "reject"])
            self.assertEqual(sorted([approve_result.status, reject_result.status]), [200, 409])
            final = self.server.api("GET", f"/submissions/{sub['id']}",
                                    token=buyer["access_token"]).json["status"]
            coins = self.wallet(worker)["coins"]
            if approve_result.status == 200:
                self.assertEqual((final, coins), ("approved", 13))
            else:
                self.assertEqual((final, coins), ("rejected", 10))
        approved = sum(1 for s in subs if self.server.api(
            "GET", f"/submissions/{s['id']}", token=buyer["access_token"]).json["status"] ==
            "approved")
        task_now = self.get_task(buyer, task["id"]).json
        self.assertEqual(task_now["slots_open"], 10 - 5 + (5 - approved))
        self.assertEqual(self.wallet(buyer)["escrowed_coins"], 3 * (10 - approved))


if __name__ == "__main__":
    unittest.main()
