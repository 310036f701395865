"""The background jobs: expiry at completion_date and auto-approval, with short intervals."""
import unittest
from concurrent.futures import ThreadPoolExecutor

from harness import Server
from marketplace import MarketplaceTestCase, in_future


class ExpiryTest(MarketplaceTestCase):
    server_env = {"NANOTASKS_JOB_INTERVAL": "1"}

    def expired_notice(self, buyer, task_id):
        return [n for n in self.notifications(buyer) if n["action_route"] == f"/tasks/{task_id}"]

    def test_expiry_refunds_open_slots_and_notifies_the_buyer(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=5, payable_amount=2,
                                completion_date=in_future(seconds=3))
        workers = [self.register("worker") for _ in range(2)]
        subs = [self.submit(w, task["id"]).json for w in workers]
        self.assertEqual(self.wallet(buyer)["coins"], 40)
        [note] = self.poll(lambda: self.expired_notice(buyer, task["id"]))
        self.assertIn("6 coins", note["message"])
        wallet = self.wallet(buyer)
        self.assertEqual((wallet["coins"], wallet["escrowed_coins"]), (46, 4))
        closed = self.get_task(buyer, task["id"]).json
        self.assertEqual((closed["status"], closed["slots_open"]), ("closed", 0))
        # Closed: no new submission, not listed; pending ones are still reviewed.
        late = self.register("worker")
        self.assertProblem(self.submit(late, task["id"], expect=None), 409, "task_closed")
        listed = self.server.api("GET", "/tasks?limit=100", token=late["access_token"]).json
        self.assertNotIn(task["id"], [t["id"] for t in listed["items"]])
        self.assertEqual(self.approve(buyer, subs[0]["id"]).status, 200)
        self.assertEqual(self.wallet(workers[0])["coins"], 12)
        # A slot freed by a rejection after closing is refunded, not reopened.
        self.assertEqual(self.reject(buyer, subs[1]["id"]).status, 200)
        wallet = self.wallet(buyer)
        self.assertEqual((wallet["coins"], wallet["escrowed_coins"]), (48, 0))
        self.assertEqual(self.get_task(buyer, task["id"]).json["slots_open"], 0)
        # The job does not close it twice.
        self.assertEqual(len(self.expired_notice(buyer, task["id"])), 1)
        self.assertProblem(self.server.api("DELETE", f"/tasks/{task['id']}",
                                           token=buyer["access_token"]), 409, "invalid_state")

    def test_a_full_task_expires_with_nothing_to_refund(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=1, payable_amount=5,
                                completion_date=in_future(seconds=2))
        worker = self.register("worker")
        submission = self.submit(worker, task["id"]).json
        [note] = self.poll(lambda: self.expired_notice(buyer, task["id"]))
        self.assertIn("0 coins", note["message"])
        self.assertEqual(self.wallet(buyer)["escrowed_coins"], 5)
        self.assertEqual(self.reject(buyer, submission["id"]).status, 200)
        self.assertEqual(self.wallet(buyer)["coins"], 50)

    def test_an_untouched_task_returns_everything(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=3, payable_amount=4,
                                completion_date=in_future(seconds=2))
        self.poll(lambda: self.expired_notice(buyer, task["id"]))
        wallet = self.wallet(buyer)
        self.assertEqual((wallet["coins"], wallet["escrowed_coins"], wallet["total_spent"]),
                         (50, 0, 0))
        stats = self.server.api("GET", "/buyer/stats", token=buyer["access_token"]).json
        self.assertEqual((stats["task_count"], stats["open_slots"]), (1, 0))
        closed = self.collect("/buyer/tasks?status=closed", buyer)
        self.assertEqual([t["id"] for t in closed], [task["id"]])


class AutoApprovalTest(MarketplaceTestCase):
    server_env = {"NANOTASKS_JOB_INTERVAL": "1", "NANOTASKS_AUTO_APPROVE_AFTER": "1"}

    def submission(self, user, submission_id):
        r = self.server.api("GET", f"/submissions/{submission_id}", token=user["access_token"])
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_pending_submissions_are_approved_automatically(self):
        buyer = self.register("buyer")
        worker = self.register("worker")
        task = self.create_task(buyer, required_workers=2, payable_amount=4)
        submission = self.submit(worker, task["id"]).json
        decided = self.poll(lambda: (lambda s: s if s["status"] != "pending" else None)(
            self.submission(worker, submission["id"])))
        self.assertEqual((decided["status"], decided["decided_by"]), ("approved", "auto"))
        self.assertIsNone(decided["feedback"])
        wallet = self.wallet(worker)
        self.assertEqual((wallet["coins"], wallet["total_earned"]), (14, 4))
        notes = self.notifications(worker)
        self.assertEqual(len(notes), 1)
        self.assertIn("automatically", notes[0]["message"])
        self.assertProblem(self.approve(buyer, submission["id"]), 409, "already_decided")
        self.assertEqual(self.wallet(worker)["coins"], 14)

    def test_pending_submissions_of_a_cancelled_task_are_auto_approved_then_settled(self):
        buyer = self.register("buyer")
        worker = self.register("worker")
        task = self.create_task(buyer, required_workers=3, payable_amount=5)
        submission = self.submit(worker, task["id"]).json
        r = self.server.api("DELETE", f"/tasks/{task['id']}", token=buyer["access_token"])
        # Auto-approval may already have run; either way the two open slots come back.
        self.assertEqual(r.json["refunded_coins"], 10)
        self.poll(lambda: self.submission(worker, submission["id"])["status"] == "approved")
        self.assertEqual(self.wallet(worker)["coins"], 15)
        wallet = self.wallet(buyer)
        self.assertEqual((wallet["coins"], wallet["escrowed_coins"]), (45, 0))


class JobsInSeveralProcessesTest(MarketplaceTestCase):
    """Three processes on one database run the jobs at once: nothing is paid or refunded twice."""

    server_env = {"NANOTASKS_JOB_INTERVAL": "1", "NANOTASKS_AUTO_APPROVE_AFTER": "2"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = dict(cls.server_env, NANOTASKS_DATABASE_URL=cls.server.database_url)
        cls.others = [Server(env) for _ in range(2)]

    @classmethod
    def tearDownClass(cls):
        for other in cls.others:
            other.cleanup()
        super().tearDownClass()

    def test_each_submission_is_paid_once_and_each_task_refunded_once(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=30, payable_amount=1)
        with ThreadPoolExecutor(8) as pool:
            workers = list(pool.map(lambda _: self.register("worker"), range(24)))
            subs = list(pool.map(lambda w: self.submit(w, task["id"]).json, workers))
        other_buyer = self.register("buyer")
        expiring = [self.create_task(other_buyer, required_workers=2, payable_amount=5,
                                     completion_date=in_future(seconds=2)) for _ in range(5)]

        def all_approved():
            listed = self.collect(f"/buyer/submissions?task_id={task['id']}", buyer, limit=100)
            return len(listed) == 24 and all(s["status"] == "approved" for s in listed)

        self.poll(all_approved)
        for worker in workers:
            wallet = self.wallet(worker)
            self.assertEqual((wallet["coins"], wallet["total_earned"]), (11, 1))
            self.assertEqual(len(self.notifications(worker)), 1)
        self.assertEqual(len(subs), 24)
        self.poll(lambda: len([n for n in self.notifications(other_buyer)
                               if n["action_route"].startswith("/tasks/")]) == 5)
        wallet = self.wallet(other_buyer)
        self.assertEqual((wallet["coins"], wallet["escrowed_coins"]), (50, 0))
        self.assertEqual(self.wallet(buyer)["escrowed_coins"], 6)
        for t in expiring:
            self.assertEqual(self.get_task(other_buyer, t["id"]).json["status"], "closed")


if __name__ == "__main__":
    unittest.main()
