"""Wallet, ledger verification and the Idempotency-Key convention."""
import json
import secrets
import threading
import unittest
from concurrent.futures import ThreadPoolExecutor

from harness import ServerTestCase
from marketplace import task_body


class WalletTest(ServerTestCase):
    def test_wallet_after_signup(self):
        buyer = self.register("buyer")
        r = self.server.api("GET", "/wallet", token=buyer["access_token"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"coins": 50, "held_coins": 0, "escrowed_coins": 0,
                                  "total_earned": 0, "total_spent": 0})

    def test_transactions_page(self):
        worker = self.register("worker")
        r = self.server.api("GET", "/wallet/transactions", token=worker["access_token"])
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["next_cursor"])
        [entry] = r.json["items"]
        self.assertEqual(entry["amount"], 10)
        self.assertEqual(entry["balance_after"], 10)
        self.assertEqual(entry["kind"], "signup_bonus")
        self.assertEqual(entry["reference"], {"type": "user", "id": worker["user"]["id"]})

    def give_coins(self, user, amount):
        r = self.server.api("POST", f"/admin/users/{user['user']['id']}/coins",
                            {"amount": amount, "reason": "test funds"}, token=self.admin_token)
        self.assertEqual(r.status, 200, r)

    def entries(self, token, limit, between_pages=lambda: None):
        """Every entry following next_cursor; between_pages runs after each page."""
        items, cursor = [], None
        for _ in range(100):
            path = f"/wallet/transactions?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            r = self.server.api("GET", path, token=token)
            self.assertEqual(r.status, 200, r)
            self.assertLessEqual(len(r.json["items"]), limit)
            items.extend(r.json["items"])
            cursor = r.json["next_cursor"]
            if cursor is None:
                return items
            between_pages()
        self.fail("next_cursor never ended")

    def test_transactions_cursor_walks_every_entry_once_with_a_balance_chain(self):
        buyer = self.register("buyer")
        token = buyer["access_token"]
        self.give_coins(buyer, 30)
        self.give_coins(buyer, -5)
        tasks = []
        for amount in (1, 2, 3, 4, 5, 6):
            r = self.server.api("POST", "/tasks", task_body(required_workers=1,
                                                            payable_amount=amount), token=token)
            self.assertEqual(r.status, 201, r)
            tasks.append(r.json["id"])
        for task_id in tasks[:2]:
            self.assertEqual(self.server.api("DELETE", f"/tasks/{task_id}", token=token).status,
                             200)
        # 1 bonus + 2 adjustments + 6 escrows + 2 refunds = 11 entries, 4 pages of 3.
        whole = self.server.api("GET", "/wallet/transactions?limit=100", token=token).json
        self.assertEqual(len(whole["items"]), 11)
        self.assertIsNone(whole["next_cursor"])

        # Entries posted while the pages are read are newer than the cursor: no page changes.
        def post_one_more():
            self.give_coins(buyer, 1)

        paged = self.entries(token, limit=3, between_pages=post_one_more)
        self.assertEqual([e["id"] for e in paged], [e["id"] for e in whole["items"]])
        self.assertEqual(len({e["id"] for e in paged}), len(paged))

        everything = self.entries(token, limit=4)
        self.assertEqual(len(everything), 11 + 3)
        self.assertEqual(len({e["id"] for e in everything}), len(everything))
        oldest_first = list(reversed(everything))
        self.assertEqual(oldest_first[0]["kind"], "signup_bonus")
        self.assertEqual(oldest_first[0]["balance_after"], oldest_first[0]["amount"])
        for previous, entry in zip(oldest_first, oldest_first[1:]):
            self.assertEqual(entry["balance_after"], previous["balance_after"] + entry["amount"],
                             (previous, entry))
        wallet = self.server.api("GET", "/wallet", token=token).json
        self.assertEqual(oldest_first[-1]["balance_after"], wallet["coins"])
        # Bonus, adjustments, six escrows, two refunds, and the three posted between pages.
        self.assertEqual(wallet["coins"], 50 + 30 - 5 - 21 + (1 + 2) + 3)

    def test_wallet_figures_are_one_snapshot_while_tasks_are_created(self):
        buyer = self.register("buyer")
        token = buyer["access_token"]
        self.give_coins(buyer, 950)
        done = threading.Event()
        seen = []

        def create(count):
            for _ in range(count):
                r = self.server.api("POST", "/tasks", task_body(required_workers=1,
                                                                payable_amount=1), token=token)
                self.assertEqual(r.status, 201, r)

        def poll():
            while not done.is_set():
                r = self.server.api("GET", "/wallet", token=token)
                self.assertEqual(r.status, 200, r)
                seen.append(r.json)

        with ThreadPoolExecutor(7) as pool:
            pollers = [pool.submit(poll) for _ in range(3)]
            creators = [pool.submit(create, 40) for _ in range(4)]
            for creator in creators:
                creator.result()
            done.set()
            for poller in pollers:
                poller.result()
        self.assertGreater(len(seen), 20)
        # Creating a task moves coins from the wallet into escrow: the sum never changes.
        wrong = [w for w in seen if w["coins"] + w["escrowed_coins"] != 1000]
        self.assertEqual(wrong, [], f"{len(wrong)} of {len(seen)} polls")
        final = self.server.api("GET", "/wallet", token=token).json
        self.assertEqual((final["coins"], final["escrowed_coins"]), (840, 160))

    def test_list_parameters_are_validated(self):
        token = self.register("worker")["access_token"]
        for query in ("limit=0", "limit=101", "limit=abc", "limit=", "cursor=forged",
                      "cursor=MTA.AAAAAAAAAAAAAAAAAAAAAA"):
            with self.subTest(query):
                self.assertProblem(self.server.api("GET", "/wallet/transactions?" + query,
                                                   token=token), 422, "validation_failed")

    def test_ledger_verify(self):
        self.register("buyer")
        r = self.server.api("GET", "/admin/ledger/verify", token=self.admin_token)
        self.assertEqual(r.status, 200)
        self.assertTrue(r.json["balanced"])
        self.assertGreaterEqual(r.json["transfers"], 1)
        self.assertGreaterEqual(r.json["accounts"], 3)


class IdempotencyTest(ServerTestCase):
    def logout(self, session, key, refresh=None):
        return self.server.api("POST", "/auth/logout",
                               {"refresh_token": refresh or session["refresh_token"]},
                               token=session["access_token"], headers={"Idempotency-Key": key})

    def test_replay_returns_the_first_response(self):
        session = self.register("worker")
        key = secrets.token_hex(8)
        first = self.server.api("PATCH", "/me", {"name": "x"}, token=session["access_token"])
        self.assertEqual(first.status, 200)
        # A POST that fails validation is a stored (< 500) answer, replayed byte for byte.
        a = self.server.api("POST", "/auth/logout", {"bogus": 1}, token=session["access_token"],
                            headers={"Idempotency-Key": key})
        self.assertEqual(a.status, 422)
        b = self.server.api("POST", "/auth/logout", {"bogus": 1}, token=session["access_token"],
                            headers={"Idempotency-Key": key})
        self.assertEqual(b.status, 422)
        self.assertEqual(a.raw, b.raw)
        self.assertEqual(b.header("Idempotent-Replayed"), "true")
        self.assertIsNone(a.header("Idempotent-Replayed"))

    def test_same_key_other_body_is_422(self):
        session = self.register("worker")
        key = secrets.token_hex(8)
        self.assertEqual(self.logout(session, key).status, 204)
        r = self.logout(session, key, refresh="something-else")
        self.assertProblem(r, 422, "idempotency_key_reused")

    def test_key_too_long_is_422(self):
        session = self.register("worker")
        self.assertProblem(self.logout(session, "k" * 256), 422, "validation_failed")

    def test_parallel_identical_posts_have_one_effect(self):
        session = self.register("worker")
        key = secrets.token_hex(8)
        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(lambda _: self.logout(session, key), range(20)))
        done = [r for r in results if r.status == 204]
        in_progress = [r for r in results if r.status == 409]
        self.assertEqual(len(done) + len(in_progress), 20, results)
        self.assertGreaterEqual(len(done), 1)
        self.assertEqual(len([r for r in done if r.header("Idempotent-Replayed") is None]), 1)
        for r in in_progress:
            self.assertEqual(r.json["code"], "idempotency_in_progress")

    def test_parallel_task_creations_with_one_key_escrow_once(self):
        buyer = self.register("buyer")
        token = buyer["access_token"]
        key = secrets.token_hex(8)
        body = task_body(required_workers=2, payable_amount=5)

        def create(_):
            return self.server.api("POST", "/tasks", body, token=token,
                                   headers={"Idempotency-Key": key})

        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(create, range(20)))
        created = [r for r in results if r.status == 201]
        self.assertTrue(all(r.status in (201, 409) for r in results), results)
        self.assertGreaterEqual(len(created), 1)
        self.assertEqual(len({r.raw for r in created}), 1, "replays are byte-identical")
        # A retry after the first finished replays it too.
        again = create(None)
        self.assertEqual(again.status, 201)
        self.assertEqual(again.raw, created[0].raw)
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        wallet = self.server.api("GET", "/wallet", token=token).json
        self.assertEqual(wallet["coins"], 40)
        self.assertEqual(wallet["escrowed_coins"], 10)

    def test_keys_are_per_user(self):
        a = self.register("worker")
        b = self.register("worker")
        key = secrets.token_hex(8)
        self.assertEqual(self.logout(a, key).status, 204)
        r = self.logout(b, key)
        self.assertEqual(r.status, 204)
        self.assertIsNone(r.header("Idempotent-Replayed"))


if __name__ == "__main__":
    unittest.main()
