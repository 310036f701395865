"""Helpers shared by the marketplace suites: tasks, submissions and polling."""
import time
from datetime import datetime, timedelta, timezone

from harness import ServerTestCase


def rfc3339(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def in_future(**delta):
    return rfc3339(datetime.now(timezone.utc) + timedelta(**delta))


def task_body(**overrides):
    body = {
        "title": "Label photos",
        "detail": "Label each photo with the animal it shows.",
        "required_workers": 5,
        "payable_amount": 1,
        "completion_date": in_future(days=7),
        "submission_info": "A list of labels, one per line.",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


class MarketplaceTestCase(ServerTestCase):
    """A server per class, with helpers for the task and submission flow."""

    def create_task(self, buyer, expect=201, **overrides):
        r = self.server.api("POST", "/tasks", task_body(**overrides),
                            token=buyer["access_token"])
        self.assertEqual(r.status, expect, r)
        return r.json

    def submit(self, worker, task_id, expect=201, details="My work: cat, dog, cat."):
        r = self.server.api("POST", f"/tasks/{task_id}/submissions",
                            {"submission_details": details}, token=worker["access_token"])
        if expect is not None:
            self.assertEqual(r.status, expect, r)
        return r

    def approve(self, buyer, submission_id, body=None):
        return self.server.api("POST", f"/submissions/{submission_id}/approve", body,
                               token=buyer["access_token"])

    def reject(self, buyer, submission_id, feedback="Not what was asked."):
        body = None if feedback is None else {"feedback": feedback}
        return self.server.api("POST", f"/submissions/{submission_id}/reject", body,
                               token=buyer["access_token"])

    def wallet(self, user):
        r = self.server.api("GET", "/wallet", token=user["access_token"])
        self.assertEqual(r.status, 200, r)
        return r.json

    def get_task(self, user, task_id):
        return self.server.api("GET", f"/tasks/{task_id}", token=user["access_token"])

    def notifications(self, user, query=""):
        r = self.server.api("GET", "/notifications" + query, token=user["access_token"])
        self.assertEqual(r.status, 200, r)
        return r.json["items"]

    def poll(self, probe, seconds=30, interval=0.1):
        """Calls probe until it returns something truthy; fails after `seconds`."""
        deadline = time.time() + seconds
        while True:
            value = probe()
            if value:
                return value
            if time.time() > deadline:
                self.fail(f"condition not met within {seconds} s")
            time.sleep(interval)

    def collect(self, list_path, user, limit=2):
        """Every item of a paginated list, following next_cursor."""
        items, cursor, seen_pages = [], None, 0
        separator = "&" if "?" in list_path else "?"
        while True:
            path = f"{list_path}{separator}limit={limit}"
            if cursor:
                path += "&cursor=" + cursor
            r = self.server.api("GET", path, token=user["access_token"])
            self.assertEqual(r.status, 200, r)
            items.extend(r.json["items"])
            cursor = r.json["next_cursor"]
            seen_pages += 1
            self.assertLess(seen_pages, 1000)
            if cursor is None:
                return items
