"""Administration: the role policy of every admin route, users, adjustments, removal, stats."""
import datetime
import secrets
import unittest
from concurrent.futures import ThreadPoolExecutor

from harness import ServerTestCase

UNKNOWN_ID = "0190b6c2-7d3e-7a41-9c2f-5b8e1d2a3c4f"


class AdminTestCase(ServerTestCase):
    def adjust(self, user_id, amount, reason="test funds", **kwargs):
        return self.server.api("POST", f"/admin/users/{user_id}/coins",
                               {"amount": amount, "reason": reason}, token=self.admin_token,
                               **kwargs)

    def fund(self, user, coins):
        r = self.adjust(user["user"]["id"], coins)
        self.assertEqual(r.status, 200, r)

    def withdrawal(self):
        worker = self.register("worker")
        self.fund(worker, 190)
        r = self.server.api("POST", "/withdrawals", {"coins": 200, "payment_system": "paypal",
                                                     "account_number": "12345678"},
                            token=worker["access_token"])
        self.assertEqual(r.status, 201, r)
        return worker, r.json

    def task(self, buyer, required_workers=2, payable_amount=10):
        deadline = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=7))
        r = self.server.api("POST", "/tasks", {
            "title": "Label some photos", "detail": "Draw boxes around cats.",
            "required_workers": required_workers, "payable_amount": payable_amount,
            "completion_date": deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "submission_info": "A link to the labelled set"}, token=buyer["access_token"])
        self.assertEqual(r.status, 201, r)
        return r.json

    def report(self):
        buyer = self.register("buyer")
        task = self.task(buyer, required_workers=1, payable_amount=1)
        worker = self.register("worker")
        r = self.server.api("POST", "/reports", {"target_type": "task", "target_id": task["id"],
                                                 "reason": "spam"},
                            token=worker["access_token"])
        self.assertEqual(r.status, 201, r)
        return r.json

    def user(self, user_id):
        r = self.server.api("GET", "/admin/users?limit=100", token=self.admin_token)
        for item in r.json["items"]:
            if item["id"] == user_id:
                return item
        raise AssertionError(f"user {user_id} not listed")


class AuthorizationTest(AdminTestCase):
    """Every admin route x role: anonymous 401, worker and buyer 403, admin 2xx."""

    def test_every_admin_route_by_role(self):
        worker_target = lambda: self.register("worker")["user"]["id"]  # noqa: E731
        # (method, path, body, admin's status, a fresh resource for the admin's call)
        routes = [
            ("GET", "/admin/users", None, 200, None),
            ("PATCH", "/admin/users/{id}", {"status": "suspended"}, 200, worker_target),
            ("DELETE", "/admin/users/{id}", None, 204, worker_target),
            ("POST", "/admin/users/{id}/coins", {"amount": 5, "reason": "promo"}, 200,
             worker_target),
            ("GET", "/admin/stats", None, 200, None),
            ("GET", "/admin/ledger/verify", None, 200, None),
            ("GET", "/admin/tasks", None, 200, None),
            ("GET", "/admin/reports", None, 200, None),
            ("POST", "/admin/reports/{id}/resolve", {"resolution": "task removed"}, 200,
             lambda: self.report()["id"]),
            ("POST", "/admin/withdrawals/{id}/approve", None, 200,
             lambda: self.withdrawal()[1]["id"]),
            ("POST", "/admin/withdrawals/{id}/reject", {"reason": "unknown account"}, 200,
             lambda: self.withdrawal()[1]["id"]),
        ]
        callers = [("anonymous", None, 401, "unauthenticated"),
                   ("worker", self.register("worker")["access_token"], 403, "forbidden"),
                   ("buyer", self.register("buyer")["access_token"], 403, "forbidden"),
                   ("admin", self.admin_token, None, None)]
        for method, path, body, success, fixture in routes:
            for name, token, status, code in callers:
                # The role check comes before any lookup, so the others need no real resource.
                resource = fixture() if fixture and name == "admin" else UNKNOWN_ID
                url = path.replace("{id}", resource)
                with self.subTest(method=method, path=path, caller=name):
                    r = self.server.api(method, url, body, token=token)
                    if status is None:
                        self.assertEqual(r.status, success, r)
                    else:
                        self.assertProblem(r, status, code)


class UsersTest(AdminTestCase):
    def test_filters_and_keyset_pages(self):
        tag = secrets.token_hex(4)
        alice = self.register("worker", name=f"Alice {tag}", email=f"alice.{tag}@Example.com")
        bob = self.register("buyer", name=f"Bob {tag}", email=f"bob.{tag}@example.com")
        carol = self.register("worker", name=f"Carol 100%_{tag}",
                              email=f"carol.{tag}@example.com")

        def ids(query):
            r = self.server.api("GET", "/admin/users?limit=100&" + query, token=self.admin_token)
            self.assertEqual(r.status, 200, r)
            return [u["id"] for u in r.json["items"]]

        a, b, c = alice["user"]["id"], bob["user"]["id"], carol["user"]["id"]
        self.assertEqual(ids(f"q={tag}"), [c, b, a])  # newest first
        self.assertEqual(ids(f"q={tag}&role=worker"), [c, a])
        self.assertEqual(ids(f"q=ALICE.{tag.upper()}"), [a])  # email, any case
        self.assertEqual(ids(f"q=alice%20{tag}"), [a])  # name
        self.assertEqual(ids(f"q=100%25_{tag}"), [c])  # wildcards are literal
        self.assertEqual(ids(f"q=0%25{tag}"), [])
        self.assertEqual(ids("role=admin"), [self.user_id_of_admin()])
        self.server.api("PATCH", f"/admin/users/{b}", {"status": "suspended"},
                        token=self.admin_token)
        self.assertEqual(ids(f"q={tag}&status=suspended"), [b])
        self.assertEqual(ids(f"q={tag}&status=active"), [c, a])
        first = self.server.api("GET", f"/admin/users?q={tag}&limit=2", token=self.admin_token)
        self.assertEqual([u["id"] for u in first.json["items"]], [c, b])
        second = self.server.api("GET", f"/admin/users?q={tag}&limit=2&cursor="
                                 + first.json["next_cursor"], token=self.admin_token)
        self.assertEqual([u["id"] for u in second.json["items"]], [a])
        self.assertIsNone(second.json["next_cursor"])
        user = second.json["items"][0]
        self.assertEqual(set(user), {"id", "name", "email", "role", "coins", "photo_url",
                                     "status", "created_at"})

    def user_id_of_admin(self):
        r = self.server.api("GET", "/me", token=self.admin_token)
        return r.json["id"]

    def test_bad_parameters_are_422(self):
        for query in ("role=owner", "status=gone", "limit=500", "cursor=abc", "q=" + "x" * 201):
            with self.subTest(query):
                r = self.server.api("GET", "/admin/users?" + query, token=self.admin_token)
                self.assertProblem(r, 422, "validation_failed")


class UpdateUserTest(AdminTestCase):
    def test_suspension_takes_effect_on_the_next_request(self):
        worker = self.register("worker")
        uid, token = worker["user"]["id"], worker["access_token"]
        r = self.server.api("PATCH", f"/admin/users/{uid}", {"status": "suspended"},
                            token=self.admin_token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "suspended")
        self.assertProblem(self.server.api("GET", "/me", token=token), 403, "account_suspended")
        r = self.server.api("POST", "/auth/refresh", {"refresh_token": worker["refresh_token"]})
        self.assertProblem(r, 403, "account_suspended")
        r = self.server.api("PATCH", f"/admin/users/{uid}", {"status": "active"},
                            token=self.admin_token)
        self.assertEqual(r.json["status"], "active")
        self.assertEqual(self.server.api("GET", "/me", token=token).status, 200)

    def test_role_change_takes_effect_on_the_next_request(self):
        buyer = self.register("buyer")
        token = buyer["access_token"]
        self.assertProblem(self.server.api("GET", "/withdrawals", token=token), 403, "forbidden")
        r = self.server.api("PATCH", f"/admin/users/{buyer['user']['id']}", {"role": "worker"},
                            token=self.admin_token)
        self.assertEqual(r.json["role"], "worker")
        self.assertEqual(self.server.api("GET", "/withdrawals", token=token).status, 200)

    def test_invalid_changes(self):
        uid = self.register("worker")["user"]["id"]
        for body, field in (({"status": "removed"}, "status"), ({"status": "gone"}, "status"),
                            ({"role": "owner"}, "role"), ({"coins": 5}, "coins"),
                            ({"role": 1}, "role")):
            with self.subTest(body):
                r = self.server.api("PATCH", f"/admin/users/{uid}", body, token=self.admin_token)
                problem = self.assertProblem(r, 422, "validation_failed")
                self.assertEqual([e["field"] for e in problem["errors"]], [field])
        r = self.server.api("PATCH", f"/admin/users/{UNKNOWN_ID}", {"status": "suspended"},
                            token=self.admin_token)
        self.assertProblem(r, 404, "not_found")
        me = self.server.api("GET", "/me", token=self.admin_token).json["id"]
        r = self.server.api("PATCH", f"/admin/users/{me}", {"role": "worker"},
                            token=self.admin_token)
        self.assertProblem(r, 409, "invalid_state")


class RemoveUserTest(AdminTestCase):
    def test_removal_ends_sessions_and_is_final(self):
        password = "password-123"
        worker = self.register("worker", password=password)
        uid = worker["user"]["id"]
        r = self.server.api("DELETE", f"/admin/users/{uid}", token=self.admin_token)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.raw, b"")
        self.assertProblem(self.server.api("GET", "/me", token=worker["access_token"]), 401,
                           "unauthenticated")
        r = self.server.api("POST", "/auth/refresh", {"refresh_token": worker["refresh_token"]})
        self.assertProblem(r, 401, "unauthenticated")
        r = self.server.api("POST", "/auth/login", {"email": worker["user"]["email"],
                                                    "password": password})
        self.assertProblem(r, 401, "invalid_credentials")
        self.assertEqual(self.user(uid)["status"], "removed")
        r = self.server.api("GET", "/admin/users?status=removed&limit=100",
                            token=self.admin_token)
        self.assertIn(uid, [u["id"] for u in r.json["items"]])
        self.assertProblem(self.server.api("DELETE", f"/admin/users/{uid}",
                                           token=self.admin_token), 409, "invalid_state")
        self.assertProblem(self.server.api("PATCH", f"/admin/users/{uid}", {"status": "active"},
                                           token=self.admin_token), 409, "invalid_state")
        self.assertProblem(self.adjust(uid, 5), 409, "invalid_state")
        self.assertProblem(self.server.api("DELETE", f"/admin/users/{UNKNOWN_ID}",
                                           token=self.admin_token), 404, "not_found")
        me = self.server.api("GET", "/me", token=self.admin_token).json["id"]
        self.assertProblem(self.server.api("DELETE", f"/admin/users/{me}",
                                           token=self.admin_token), 409, "invalid_state")

    def test_removal_cancels_open_tasks_and_refunds_their_buyer(self):
        buyer = self.register("buyer")
        self.fund(buyer, 100)
        open_task = self.task(buyer, required_workers=3, payable_amount=20)
        second = self.task(buyer, required_workers=1, payable_amount=10)
        worker = self.register("worker")
        r = self.server.api("POST", f"/tasks/{open_task['id']}/submissions",
                            {"submission_details": "done"}, token=worker["access_token"])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.user(buyer["user"]["id"])["coins"], 150 - 60 - 10)
        r = self.server.api("DELETE", f"/admin/users/{buyer['user']['id']}",
                            token=self.admin_token)
        self.assertEqual(r.status, 204, r)
        # The open slots' escrow came back (two of the first task's, the second's one); the
        # pending submission keeps its share until it is decided.
        self.assertEqual(self.user(buyer["user"]["id"])["coins"], 80 + 40 + 10)
        for task in (open_task, second):
            r = self.server.api("GET", f"/tasks/{task['id']}", token=self.admin_token)
            self.assertEqual(r.json["status"], "cancelled", r)
        r = self.server.api("GET", "/worker/submissions", token=worker["access_token"])
        self.assertEqual(r.json["items"][0]["status"], "pending")

    def test_removal_racing_task_creations_leaves_no_open_task(self):
        # Creations authenticated before the removal commits run on: each must either commit
        # before the removal lists the open tasks (and be cancelled and refunded by it) or see
        # the removal and create nothing. Several rounds, the removal sent after 2, 5, 8 or 11
        # of the 15 creations, as the race is one of timing.
        for round_number in range(12):
            with self.subTest(round=round_number):
                buyer = self.register("buyer")
                uid = buyer["user"]["id"]
                self.fund(buyer, 1000)
                coins = self.user(uid)["coins"]

                def create(_):
                    return self.server.api("POST", "/tasks", {
                        "title": "Label some photos", "detail": "Draw boxes around cats.",
                        "required_workers": 2, "payable_amount": 10,
                        "completion_date": (datetime.datetime.now(datetime.timezone.utc)
                                            + datetime.timedelta(days=7))
                        .strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "submission_info": "A link"}, token=buyer["access_token"])

                with ThreadPoolExecutor(16) as pool:
                    position = 3 * (round_number % 4) + 2
                    first = [pool.submit(create, i) for i in range(position)]
                    removal = pool.submit(self.server.api, "DELETE", f"/admin/users/{uid}",
                                          token=self.admin_token)
                    rest = [pool.submit(create, i) for i in range(15 - position)]
                    creations = [f.result() for f in first + rest]
                self.assertEqual(removal.result().status, 204, removal.result())
                for r in creations:
                    self.assertIn(r.status, (201, 401), r)
                for r in creations:
                    if r.status == 201:
                        task = self.server.api("GET", f"/tasks/{r.json['id']}",
                                               token=self.admin_token).json
                        self.assertEqual(task["status"], "cancelled", task)
                open_tasks, cursor = [], None
                while True:
                    page = self.server.api(
                        "GET", "/admin/tasks?status=open&limit=100"
                        + (f"&cursor={cursor}" if cursor else ""), token=self.admin_token).json
                    open_tasks += [t for t in page["items"] if t["buyer"]["id"] == uid]
                    cursor = page["next_cursor"]
                    if not cursor:
                        break
                self.assertEqual(open_tasks, [])
                self.assertEqual(self.user(uid)["coins"], coins)

    def test_pending_withdrawals_of_a_removed_worker_stay_decidable(self):
        worker, withdrawal = self.withdrawal()
        r = self.server.api("DELETE", f"/admin/users/{worker['user']['id']}",
                            token=self.admin_token)
        self.assertEqual(r.status, 204, r)
        r = self.server.api("GET", "/withdrawals?status=pending&limit=100",
                            token=self.admin_token)
        self.assertIn(withdrawal["id"], [w["id"] for w in r.json["items"]])
        r = self.server.api("POST", f"/admin/withdrawals/{withdrawal['id']}/reject",
                            {"reason": "account closed"}, token=self.admin_token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.user(worker["user"]["id"])["coins"], 200)


class CoinsTest(AdminTestCase):
    def test_adjustments_move_coins_between_mint_and_wallet(self):
        worker = self.register("worker")
        uid = worker["user"]["id"]
        r = self.adjust(uid, 90, "support refund")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["user"]["id"], uid)
        self.assertEqual(r.json["user"]["coins"], 100)
        tx = r.json["transaction"]
        self.assertEqual((tx["amount"], tx["balance_after"], tx["kind"]),
                         (90, 100, "admin_adjustment"))
        r = self.adjust(uid, -30, "clawback")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["transaction"]["amount"], r.json["user"]["coins"]), (-30, 70))
        self.assertProblem(self.adjust(uid, -71), 402, "insufficient_coins")
        r = self.server.api("GET", "/wallet/transactions", token=worker["access_token"])
        self.assertEqual([e["amount"] for e in r.json["items"]], [-30, 90, 10])
        self.assertEqual(self.user(uid)["coins"], 70)

    def test_invalid_adjustments(self):
        uid = self.register("worker")["user"]["id"]
        cases = [({"amount": 0, "reason": "r"}, {"amount"}),
                 ({"amount": 1.5, "reason": "r"}, {"amount"}),
                 ({"amount": "5", "reason": "r"}, {"amount"}),
                 ({"amount": 10**10, "reason": "r"}, {"amount"}),
                 ({"amount": 5}, {"reason"}),
                 ({"amount": 5, "reason": ""}, {"reason"}),
                 ({"amount": 5, "reason": "x" * 501}, {"reason"}),
                 ({"amount": 5, "reason": "r", "kind": "purchase"}, {"kind"}),
                 ({}, {"amount", "reason"})]
        for body, fields in cases:
            with self.subTest(body):
                r = self.server.api("POST", f"/admin/users/{uid}/coins", body,
                                    token=self.admin_token)
                problem = self.assertProblem(r, 422, "validation_failed")
                self.assertEqual({e["field"] for e in problem["errors"]}, fields)
        self.assertEqual(self.adjust(uid, 5, "x" * 500).status, 200)
        self.assertProblem(self.adjust(UNKNOWN_ID, 5), 404, "not_found")

    def test_admins_cannot_adjust_their_own_wallet(self):
        # Like changing their own role or status: one admin alone could mint coins for themself.
        me = self.server.api("GET", "/me", token=self.admin_token).json
        for amount in (100, -1):
            with self.subTest(amount):
                self.assertProblem(self.adjust(me["id"], amount), 409, "invalid_state")
        self.assertEqual(self.server.api("GET", "/me", token=self.admin_token).json["coins"],
                         me["coins"])

    def test_adjustment_is_idempotent(self):
        uid = self.register("buyer")["user"]["id"]
        key = secrets.token_hex(8)
        first = self.adjust(uid, 25, headers={"Idempotency-Key": key})
        again = self.adjust(uid, 25, headers={"Idempotency-Key": key})
        self.assertEqual(first.status, 200, first)
        self.assertEqual(again.raw, first.raw)
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        self.assertEqual(self.user(uid)["coins"], 75)

    def test_parallel_debits_never_go_below_zero(self):
        uid = self.register("worker")["user"]["id"]
        self.adjust(uid, 90)
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: self.adjust(uid, -30), range(8)))
        self.assertEqual(sorted(r.status for r in results), [200] * 3 + [402] * 5, results)
        self.assertEqual(self.user(uid)["coins"], 10)


class StatsTest(AdminTestCase):
    def all_users(self):
        users, cursor = [], None
        while True:
            query = "/admin/users?limit=100" + (f"&cursor={cursor}" if cursor else "")
            r = self.server.api("GET", query, token=self.admin_token)
            users += r.json["items"]
            cursor = r.json["next_cursor"]
            if not cursor:
                return users

    def test_stats_match_the_ledger(self):
        worker, withdrawal = self.withdrawal()
        other, paid = self.withdrawal()
        self.server.api("POST", f"/admin/withdrawals/{paid['id']}/approve",
                        token=self.admin_token)
        buyer = self.register("buyer")
        self.task(buyer, required_workers=2, payable_amount=5)
        removed = self.register("worker")
        self.server.api("DELETE", f"/admin/users/{removed['user']['id']}",
                        token=self.admin_token)
        r = self.server.api("GET", "/admin/stats", token=self.admin_token)
        self.assertEqual(r.status, 200, r)
        stats = r.json
        users = self.all_users()
        live = [u for u in users if u["status"] != "removed"]
        self.assertEqual(stats["total_workers"], sum(u["role"] == "worker" for u in live))
        self.assertEqual(stats["total_buyers"], sum(u["role"] == "buyer" for u in live))
        self.assertEqual(stats["coins_in_wallets"], sum(u["coins"] for u in users))
        pending = self.server.api("GET", "/withdrawals?status=pending&limit=100",
                                  token=self.admin_token).json["items"]
        self.assertEqual(stats["pending_withdrawals"], len(pending))
        self.assertEqual(stats["coins_held"], sum(w["coins"] for w in pending))
        paid_all = self.server.api("GET", "/withdrawals?status=paid&limit=100",
                                   token=self.admin_token).json["items"]
        self.assertEqual(stats["total_withdrawn_cents"], sum(w["amount_cents"] for w in paid_all))
        self.assertGreaterEqual(stats["coins_in_escrow"], 10)
        self.assertEqual(stats["total_purchased_cents"], 0)
        self.assertEqual(set(stats), {"total_workers", "total_buyers", "coins_in_wallets",
                                      "coins_in_escrow", "coins_held", "total_purchased_cents",
                                      "total_withdrawn_cents", "pending_withdrawals"})


if __name__ == "__main__":
    unittest.main()
