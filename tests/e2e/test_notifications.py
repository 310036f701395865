"""Notifications: the list, the unread filter, marking read."""
import unittest

from marketplace import MarketplaceTestCase

MISSING = "0190b6c2-7d3e-7a41-9c2f-5b8e1d2a3c4f"


class NotificationTest(MarketplaceTestCase):
    def make_notifications(self, count):
        """A buyer with `count` notifications (one per submission to their task)."""
        buyer = self.register("buyer")
        task = self.create_task(buyer, required_workers=count)
        for _ in range(count):
            self.submit(self.register("worker"), task["id"])
        return buyer

    def test_list_newest_first_with_pages(self):
        buyer = self.make_notifications(5)
        notes = self.collect("/notifications", buyer, limit=2)
        self.assertEqual(len(notes), 5)
        ids = [n["id"] for n in notes]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertEqual(set(notes[0]), {"id", "message", "action_route", "read", "created_at"})
        self.assertEqual(self.notifications(self.register("worker")), [])

    def test_read_one_and_all(self):
        buyer = self.make_notifications(3)
        token = buyer["access_token"]
        notes = self.notifications(buyer)
        r = self.server.api("POST", f"/notifications/{notes[0]['id']}/read", token=token)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.raw, b"")
        # Reading twice is fine.
        r = self.server.api("POST", f"/notifications/{notes[0]['id']}/read", token=token)
        self.assertEqual(r.status, 204, r)
        unread = self.notifications(buyer, "?unread=true")
        self.assertEqual([n["id"] for n in unread], [n["id"] for n in notes[1:]])
        self.assertTrue(self.notifications(buyer)[0]["read"])
        r = self.server.api("POST", "/notifications/read-all", token=token)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.notifications(buyer, "?unread=true"), [])
        self.assertEqual(len(self.notifications(buyer, "?unread=false")), 3)

    def test_someone_elses_notification_is_404(self):
        buyer = self.make_notifications(1)
        [note] = self.notifications(buyer)
        other = self.register("worker")
        for note_id in (note["id"], MISSING, "garbage"):
            r = self.server.api("POST", f"/notifications/{note_id}/read",
                                token=other["access_token"])
            self.assertProblem(r, 404, "not_found")
        self.assertFalse(self.notifications(buyer)[0]["read"])
        # read-all touches only the caller's own.
        self.server.api("POST", "/notifications/read-all", token=other["access_token"])
        self.assertFalse(self.notifications(buyer)[0]["read"])

    def test_parameters_are_validated(self):
        token = self.register("worker")["access_token"]
        for query in ("unread=yes", "limit=0", "cursor=forged"):
            self.assertProblem(self.server.api("GET", "/notifications?" + query, token=token),
                               422, "validation_failed")
        self.assertProblem(self.server.api("GET", "/notifications"), 401, "unauthenticated")


if __name__ == "__main__":
    unittest.main()
