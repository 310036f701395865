"""Tasks: creation with escrow, reading, changing, cancelling, and the lists."""
import secrets
import unittest
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from marketplace import MarketplaceTestCase, in_future, rfc3339, task_body


class TaskTest(MarketplaceTestCase):
    def test_create_moves_escrow_out_of_the_wallet(self):
        buyer = self.register("buyer", name="Bea Buyer")
        task = self.create_task(buyer, required_workers=4, payable_amount=3,
                                image_url="https://example.com/cat.png")
        self.assertEqual(task["buyer"], {"id": buyer["user"]["id"], "name": "Bea Buyer"})
        self.assertEqual(task["required_workers"], 4)
        self.assertEqual(task["slots_open"], 4)
        self.assertEqual(task["payable_amount"], 3)
        self.assertEqual(task["status"], "open")
        self.assertEqual(task["image_url"], "https://example.com/cat.png")
        self.assertEqual(task["title"], "Label photos")
        for field in ("id", "detail", "submission_info", "completion_date", "created_at",
                      "updated_at"):
            self.assertIn(field, task)
        self.assertEqual(self.wallet(buyer), {"coins": 38, "held_coins": 0, "escrowed_coins": 12,
                                              "total_earned": 0, "total_spent": 12})
        r = self.server.api("GET", "/wallet/transactions", token=buyer["access_token"])
        entry = r.json["items"][0]
        self.assertEqual(entry["kind"], "task_escrow")
        self.assertEqual(entry["amount"], -12)
        self.assertEqual(entry["reference"], {"type": "task", "id": task["id"]})

    def test_without_enough_coins_is_402_and_changes_nothing(self):
        buyer = self.register("buyer")
        r = self.server.api("POST", "/tasks", task_body(required_workers=51, payable_amount=1),
                            token=buyer["access_token"])
        self.assertProblem(r, 402, "insufficient_coins")
        self.assertEqual(self.wallet(buyer)["coins"], 50)
        self.assertEqual(self.wallet(buyer)["escrowed_coins"], 0)
        r = self.server.api("GET", "/buyer/tasks", token=buyer["access_token"])
        self.assertEqual(r.json["items"], [])
        # Exactly the whole wallet is fine.
        self.create_task(buyer, required_workers=50, payable_amount=1)
        self.assertEqual(self.wallet(buyer)["coins"], 0)

    def test_every_invalid_field_is_listed(self):
        buyer = self.register("buyer")
        r = self.server.api("POST", "/tasks", {
            "title": "",
            "detail": "x" * 10001,
            "required_workers": 0,
            "payable_amount": 1000001,
            "completion_date": "2020-01-01T00:00:00Z",
            "image_url": "ftp://example.com/a.png",
            "status": "open",
        }, token=buyer["access_token"])
        problem = self.assertProblem(r, 422, "validation_failed")
        codes = {e["field"]: e["code"] for e in problem["errors"]}
        self.assertEqual(codes, {"title": "required", "detail": "too_long",
                                 "required_workers": "out_of_range",
                                 "payable_amount": "out_of_range",
                                 "completion_date": "not_in_future",
                                 "submission_info": "required", "image_url": "invalid_url",
                                 "status": "unknown_field"})
        self.assertEqual(self.wallet(buyer)["coins"], 50)

    def test_field_limits(self):
        buyer = self.register("buyer")
        token = buyer["access_token"]
        cases = [
            ({"title": "t" * 201}, "title", "too_long"),
            ({"title": "   "}, "title", "required"),
            ({"submission_info": "s" * 2001}, "submission_info", "too_long"),
            ({"required_workers": 10001}, "required_workers", "out_of_range"),
            ({"required_workers": 1.5}, "required_workers", "invalid_type"),
            ({"payable_amount": "3"}, "payable_amount", "invalid_type"),
            ({"completion_date": "tomorrow"}, "completion_date", "invalid_date"),
            ({"completion_date": in_future(days=366)}, "completion_date", "too_far"),
            ({"coins": 5}, "coins", "unknown_field"),
        ]
        for overrides, field, code in cases:
            with self.subTest(field=field, code=code):
                r = self.server.api("POST", "/tasks", task_body(**overrides), token=token)
                problem = self.assertProblem(r, 422, "validation_failed")
                self.assertIn({"field": field, "code": code},
                              [{"field": e["field"], "code": e["code"]}
                               for e in problem["errors"]])
        # The upper limits themselves are accepted (title of 200 code points, not bytes).
        task = self.create_task(buyer, title="é" * 200, detail="d" * 10000,
                                submission_info="s" * 2000, required_workers=1,
                                payable_amount=1, completion_date=in_future(days=364))
        self.assertEqual(len(task["title"]), 200)

    def test_bare_date_means_the_end_of_that_utc_day(self):
        buyer = self.register("buyer")
        day = (datetime.now(timezone.utc) + timedelta(days=3)).strftime("%Y-%m-%d")
        task = self.create_task(buyer, completion_date=day)
        self.assertEqual(task["completion_date"], day + "T23:59:59Z")
        # Offsets are converted to UTC.
        moment = datetime.now(timezone.utc) + timedelta(days=2)
        local = moment.astimezone(timezone(timedelta(hours=5, minutes=30)))
        task = self.create_task(buyer, completion_date=local.strftime("%Y-%m-%dT%H:%M:%S+05:30"))
        self.assertEqual(task["completion_date"], rfc3339(moment))

    def test_roles_and_media_type(self):
        worker = self.register("worker")
        r = self.server.api("POST", "/tasks", task_body(), token=worker["access_token"])
        self.assertProblem(r, 403, "forbidden")
        r = self.server.api("POST", "/tasks", task_body(), token=self.admin_token)
        self.assertProblem(r, 403, "forbidden")
        r = self.server.api("POST", "/tasks", raw="title=x", content_type="text/plain",
                            token=self.register("buyer")["access_token"])
        self.assertProblem(r, 415, "unsupported_media_type")
        self.assertProblem(self.server.api("POST", "/tasks", task_body()), 401, "unauthenticated")

    def test_get_task(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer)
        for user in (self.register("worker"), self.register("buyer"), buyer):
            r = self.get_task(user, task["id"])
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json, task)
        r = self.server.api("GET", f"/tasks/{task['id']}", token=self.admin_token)
        self.assertEqual(r.status, 200)
        for missing in ("0190b6c2-7d3e-7a41-9c2f-5b8e1d2a3c4f", "not-an-id", "1%27%20OR%201=1"):
            self.assertProblem(self.get_task(buyer, missing), 404, "not_found")

    def test_patch_texts_and_deadline(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, image_url="https://example.com/a.png")
        later = in_future(days=30)
        r = self.server.api("PATCH", f"/tasks/{task['id']}", {
            "title": "  New title  ", "detail": "New detail", "submission_info": "New info",
            "image_url": None, "completion_date": later}, token=buyer["access_token"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["title"], "New title")
        self.assertEqual(r.json["detail"], "New detail")
        self.assertEqual(r.json["submission_info"], "New info")
        self.assertIsNone(r.json["image_url"])
        self.assertEqual(r.json["completion_date"], later)
        self.assertEqual(r.json["required_workers"], task["required_workers"])
        self.assertEqual(self.get_task(buyer, task["id"]).json, r.json)
        # An empty change is a no-op that still answers the task.
        r = self.server.api("PATCH", f"/tasks/{task['id']}", {}, token=buyer["access_token"])
        self.assertEqual(r.status, 200, r)

    def test_patch_refusals(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, completion_date=in_future(days=10))
        path = f"/tasks/{task['id']}"
        token = buyer["access_token"]
        r = self.server.api("PATCH", path, {"payable_amount": 2, "required_workers": 9,
                                            "slots_open": 9}, token=token)
        problem = self.assertProblem(r, 422, "validation_failed")
        self.assertEqual(sorted((e["field"], e["code"]) for e in problem["errors"]),
                         [("payable_amount", "not_patchable"),
                          ("required_workers", "not_patchable"),
                          ("slots_open", "unknown_field")])
        r = self.server.api("PATCH", path, {"completion_date": in_future(days=5)}, token=token)
        problem = self.assertProblem(r, 422, "validation_failed")
        self.assertEqual(problem["errors"][0]["code"], "not_later")
        r = self.server.api("PATCH", path, {"completion_date": in_future(days=400)}, token=token)
        self.assertProblem(r, 422, "validation_failed")
        r = self.server.api("PATCH", path, {"title": ""}, token=token)
        self.assertProblem(r, 422, "validation_failed")
        other = self.register("buyer")
        self.assertProblem(self.server.api("PATCH", path, {"title": "Mine"},
                                           token=other["access_token"]), 403, "forbidden")
        worker = self.register("worker")
        self.assertProblem(self.server.api("PATCH", path, {"title": "Mine"},
                                           token=worker["access_token"]), 403, "forbidden")
        self.assertProblem(self.server.api("PATCH", "/tasks/0190b6c2-7d3e-7a41-9c2f-5b8e1d2a3c4f",
                                           {"title": "x"}, token=token), 404, "not_found")
        self.assertEqual(self.get_task(buyer, task["id"]).json["title"], task["title"])
        # A cancelled task cannot change any more.
        self.server.api("DELETE", path, token=token)
        self.assertProblem(self.server.api("PATCH", path, {"title": "Late"}, token=token),
                           409, "invalid_state")

    def test_cancel_refunds_open_slots_to_the_buyer(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=5, payable_amount=4)
        self.assertEqual(self.wallet(buyer)["coins"], 30)
        r = self.server.api("DELETE", f"/tasks/{task['id']}", token=buyer["access_token"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["refunded_coins"], 20)
        self.assertEqual(r.json["task"]["status"], "cancelled")
        self.assertEqual(r.json["task"]["slots_open"], 0)
        wallet = self.wallet(buyer)
        self.assertEqual((wallet["coins"], wallet["escrowed_coins"], wallet["total_spent"]),
                         (50, 0, 0))
        # Twice is a state conflict, and moves nothing.
        r = self.server.api("DELETE", f"/tasks/{task['id']}", token=buyer["access_token"])
        self.assertProblem(r, 409, "invalid_state")
        self.assertEqual(self.wallet(buyer)["coins"], 50)
        # Workers no longer see it at all; its buyer and admins do.
        self.assertProblem(self.get_task(self.register("worker"), task["id"]), 404, "not_found")
        self.assertEqual(self.get_task(buyer, task["id"]).json["status"], "cancelled")

    def test_cancel_by_another_buyer_or_a_worker_is_403(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer)
        for user in (self.register("buyer"), self.register("worker")):
            r = self.server.api("DELETE", f"/tasks/{task['id']}", token=user["access_token"])
            self.assertProblem(r, 403, "forbidden")
        self.assertEqual(self.get_task(buyer, task["id"]).json["status"], "open")

    def test_admin_cancel_refunds_the_buyer_not_the_admin(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=2, payable_amount=10)
        admin_before = self.server.api("GET", "/me", token=self.admin_token).json["coins"]
        r = self.server.api("DELETE", f"/tasks/{task['id']}", token=self.admin_token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["refunded_coins"], 20)
        self.assertEqual(self.wallet(buyer)["coins"], 50)
        self.assertEqual(self.server.api("GET", "/me", token=self.admin_token).json["coins"],
                         admin_before)

    def test_cancel_keeps_pending_submissions_reviewable(self):
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=5, payable_amount=2)
        workers = [self.register("worker") for _ in range(3)]
        subs = [self.submit(w, task["id"]).json for w in workers]
        r = self.server.api("DELETE", f"/tasks/{task['id']}", token=buyer["access_token"])
        self.assertEqual(r.json["refunded_coins"], 4)  # two open slots
        self.assertEqual(self.wallet(buyer)["escrowed_coins"], 6)
        # Approved: paid from escrow. Rejected: the freed slot's escrow returns to the buyer.
        self.assertEqual(self.approve(buyer, subs[0]["id"]).status, 200)
        self.assertEqual(self.wallet(workers[0])["coins"], 12)
        self.assertEqual(self.reject(buyer, subs[1]["id"]).status, 200)
        self.assertEqual(self.wallet(buyer)["coins"], 40 + 4 + 2)
        self.assertEqual(self.get_task(buyer, task["id"]).json["slots_open"], 0)
        self.assertEqual(self.approve(buyer, subs[2]["id"]).status, 200)
        wallet = self.wallet(buyer)
        self.assertEqual((wallet["coins"], wallet["escrowed_coins"]), (46, 0))
        self.assertEqual(self.server.api("GET", "/buyer/stats", token=buyer["access_token"])
                         .json["total_paid"], 4)

    def test_a_replayed_creation_escrows_once(self):
        buyer = self.register("buyer")
        headers = {"Idempotency-Key": secrets.token_hex(8)}
        body = task_body(required_workers=2, payable_amount=5)
        first = self.server.api("POST", "/tasks", body, token=buyer["access_token"],
                                headers=headers)
        again = self.server.api("POST", "/tasks", body, token=buyer["access_token"],
                                headers=headers)
        self.assertEqual((first.status, again.status), (201, 201))
        self.assertEqual(first.raw, again.raw)
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        self.assertEqual(self.wallet(buyer)["coins"], 40)

    def test_parallel_creations_never_overdraw_the_wallet(self):
        buyer = self.register("buyer")
        body = task_body(required_workers=5, payable_amount=1)  # 10 of these cover 50 coins

        def create(_):
            return self.server.api("POST", "/tasks", body, token=buyer["access_token"])

        with ThreadPoolExecutor(32) as pool:
            results = list(pool.map(create, range(200)))
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses.count(201), 10, statuses)
        self.assertEqual(statuses.count(402), 190, statuses)
        wallet = self.wallet(buyer)
        self.assertEqual((wallet["coins"], wallet["escrowed_coins"]), (0, 50))
        tasks = self.collect("/buyer/tasks", buyer, limit=100)
        self.assertEqual(len(tasks), 10)


class TaskListTest(MarketplaceTestCase):
    """The lists, on a server of their own so that other tests' tasks do not mix in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.word = "zebra" + secrets.token_hex(3)

    def test_open_tasks_sorted_filtered_and_paginated(self):
        buyer = self.register("buyer")
        word = self.word
        now = datetime.now(timezone.utc)
        made = []
        for i, (pay, days) in enumerate([(3, 5), (1, 2), (3, 9), (2, 2), (5, 30), (1, 7)]):
            made.append(self.create_task(buyer, title=f"{word} task {i}", required_workers=1,
                                         payable_amount=pay,
                                         completion_date=rfc3339(now + timedelta(days=days,
                                                                                 seconds=i))))
        worker = self.register("worker")

        def ids(items):
            return [t["id"] for t in items]

        newest = self.collect(f"/tasks?q={word}", worker, limit=2)
        self.assertEqual(ids(newest), ids(reversed(made)))
        by_pay = self.collect(f"/tasks?q={word}&sort=pay", worker, limit=4)
        self.assertEqual(ids(by_pay), ids(sorted(made, key=lambda t: (t["payable_amount"], t["id"]),
                                                 reverse=True)))
        by_deadline = self.collect(f"/tasks?q={word}&sort=deadline", worker, limit=1)
        self.assertEqual(ids(by_deadline),
                         ids(sorted(made, key=lambda t: (t["completion_date"], t["id"]))))
        cheap = self.collect(f"/tasks?q={word}&sort=pay&min_pay=3", worker)
        self.assertEqual(sorted(t["payable_amount"] for t in cheap), [3, 3, 5])
        for t in newest:
            self.assertEqual(t["status"], "open")

    def test_search_matches_words_of_title_or_detail(self):
        buyer = self.register("buyer")
        tag = "q" + secrets.token_hex(4)
        a = self.create_task(buyer, title=f"Translate {tag} leaflet", detail="Into Spanish.")
        b = self.create_task(buyer, title="Photo tagging", detail=f"Tag every {tag.upper()} photo")
        self.create_task(buyer, title="Unrelated", detail=f"mentions {tag}x only")
        worker = self.register("worker")

        def found(query):
            r = self.server.api("GET", "/tasks?limit=100&q=" + query,
                                token=worker["access_token"])
            self.assertEqual(r.status, 200, r)
            return {t["id"] for t in r.json["items"]}

        self.assertEqual(found(tag), {a["id"], b["id"]})
        self.assertEqual(found(f"{tag}%20spanish"), {a["id"]})
        self.assertEqual(found(f"%22{tag}%22%20OR%20nothing"), set())  # words, not syntax
        self.assertEqual(found("%21%21%21"), set())
        r = self.server.api("GET", "/tasks?q=" + "a" * 201, token=worker["access_token"])
        self.assertProblem(r, 422, "validation_failed")

    def test_only_open_tasks_and_not_those_the_worker_submitted_to(self):
        buyer = self.register("buyer")
        tag = "w" + secrets.token_hex(4)
        full = self.create_task(buyer, title=f"{tag} full", required_workers=1)
        cancelled = self.create_task(buyer, title=f"{tag} cancelled")
        mine = self.create_task(buyer, title=f"{tag} mine", required_workers=3)
        other = self.create_task(buyer, title=f"{tag} other")
        first, second = self.register("worker"), self.register("worker")
        self.submit(first, full["id"])
        self.submit(first, mine["id"])
        self.server.api("DELETE", f"/tasks/{cancelled['id']}", token=buyer["access_token"])

        def listed(user):
            return {t["id"] for t in self.collect(f"/tasks?q={tag}", user, limit=100)}

        self.assertEqual(listed(first), {other["id"]})
        self.assertEqual(listed(second), {mine["id"], other["id"]})
        self.assertEqual(listed(buyer), {mine["id"], other["id"]})

    def test_list_parameters_are_validated(self):
        worker = self.register("worker")
        token = worker["access_token"]
        for query in ("sort=cheapest", "min_pay=abc", "min_pay=-1", "limit=0", "limit=101",
                      "cursor=forged"):
            with self.subTest(query):
                self.assertProblem(self.server.api("GET", "/tasks?" + query, token=token),
                                   422, "validation_failed")
        # A cursor of one sort is no good for another.
        buyer = self.register("buyer")
        for _ in range(2):
            self.create_task(buyer, required_workers=1)
        r = self.server.api("GET", "/tasks?limit=1&sort=pay", token=token)
        cursor = r.json["next_cursor"]
        self.assertIsNotNone(cursor)
        self.assertEqual(self.server.api("GET", f"/tasks?sort=pay&cursor={cursor}",
                                         token=token).status, 200)
        self.assertProblem(self.server.api("GET", f"/tasks?sort=deadline&cursor={cursor}",
                                           token=token), 422, "validation_failed")
        self.assertProblem(self.server.api("GET", "/tasks"), 401, "unauthenticated")

    def test_pages_do_not_repeat_under_concurrent_inserts(self):
        buyer = self.register("buyer")
        tag = "p" + secrets.token_hex(4)
        for _ in range(4):
            self.create_task(buyer, title=f"{tag} first", required_workers=1)
        worker = self.register("worker")
        r = self.server.api("GET", f"/tasks?q={tag}&limit=2", token=worker["access_token"])
        first_page = [t["id"] for t in r.json["items"]]
        for _ in range(3):
            self.create_task(buyer, title=f"{tag} later", required_workers=1)
        r = self.server.api("GET", f"/tasks?q={tag}&limit=10&cursor={r.json['next_cursor']}",
                            token=worker["access_token"])
        rest = [t["id"] for t in r.json["items"]]
        self.assertEqual(len(rest), 2)
        self.assertFalse(set(first_page) & set(rest))

    def test_buyer_tasks_by_status_newest_deadline_first(self):
        buyer = self.register("buyer")
        now = datetime.now(timezone.utc)
        a = self.create_task(buyer, required_workers=1, completion_date=rfc3339(now + timedelta(days=3)))
        b = self.create_task(buyer, required_workers=1, completion_date=rfc3339(now + timedelta(days=9)))
        c = self.create_task(buyer, required_workers=1, completion_date=rfc3339(now + timedelta(days=5)))
        self.server.api("DELETE", f"/tasks/{c['id']}", token=buyer["access_token"])
        all_tasks = self.collect("/buyer/tasks", buyer, limit=1)
        self.assertEqual([t["id"] for t in all_tasks], [b["id"], c["id"], a["id"]])
        open_tasks = self.collect("/buyer/tasks?status=open", buyer)
        self.assertEqual([t["id"] for t in open_tasks], [b["id"], a["id"]])
        cancelled = self.collect("/buyer/tasks?status=cancelled", buyer)
        self.assertEqual([t["id"] for t in cancelled], [c["id"]])
        self.assertEqual(self.collect("/buyer/tasks?status=closed", buyer), [])
        self.assertProblem(self.server.api("GET", "/buyer/tasks?status=done",
                                           token=buyer["access_token"]), 422, "validation_failed")
        worker = self.register("worker")
        self.assertProblem(self.server.api("GET", "/buyer/tasks", token=worker["access_token"]),
                           403, "forbidden")
        # Another buyer's list is their own.
        self.assertEqual(self.collect("/buyer/tasks", self.register("buyer")), [])

    def test_admin_tasks_lists_every_status(self):
        buyer = self.register("buyer")
        a = self.create_task(buyer, required_workers=1)
        b = self.create_task(buyer, required_workers=1)
        self.server.api("DELETE", f"/tasks/{a['id']}", token=buyer["access_token"])
        admin = {"access_token": self.admin_token}
        listed = [t["id"] for t in self.collect("/admin/tasks", admin, limit=3)]
        self.assertLess(listed.index(b["id"]), listed.index(a["id"]))
        cancelled = [t["id"] for t in self.collect("/admin/tasks?status=cancelled", admin)]
        self.assertIn(a["id"], cancelled)
        self.assertNotIn(b["id"], cancelled)
        self.assertProblem(self.server.api("GET", "/admin/tasks", token=buyer["access_token"]),
                           403, "forbidden")


if __name__ == "__main__":
    unittest.main()
