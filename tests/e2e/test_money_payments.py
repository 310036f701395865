"""Coin purchases: packages, checkout against a local Stripe, signed webhooks, GET /payments."""
import json
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

from fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripeTestCase, intent_event, sign
from harness import ServerTestCase, free_port

DEFAULT_PACKAGES = [
    {"id": "coins_10", "coins": 10, "price_cents": 100, "currency": "usd"},
    {"id": "coins_150", "coins": 150, "price_cents": 1000, "currency": "usd"},
    {"id": "coins_500", "coins": 500, "price_cents": 2000, "currency": "usd"},
    {"id": "coins_1000", "coins": 1000, "price_cents": 3500, "currency": "usd"},
]


class StripeTestCase(FakeStripeTestCase):
    """A server pointed at a fake Stripe, reset before each test."""

    def setUp(self):
        self.stripe.reset()

    def checkout(self, buyer, package_id="coins_150"):
        r = self.server.api("POST", "/payments/checkout", {"package_id": package_id},
                            token=buyer["access_token"])
        self.assertEqual(r.status, 201, r)
        return r.json

    def intent_of(self, payment):
        intent_id = payment["client_secret"].split("_secret_")[0]
        return self.stripe.intents[intent_id]

    def deliver(self, event=None, raw=None, header=None, omit_header=False):
        payload = raw if raw is not None else json.dumps(event).encode()
        headers = {} if omit_header else {"Stripe-Signature": header or sign(payload)}
        return self.server.api("POST", "/payments/stripe/webhook", raw=payload, headers=headers)

    def succeeded(self, intent, **overrides):
        fields = {"status": "succeeded", "amount_received": intent["amount"]}
        fields.update(overrides)
        event_id = fields.pop("event_id", None)
        return intent_event("payment_intent.succeeded", intent, event_id=event_id, **fields)

    def coins(self, user):
        r = self.server.api("GET", "/wallet", token=user["access_token"])
        self.assertEqual(r.status, 200, r)
        return r.json["coins"]

    def payment(self, buyer, payment_id):
        r = self.server.api("GET", "/payments?limit=100", token=buyer["access_token"])
        self.assertEqual(r.status, 200, r)
        return next(p for p in r.json["items"] if p["id"] == payment_id)


class CheckoutTest(StripeTestCase):
    def test_packages_are_public(self):
        r = self.server.api("GET", "/payments/packages")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"items": DEFAULT_PACKAGES})

    def test_checkout_creates_a_payment_intent(self):
        buyer = self.register("buyer")
        payment = self.checkout(buyer, "coins_150")
        self.assertEqual(payment["package_id"], "coins_150")
        self.assertEqual(payment["coins"], 150)
        self.assertEqual(payment["amount_cents"], 1000)
        self.assertEqual(payment["currency"], "usd")
        self.assertEqual(payment["status"], "pending")
        self.assertEqual(payment["provider"], "stripe")
        [call] = self.stripe.calls
        self.assertEqual(call["path"], "/v1/payment_intents")
        self.assertEqual(call["headers"]["authorization"], "Bearer " + self.server_env[
            "STRIPE_SECRET_KEY"])
        self.assertEqual(call["headers"]["idempotency-key"], payment["id"])
        self.assertTrue(call["headers"]["content-type"].startswith(
            "application/x-www-form-urlencoded"))
        self.assertEqual(call["form"], {"amount": "1000", "currency": "usd",
                                        "metadata[payment_id]": payment["id"],
                                        "automatic_payment_methods[enabled]": "true"})
        intent = self.intent_of(payment)
        self.assertEqual(payment["client_secret"], intent["client_secret"])
        listed = self.payment(buyer, payment["id"])
        self.assertEqual(listed["status"], "pending")
        self.assertNotIn("client_secret", listed)
        self.assertEqual(self.coins(buyer), 50)

    def test_checkout_validation_and_roles(self):
        buyer = self.register("buyer")
        token = buyer["access_token"]
        r = self.server.api("POST", "/payments/checkout", {"package_id": "coins_7"}, token=token)
        self.assertEqual(self.assertProblem(r, 422, "validation_failed")["errors"][0]["field"],
                         "package_id")
        r = self.server.api("POST", "/payments/checkout",
                            {"package_id": "coins_10", "coins": 1000000}, token=token)
        errors = self.assertProblem(r, 422, "validation_failed")["errors"]
        self.assertEqual(errors, [{"field": "coins", "code": "unknown_field",
                                   "message": errors[0]["message"]}])
        self.assertProblem(self.server.api("POST", "/payments/checkout", {}, token=token), 422,
                           "validation_failed")
        worker = self.register("worker")
        self.assertProblem(self.server.api("POST", "/payments/checkout",
                                           {"package_id": "coins_10"},
                                           token=worker["access_token"]), 403, "forbidden")
        self.assertProblem(self.server.api("POST", "/payments/checkout",
                                           {"package_id": "coins_10"}), 401, "unauthenticated")
        self.assertEqual(self.stripe.calls, [])

    def test_checkout_retries_server_errors_with_one_idempotency_key(self):
        buyer = self.register("buyer")
        self.stripe.fail_next(2)
        payment = self.checkout(buyer, "coins_10")
        self.assertEqual(len(self.stripe.calls), 3)
        keys = {call["headers"]["idempotency-key"] for call in self.stripe.calls}
        self.assertEqual(keys, {payment["id"]})

    def test_checkout_gives_up_after_bounded_retries(self):
        buyer = self.register("buyer")
        self.stripe.fail_next(10)
        r = self.server.api("POST", "/payments/checkout", {"package_id": "coins_10"},
                            token=buyer["access_token"])
        self.assertProblem(r, 503, "payments_unavailable")
        self.assertEqual(len(self.stripe.calls), 3)
        r = self.server.api("GET", "/payments", token=buyer["access_token"])
        self.assertEqual(r.json["items"], [])

    def test_checkout_does_not_retry_a_refusal(self):
        buyer = self.register("buyer")
        self.stripe.refuse_next(1)
        r = self.server.api("POST", "/payments/checkout", {"package_id": "coins_10"},
                            token=buyer["access_token"])
        self.assertProblem(r, 503, "payments_unavailable")
        self.assertEqual(len(self.stripe.calls), 1)
        self.assertNotIn(self.server_env["STRIPE_SECRET_KEY"], self.server.logs())

    def test_payments_list_own_for_buyers_all_for_admins(self):
        a = self.register("buyer")
        b = self.register("buyer")
        pa = [self.checkout(a, "coins_10")["id"], self.checkout(a, "coins_500")["id"]]
        pb = self.checkout(b, "coins_1000")["id"]
        r = self.server.api("GET", "/payments", token=a["access_token"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual([p["id"] for p in r.json["items"]], pa[::-1])  # newest first
        self.assertIsNone(r.json["next_cursor"])
        first = self.server.api("GET", "/payments?limit=1", token=a["access_token"])
        self.assertEqual([p["id"] for p in first.json["items"]], [pa[1]])
        second = self.server.api("GET", "/payments?limit=1&cursor=" + first.json["next_cursor"],
                                 token=a["access_token"])
        self.assertEqual([p["id"] for p in second.json["items"]], [pa[0]])
        self.assertIsNone(second.json["next_cursor"])
        r = self.server.api("GET", "/payments?limit=100", token=self.admin_token)
        ids = [p["id"] for p in r.json["items"]]
        self.assertTrue(set(pa + [pb]) <= set(ids))
        self.assertLess(ids.index(pb), ids.index(pa[1]))
        r = self.server.api("GET", "/payments?status=bogus", token=a["access_token"])
        self.assertProblem(r, 422, "validation_failed")
        r = self.server.api("GET", "/payments", token=self.register("worker")["access_token"])
        self.assertProblem(r, 403, "forbidden")


class WebhookTest(StripeTestCase):
    def test_succeeded_credits_the_coins_once(self):
        buyer = self.register("buyer")
        payment = self.checkout(buyer, "coins_150")
        event = self.succeeded(self.intent_of(payment))
        r = self.deliver(event)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.coins(buyer), 200)
        self.assertEqual(self.payment(buyer, payment["id"])["status"], "succeeded")
        r = self.server.api("GET", "/wallet/transactions", token=buyer["access_token"])
        purchase = r.json["items"][0]
        self.assertEqual(purchase["kind"], "purchase")
        self.assertEqual(purchase["amount"], 150)
        self.assertEqual(purchase["balance_after"], 200)
        self.assertEqual(purchase["reference"], {"type": "payment", "id": payment["id"]})
        # Stripe retries, and may send another event for the same PaymentIntent.
        self.assertEqual(self.deliver(event).status, 200)
        self.assertEqual(self.deliver(self.succeeded(self.intent_of(payment))).status, 200)
        self.assertEqual(self.coins(buyer), 200)

    def test_signatures(self):
        buyer = self.register("buyer")
        payment = self.checkout(buyer, "coins_10")
        now = int(time.time())

        def payload():
            return json.dumps(self.succeeded(self.intent_of(payment))).encode()

        def changed_byte(body):
            i = body.index(b'"amount"') + 2
            return body[:i] + bytes([body[i] ^ 0x01]) + body[i + 1:]

        def two_v1(body):
            good = sign(body, timestamp=now).split(",")[1]
            return f"t={now},v1={'0' * 64},{good}"

        refused = [
            ("wrong secret", lambda body: sign(body, secret="whsec_other")),
            ("one byte changed", lambda body: sign(changed_byte(body))),
            # Well past the 300 s tolerance either way, so that the time the test itself takes
            # never brings them back within it.
            ("stale", lambda body: sign(body, timestamp=now - 400)),
            ("future", lambda body: sign(body, timestamp=now + 400)),
            ("no v1", lambda body: f"t={now}"),
            ("v0 only", lambda body: sign(body).replace("v1=", "v0=")),
            ("garbage", lambda body: "nonsense"),
        ]
        for name, header in refused:
            with self.subTest(name):
                body = payload()
                self.assertProblem(self.deliver(raw=body, header=header(body)), 400,
                                   "invalid_signature")
        with self.subTest("missing header"):
            self.assertProblem(self.deliver(raw=payload(), omit_header=True), 400,
                               "invalid_signature")
        self.assertEqual(self.coins(buyer), 50)
        self.assertEqual(self.payment(buyer, payment["id"])["status"], "pending")
        with self.subTest("two v1, one valid"):
            body = payload()
            self.assertEqual(self.deliver(raw=body, header=two_v1(body)).status, 200)
            self.assertEqual(self.coins(buyer), 60)
        with self.subTest("recent but not now"):
            body = json.dumps({"id": "evt_recent_" + payment["id"], "type": "charge.updated",
                               "data": {"object": {}}}).encode()
            self.assertEqual(self.deliver(raw=body, header=sign(body, timestamp=now - 200))
                             .status, 200)

    def test_same_event_five_times_at_once_credits_once(self):
        buyer = self.register("buyer")
        payment = self.checkout(buyer, "coins_500")
        body = json.dumps(self.succeeded(self.intent_of(payment))).encode()
        header = sign(body)
        with ThreadPoolExecutor(5) as pool:
            results = list(pool.map(lambda _: self.deliver(raw=body, header=header), range(5)))
        self.assertEqual([r.status for r in results], [200] * 5, results)
        self.assertEqual(self.coins(buyer), 550)

    def test_distinct_events_for_one_intent_at_once_credit_once(self):
        buyer = self.register("buyer")
        payment = self.checkout(buyer, "coins_150")
        intent = self.intent_of(payment)
        events = [self.succeeded(intent) for _ in range(5)]
        with ThreadPoolExecutor(5) as pool:
            results = list(pool.map(lambda event: self.deliver(event), events))
        self.assertEqual([r.status for r in results], [200] * 5, results)
        self.assertEqual(self.coins(buyer), 200)

    def test_unknown_or_mismatched_payments_credit_nothing(self):
        buyer = self.register("buyer")
        payment = self.checkout(buyer, "coins_150")
        intent = self.intent_of(payment)
        other = self.checkout(self.register("buyer"), "coins_10")
        cases = {
            "unknown intent": dict(id="pi_unknown"),
            "amount": dict(amount=intent["amount"] - 1, amount_received=intent["amount"] - 1),
            "amount received": dict(amount_received=intent["amount"] - 1),
            "currency": dict(currency="eur"),
            "metadata of another payment": dict(metadata={"payment_id": other["id"]}),
            "no metadata": dict(metadata={}),
            "amount as a string": dict(amount=str(intent["amount"])),
        }
        for name, overrides in cases.items():
            with self.subTest(name):
                r = self.deliver(self.succeeded(intent, **overrides))
                self.assertEqual(r.status, 200, r)
                self.assertEqual(self.coins(buyer), 50)
                self.assertEqual(self.payment(buyer, payment["id"])["status"], "pending")
        # The genuine event still credits afterwards.
        self.assertEqual(self.deliver(self.succeeded(intent)).status, 200)
        self.assertEqual(self.coins(buyer), 200)

    def test_payment_failed_marks_failed_and_never_undoes_a_success(self):
        buyer = self.register("buyer")
        payment = self.checkout(buyer, "coins_10")
        intent = self.intent_of(payment)
        failed = intent_event("payment_intent.payment_failed", intent,
                              status="requires_payment_method")
        self.assertEqual(self.deliver(failed).status, 200)
        self.assertEqual(self.payment(buyer, payment["id"])["status"], "failed")
        r = self.server.api("GET", "/payments?status=failed", token=buyer["access_token"])
        self.assertEqual([p["id"] for p in r.json["items"]], [payment["id"]])
        # A PaymentIntent whose first attempt failed may still succeed (another card).
        self.assertEqual(self.deliver(self.succeeded(intent)).status, 200)
        self.assertEqual(self.payment(buyer, payment["id"])["status"], "succeeded")
        self.assertEqual(self.coins(buyer), 60)
        # A late failure event, delivered out of order, changes nothing.
        late = intent_event("payment_intent.payment_failed", intent)
        self.assertEqual(self.deliver(late).status, 200)
        self.assertEqual(self.payment(buyer, payment["id"])["status"], "succeeded")
        self.assertEqual(self.coins(buyer), 60)

    def test_other_event_types_change_nothing(self):
        buyer = self.register("buyer")
        payment = self.checkout(buyer, "coins_10")
        intent = self.intent_of(payment)
        for event_type in ("payment_intent.created", "payment_intent.canceled",
                           "charge.succeeded", "customer.created"):
            with self.subTest(event_type):
                event = intent_event(event_type, intent, status="succeeded",
                                     amount_received=intent["amount"])
                self.assertEqual(self.deliver(event).status, 200)
        self.assertEqual(self.coins(buyer), 50)
        self.assertEqual(self.payment(buyer, payment["id"])["status"], "pending")

    def test_malformed_bodies(self):
        body = b'{"id": "evt_1", "type": '
        self.assertProblem(self.deliver(raw=body), 400, "malformed_json")
        for body in (b'{"no": "id"}', b'{"id": 5, "type": "payment_intent.succeeded"}'):
            with self.subTest(body):
                self.assertEqual(self.deliver(raw=body).status, 200)

    def test_webhook_ignores_idempotency_keys(self):
        buyer = self.register("buyer")
        payment = self.checkout(buyer, "coins_10")
        event = self.succeeded(self.intent_of(payment))
        body = json.dumps(event).encode()
        r = self.server.api("POST", "/payments/stripe/webhook", raw=body,
                            headers={"Stripe-Signature": sign(body), "Idempotency-Key": "k1"})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("Idempotent-Replayed"))
        self.assertEqual(self.coins(buyer), 60)

    def test_admin_stats_count_purchases(self):
        before = self.server.api("GET", "/admin/stats", token=self.admin_token).json
        buyer = self.register("buyer")
        payment = self.checkout(buyer, "coins_1000")
        self.deliver(self.succeeded(self.intent_of(payment)))
        self.checkout(buyer, "coins_10")  # pending: not counted
        after = self.server.api("GET", "/admin/stats", token=self.admin_token).json
        self.assertEqual(after["total_purchased_cents"] - before["total_purchased_cents"], 3500)
        self.assertEqual(after["coins_in_wallets"] - before["coins_in_wallets"], 1050)
        self.assertEqual(after["total_buyers"] - before["total_buyers"], 1)


class HangingStripeTest(StripeTestCase):
    """A Stripe that stops answering holds a quarter of the 8 worker threads at most."""

    def checkout_answer(self, buyer):
        return self.server.api("POST", "/payments/checkout", {"package_id": "coins_10"},
                               token=buyer["access_token"], timeout=60)

    def test_hung_checkouts_leave_the_other_routes_answering(self):
        buyers = [self.register("buyer") for _ in range(9)]
        self.stripe.hang()
        with ThreadPoolExecutor(8) as pool:
            try:
                checkouts = [pool.submit(self.checkout_answer, b) for b in buyers[:8]]
                # Two checkouts wait for Stripe; the others are refused at once rather than
                # taking the rest of the workers.
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and (
                        sum(f.done() for f in checkouts) < 6 or self.stripe.hanging < 2):
                    time.sleep(0.05)
                refused = [f.result() for f in checkouts if f.done()]
                self.assertEqual(len(refused), 6, refused)
                for r in refused:
                    self.assertProblem(r, 503, "payments_unavailable")
                self.assertEqual(self.stripe.hanging, 2)
                token = buyers[8]["access_token"]
                for path in ("/me", "/wallet", "/tasks", "/payments", "/notifications"):
                    with self.subTest(path):
                        started = time.monotonic()
                        r = self.server.api("GET", path, token=token, timeout=10)
                        self.assertEqual(r.status, 200, r)
                        self.assertLess(time.monotonic() - started, 3)
                self.assertProblem(self.checkout_answer(buyers[8]), 503, "payments_unavailable")
            finally:
                self.stripe.release()
            waited = [f.result() for f in checkouts if f.result().status != 503]
        self.assertEqual([r.status for r in waited], [201, 201], waited)
        # The places are given back: checkouts go through again.
        self.checkout(buyers[8])
        self.checkout(buyers[0])


class StripeUnreachableTest(ServerTestCase):
    server_env = {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                  "STRIPE_API_BASE": f"http://127.0.0.1:{free_port()}"}

    def test_network_errors_are_retried_then_503(self):
        buyer = self.register("buyer")
        started = time.monotonic()
        r = self.server.api("POST", "/payments/checkout", {"package_id": "coins_10"},
                            token=buyer["access_token"])
        self.assertProblem(r, 503, "payments_unavailable")
        self.assertGreater(time.monotonic() - started, 0.5)  # two backoffs: 250 + 500 ms
        self.assertEqual(self.server.api("GET", "/payments", token=buyer["access_token"])
                         .json["items"], [])

    def test_startup_warns_about_packages_below_the_payout(self):
        logs = self.server.logs()
        self.assertIn("coin package coins_500", logs)
        self.assertIn("coin package coins_1000", logs)
        self.assertNotIn("coin package coins_150 ", logs)


class PaymentsUnconfiguredTest(ServerTestCase):
    def test_checkout_and_webhook_without_keys(self):
        buyer = self.register("buyer")
        r = self.server.api("POST", "/payments/checkout", {"package_id": "coins_10"},
                            token=buyer["access_token"])
        self.assertProblem(r, 503, "payments_unavailable")
        body = b'{"id": "evt_1", "type": "payment_intent.succeeded"}'
        r = self.server.api("POST", "/payments/stripe/webhook", raw=body,
                            headers={"Stripe-Signature": sign(body, secret=WEBHOOK_SECRET)})
        self.assertProblem(r, 503, "payments_unavailable")
        self.assertEqual(self.server.api("GET", "/payments/packages").status, 200)


if __name__ == "__main__":
    unittest.main()
