"""Withdrawals: holds, validation order, decisions and their races."""
import secrets
import unittest
from concurrent.futures import ThreadPoolExecutor

from harness import ServerTestCase

ACCOUNT_NUMBER = "DE89370400440532013000"


class WithdrawalTestCase(ServerTestCase):
    def worker_with(self, coins):
        """A new worker whose wallet holds exactly `coins` (sign-up bonus included)."""
        worker = self.register("worker")
        extra = coins - 10
        if extra != 0:
            r = self.server.api("POST", f"/admin/users/{worker['user']['id']}/coins",
                                {"amount": extra, "reason": "test funds"},
                                token=self.admin_token)
            self.assertEqual(r.status, 200, r)
        return worker

    def request(self, worker, coins, payment_system="paypal", account_number=ACCOUNT_NUMBER,
                **extra):
        body = {"coins": coins, "payment_system": payment_system,
                "account_number": account_number, **extra}
        return self.server.api("POST", "/withdrawals", body, token=worker["access_token"])

    def withdraw(self, worker, coins):
        r = self.request(worker, coins)
        self.assertEqual(r.status, 201, r)
        return r.json

    def wallet(self, user):
        r = self.server.api("GET", "/wallet", token=user["access_token"])
        self.assertEqual(r.status, 200, r)
        return r.json

    def decide(self, action, withdrawal_id, token=None, body=None):
        if action == "cancel":
            return self.server.api("POST", f"/withdrawals/{withdrawal_id}/cancel", body,
                                   token=token)
        return self.server.api("POST", f"/admin/withdrawals/{withdrawal_id}/{action}", body,
                               token=token or self.admin_token)


class RequestTest(WithdrawalTestCase):
    def test_request_holds_the_coins_at_once(self):
        worker = self.worker_with(300)
        w = self.withdraw(worker, 250)
        self.assertEqual(w["worker"], {"id": worker["user"]["id"], "name": "Test User"})
        self.assertEqual(w["coins"], 250)
        self.assertEqual(w["amount_cents"], 1250)
        self.assertEqual(w["currency"], "usd")
        self.assertEqual(w["payment_system"], "paypal")
        self.assertEqual(w["account_number_last4"], "3000")
        self.assertEqual(w["status"], "pending")
        self.assertIsNone(w["reason"])
        self.assertIsNone(w["decided_at"])
        self.assertTrue(w["requested_at"].endswith("Z"))
        self.assertNotIn(ACCOUNT_NUMBER, repr(w))
        self.assertEqual(self.wallet(worker)["coins"], 50)
        self.assertEqual(self.wallet(worker)["held_coins"], 250)
        r = self.server.api("GET", "/wallet/transactions", token=worker["access_token"])
        hold = r.json["items"][0]
        self.assertEqual((hold["kind"], hold["amount"], hold["balance_after"]),
                         ("withdrawal_hold", -250, 50))
        self.assertEqual(hold["reference"], {"type": "withdrawal", "id": w["id"]})
        r = self.server.api("GET", "/withdrawals", token=worker["access_token"])
        self.assertNotIn(ACCOUNT_NUMBER, r.raw.decode())
        self.assertNotIn(ACCOUNT_NUMBER, self.server.logs())

    def test_admins_are_notified_of_a_request(self):
        worker = self.worker_with(200)
        self.withdraw(worker, 200)
        r = self.server.api("GET", "/notifications", token=self.admin_token)
        self.assertEqual(r.status, 200, r)
        self.assertIn("requested a withdrawal of 200 coins", r.json["items"][0]["message"])

    def test_validation_comes_before_the_balance(self):
        worker = self.worker_with(10)
        for coins in (199, 0, -5):
            with self.subTest(coins):
                problem = self.assertProblem(self.request(worker, coins), 422,
                                             "withdrawal_below_minimum")
                self.assertEqual([e["field"] for e in problem["errors"]], ["coins"])
        self.assertProblem(self.request(worker, 200), 402, "insufficient_coins")
        self.assertProblem(self.request(worker, 10**12), 402, "insufficient_coins")
        self.assertEqual(self.wallet(worker), {"coins": 10, "held_coins": 0, "escrowed_coins": 0,
                                               "total_earned": 0, "total_spent": 0})

    def test_invalid_fields_are_listed_together(self):
        worker = self.worker_with(500)
        cases = [
            ({"payment_system": "bitcoin"}, {"payment_system"}),
            ({"account_number": "123"}, {"account_number"}),
            ({"account_number": "   "}, {"account_number"}),
            ({"coins": "200"}, {"coins"}),
            ({"coins": 200.5}, {"coins"}),
            ({"coins": 10**13}, {"coins"}),
            ({"coins": 100, "payment_system": "bitcoin"}, {"coins", "payment_system"}),
            ({"account_number_last4": "1234"}, {"account_number_last4"}),
            ({"status": "paid"}, {"status"}),
        ]
        for overrides, fields in cases:
            with self.subTest(overrides):
                body = {"coins": 200, "payment_system": "bkash", "account_number": "01712345678"}
                body.update(overrides)
                r = self.server.api("POST", "/withdrawals", body, token=worker["access_token"])
                problem = self.assertProblem(r, 422, "validation_failed")
                self.assertEqual({e["field"] for e in problem["errors"]}, fields, problem)
        r = self.server.api("POST", "/withdrawals", {}, token=worker["access_token"])
        problem = self.assertProblem(r, 422, "validation_failed")
        self.assertEqual({e["field"] for e in problem["errors"]},
                         {"coins", "payment_system", "account_number"})
        self.assertEqual(self.wallet(worker)["coins"], 500)

    def test_account_numbers_are_plain_and_longer_than_their_last_four(self):
        worker = self.worker_with(1000)
        for number in ("123456", "DE89370400440532013000", "jane.doe+pay@example.com",
                       "01712-345_678", "7" * 64):
            with self.subTest(number):
                r = self.request(worker, 200, account_number=number)
                self.assertEqual(r.status, 201, r)
                self.assertEqual(r.json["account_number_last4"], number[-4:])
        refused = {
            "four characters": "1234",
            "five characters": "12345",
            "too long": "7" * 65,
            "a space inside": "1234 5678",
            "a tab inside": "1234\t5678",
            "a control character": "1234\x075678",
            "a zero-width space": "1234\u200b5678",
            "a soft hyphen": "1234\u00ad5678",
            "a right-to-left override": "1234\u202e5678",
            "full-width digits": "\uff11\uff12\uff13\uff14\uff15\uff16",
            "markup": "<b>12345678</b>",
        }
        for name, number in refused.items():
            with self.subTest(name):
                problem = self.assertProblem(self.request(worker, 200, account_number=number),
                                             422, "validation_failed")
                self.assertEqual([e["field"] for e in problem["errors"]], ["account_number"])
        self.assertEqual(self.wallet(worker)["coins"], 0)

    def test_every_configured_payment_system(self):
        worker = self.worker_with(1000)
        for system in ("stripe", "paypal", "bkash", "rocket", "nagad"):
            with self.subTest(system):
                self.assertEqual(self.request(worker, 200, payment_system=system).status, 201)

    def test_only_workers_request(self):
        for role in ("buyer",):
            user = self.register(role)
            self.assertProblem(self.request(user, 200), 403, "forbidden")
        r = self.server.api("POST", "/withdrawals", {"coins": 200}, token=self.admin_token)
        self.assertProblem(r, 403, "forbidden")
        r = self.server.api("POST", "/withdrawals", {"coins": 200})
        self.assertProblem(r, 401, "unauthenticated")

    def test_parallel_requests_never_overdraw(self):
        worker = self.worker_with(1000)
        with ThreadPoolExecutor(10) as pool:
            results = list(pool.map(lambda _: self.request(worker, 300), range(10)))
        created = [r for r in results if r.status == 201]
        refused = [r for r in results if r.status == 402]
        self.assertEqual(len(created), 3, results)
        self.assertEqual(len(created) + len(refused), 10, results)
        wallet = self.wallet(worker)
        self.assertEqual(wallet["coins"], 100)
        self.assertEqual(wallet["held_coins"], 900)


class ListTest(WithdrawalTestCase):
    def test_workers_see_their_own_admins_see_all(self):
        a = self.worker_with(1000)
        b = self.worker_with(1000)
        wa = [self.withdraw(a, 200)["id"], self.withdraw(a, 300)["id"]]
        wb = self.withdraw(b, 400)["id"]
        self.assertEqual(self.decide("cancel", wa[0], token=a["access_token"]).status, 200)
        r = self.server.api("GET", "/withdrawals", token=a["access_token"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual([w["id"] for w in r.json["items"]], wa[::-1])
        r = self.server.api("GET", "/withdrawals?status=cancelled", token=a["access_token"])
        self.assertEqual([w["id"] for w in r.json["items"]], [wa[0]])
        r = self.server.api("GET", "/withdrawals?status=pending&limit=100",
                            token=self.admin_token)
        ids = [w["id"] for w in r.json["items"]]
        self.assertIn(wb, ids)
        self.assertIn(wa[1], ids)
        self.assertNotIn(wa[0], ids)
        self.assertLess(ids.index(wb), ids.index(wa[1]))
        page = self.server.api("GET", "/withdrawals?limit=1", token=a["access_token"])
        self.assertEqual([w["id"] for w in page.json["items"]], [wa[1]])
        page = self.server.api("GET", "/withdrawals?limit=1&cursor=" + page.json["next_cursor"],
                               token=a["access_token"])
        self.assertEqual([w["id"] for w in page.json["items"]], [wa[0]])
        self.assertIsNone(page.json["next_cursor"])

    def test_list_parameters_and_roles(self):
        worker = self.worker_with(10)
        for query in ("status=done", "limit=0", "cursor=nope"):
            with self.subTest(query):
                r = self.server.api("GET", "/withdrawals?" + query, token=worker["access_token"])
                self.assertProblem(r, 422, "validation_failed")
        r = self.server.api("GET", "/withdrawals", token=self.register("buyer")["access_token"])
        self.assertProblem(r, 403, "forbidden")


class DecisionTest(WithdrawalTestCase):
    def test_approve_pays_out(self):
        worker = self.worker_with(500)
        w = self.withdraw(worker, 400)
        before = self.server.api("GET", "/admin/stats", token=self.admin_token).json
        r = self.decide("approve", w["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "paid")
        self.assertIsNotNone(r.json["decided_at"])
        self.assertEqual(self.wallet(worker)["coins"], 100)
        self.assertEqual(self.wallet(worker)["held_coins"], 0)
        after = self.server.api("GET", "/admin/stats", token=self.admin_token).json
        self.assertEqual(after["total_withdrawn_cents"] - before["total_withdrawn_cents"], 2000)
        self.assertEqual(before["coins_held"] - after["coins_held"], 400)
        self.assertEqual(before["pending_withdrawals"] - after["pending_withdrawals"], 1)
        r = self.server.api("GET", "/notifications", token=worker["access_token"])
        self.assertIn("was paid", r.json["items"][0]["message"])
        for action, body in (("approve", None), ("reject", {"reason": "late"})):
            with self.subTest(action):
                self.assertProblem(self.decide(action, w["id"], body=body), 409, "invalid_state")
        self.assertProblem(self.decide("cancel", w["id"], token=worker["access_token"]), 409,
                           "invalid_state")
        self.assertEqual(self.wallet(worker)["coins"], 100)

    def test_reject_returns_the_coins(self):
        worker = self.worker_with(500)
        w = self.withdraw(worker, 300)
        for body in (None, {}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 2001},
                     {"reason": "ok", "extra": 1}):
            with self.subTest(body):
                self.assertProblem(self.decide("reject", w["id"], body=body), 422,
                                   "validation_failed")
        r = self.decide("reject", w["id"], body={"reason": "Account number does not exist"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "rejected")
        self.assertEqual(r.json["reason"], "Account number does not exist")
        self.assertEqual(self.wallet(worker)["coins"], 500)
        r = self.server.api("GET", "/wallet/transactions", token=worker["access_token"])
        release = r.json["items"][0]
        self.assertEqual((release["kind"], release["amount"]), ("withdrawal_release", 300))
        r = self.server.api("GET", "/notifications", token=worker["access_token"])
        self.assertIn("was rejected", r.json["items"][0]["message"])
        self.assertProblem(self.decide("approve", w["id"]), 409, "invalid_state")

    def test_cancel_by_its_worker_only(self):
        worker = self.worker_with(500)
        other = self.worker_with(10)
        w = self.withdraw(worker, 200)
        self.assertProblem(self.decide("cancel", w["id"], token=other["access_token"]), 404,
                           "not_found")
        self.assertProblem(self.decide("cancel", w["id"], token=self.admin_token), 403,
                           "forbidden")
        r = self.decide("cancel", w["id"], token=worker["access_token"],
                        body={"reason": "no body here"})
        self.assertProblem(r, 422, "validation_failed")
        r = self.decide("cancel", w["id"], token=worker["access_token"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "cancelled")
        self.assertEqual(self.wallet(worker)["coins"], 500)
        self.assertProblem(self.decide("cancel", w["id"], token=worker["access_token"]), 409,
                           "invalid_state")

    def test_unknown_withdrawals_are_404(self):
        worker = self.worker_with(10)
        for wid in ("0190b6c2-7d3e-7a41-9c2f-5b8e1d2a3c4f", "not-an-id"):
            with self.subTest(wid):
                self.assertProblem(self.decide("approve", wid), 404, "not_found")
                self.assertProblem(self.decide("reject", wid, body={"reason": "r"}), 404,
                                   "not_found")
                self.assertProblem(self.decide("cancel", wid, token=worker["access_token"]), 404,
                                   "not_found")

    def test_approve_reject_and_cancel_racing_have_one_outcome(self):
        worker = self.worker_with(200 * 8 + 10)
        for round_number in range(8):
            w = self.withdraw(worker, 200)
            attempts = [("approve", None, self.admin_token),
                        ("reject", {"reason": "race"}, self.admin_token),
                        ("cancel", None, worker["access_token"])] * 2
            with ThreadPoolExecutor(len(attempts)) as pool:
                results = list(pool.map(
                    lambda a: (a[0], self.decide(a[0], w["id"], token=a[2], body=a[1])),
                    attempts))
            winners = [(action, r) for action, r in results if r.status == 200]
            losers = [r for _, r in results if r.status != 200]
            self.assertEqual(len(winners), 1, results)
            for r in losers:
                self.assertProblem(r, 409, "invalid_state")
            action, r = winners[0]
            self.assertEqual(r.json["status"], {"approve": "paid", "reject": "rejected",
                                                "cancel": "cancelled"}[action])
            wallet = self.wallet(worker)
            self.assertEqual(wallet["held_coins"], 0, round_number)
        r = self.server.api("GET", "/withdrawals?limit=100", token=worker["access_token"])
        paid = sum(w["coins"] for w in r.json["items"] if w["status"] == "paid")
        self.assertEqual(self.wallet(worker)["coins"], 200 * 8 + 10 - paid)

    def test_idempotent_request(self):
        worker = self.worker_with(1000)
        key = secrets.token_hex(8)
        body = {"coins": 300, "payment_system": "nagad", "account_number": "01812345678"}
        first = self.server.api("POST", "/withdrawals", body, token=worker["access_token"],
                                headers={"Idempotency-Key": key})
        again = self.server.api("POST", "/withdrawals", body, token=worker["access_token"],
                                headers={"Idempotency-Key": key})
        self.assertEqual(first.status, 201, first)
        self.assertEqual(again.raw, first.raw)
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        self.assertEqual(self.wallet(worker)["coins"], 700)


if __name__ == "__main__":
    unittest.main()
