"""The OpenAPI document, the router and the server's answers agree, and cover the contract.

The document is checked against the running server rather than against a copy of itself: the
bodies each route really reads (unknown and required fields), the lists that really page, and
the real responses of a walk through the whole marketplace, validated strictly (no field the
document does not name, none it requires missing, every status and problem code documented).
"""
import json
import re
import unittest

from fake_stripe import FakeStripeTestCase, sign
from marketplace import task_body

# Every route of ../shared/spec/API.md, as (method, path template).
CONTRACT = """
POST /api/v1/auth/register
POST /api/v1/auth/login
POST /api/v1/auth/refresh
POST /api/v1/auth/logout
GET /api/v1/me
PATCH /api/v1/me
POST /api/v1/tasks
GET /api/v1/tasks
GET /api/v1/tasks/{id}
PATCH /api/v1/tasks/{id}
DELETE /api/v1/tasks/{id}
GET /api/v1/buyer/tasks
POST /api/v1/tasks/{id}/submissions
GET /api/v1/worker/submissions
GET /api/v1/buyer/submissions
GET /api/v1/submissions/{id}
POST /api/v1/submissions/{id}/approve
POST /api/v1/submissions/{id}/reject
GET /api/v1/wallet
GET /api/v1/wallet/transactions
GET /api/v1/payments/packages
POST /api/v1/payments/checkout
POST /api/v1/payments/stripe/webhook
GET /api/v1/payments
POST /api/v1/withdrawals
GET /api/v1/withdrawals
POST /api/v1/withdrawals/{id}/cancel
POST /api/v1/admin/withdrawals/{id}/approve
POST /api/v1/admin/withdrawals/{id}/reject
GET /api/v1/notifications
POST /api/v1/notifications/{id}/read
POST /api/v1/notifications/read-all
GET /api/v1/workers/top
GET /api/v1/worker/stats
GET /api/v1/buyer/stats
GET /api/v1/admin/stats
GET /api/v1/admin/users
PATCH /api/v1/admin/users/{id}
DELETE /api/v1/admin/users/{id}
POST /api/v1/admin/users/{id}/coins
GET /api/v1/admin/tasks
POST /api/v1/reports
GET /api/v1/admin/reports
POST /api/v1/admin/reports/{id}/resolve
GET /api/v1/admin/ledger/verify
GET /healthz
GET /readyz
GET /metrics
GET /openapi.json
"""


def normalize(path):
    return re.sub(r"\{[^}]+\}", "{}", path)


ABSENT_ID = "00000000-0000-7000-8000-000000000000"
JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def concrete(path):
    return re.sub(r"\{[^}]+\}", ABSENT_ID, path)


class OpenApiTest(FakeStripeTestCase):
    def document(self):
        r = self.server.request("GET", "/openapi.json")
        self.assertEqual(r.status, 200)
        return r.json

    def operations(self):
        for path, item in self.document()["paths"].items():
            for method, operation in item.items():
                yield method.upper(), path, operation

    def test_document_covers_the_contract(self):
        documented = {(m, normalize(p)) for m, p, _ in self.operations()}
        for line in CONTRACT.strip().splitlines():
            method, path = line.split()
            self.assertIn((method, normalize(path)), documented, line)

    def test_every_documented_operation_is_routed(self):
        for method, path, operation in self.operations():
            if path.endswith("/stream"):
                continue  # a stream stays open; covered by its own suite
            with self.subTest(f"{method} {path}"):
                r = self.server.request(method, concrete(path))
                self.assertNotEqual(r.status, 405, r)
                public = operation.get("security") == []
                if public:
                    # The router found it: a routed public operation never answers the
                    # router's unknown-path 404 for a path that has no parameters.
                    if "{" not in path:
                        self.assertNotEqual(r.status, 404, r)
                else:
                    self.assertEqual(r.status, 401, r)

    def test_operation_ids_are_unique(self):
        ids = [operation["operationId"] for _, _, operation in self.operations()]
        self.assertEqual(len(ids), len(set(ids)))

    # --- the document's own structure -------------------------------------------------------

    def resolve(self, doc, ref):
        self.assertTrue(ref.startswith("#/"), ref)
        node = doc
        for part in ref[2:].split("/"):
            self.assertIn(part, node, f"dangling $ref {ref}")
            node = node[part]
        return node

    def test_every_ref_resolves(self):
        doc = self.document()
        refs = []

        def walk(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "$ref":
                        refs.append(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(doc)
        self.assertGreater(len(refs), 100)
        for ref in set(refs):
            self.resolve(doc, ref)

    def test_contract_resources_are_components(self):
        schemas = self.document()["components"]["schemas"]
        for name in ["User", "AuthTokens", "Task", "Submission", "Wallet", "Transaction",
                     "Package", "Checkout", "Payment", "Withdrawal", "Notification", "Report",
                     "TopWorker", "WorkerStats", "BuyerStats", "AdminStats",
                     "LedgerVerification", "Page", "Problem"]:
            self.assertIn(name, schemas)
        self.assertEqual(set(schemas["Page"]["properties"]), {"items", "next_cursor"})
        self.assertEqual(schemas["Task"]["properties"]["status"]["enum"],
                         ["open", "closed", "cancelled"])
        self.assertEqual(schemas["TaskCreate"]["properties"]["title"]["maxLength"], 200)
        self.assertEqual(schemas["TaskCreate"]["properties"]["payable_amount"]["maximum"], 1000000)
        self.assertEqual(schemas["RegisterRequest"]["properties"]["password"]["minLength"], 8)
        for name, schema in schemas.items():
            with self.subTest(name):
                self.assertLessEqual(set(schema.get("required", [])),
                                     set(schema.get("properties", {})))

    def response_of(self, doc, operation, status):
        response = operation["responses"][status]
        return self.resolve(doc, response["$ref"]) if "$ref" in response else response

    def test_every_response_names_its_request_id_and_problem_codes(self):
        doc = self.document()
        for method, path, operation in self.operations():
            for status in operation["responses"]:
                response = self.response_of(doc, operation, status)
                with self.subTest(f"{method} {path} {status}"):
                    self.assertIn("X-Request-Id", response.get("headers", {}))
                    if status.isdigit() and int(status) >= 400:
                        schema = response["content"]["application/problem+json"]["schema"]
                        codes = schema["allOf"][1]["properties"]["code"]["enum"]
                        self.assertTrue(codes)
                    if status == "429":
                        self.assertIn("Retry-After", response["headers"])
        login = doc["paths"]["/api/v1/auth/login"]["post"]
        self.assertIn("rate_limited", json.dumps(self.response_of(doc, login, "429")))
        checkout = doc["paths"]["/api/v1/payments/checkout"]["post"]
        self.assertIn("payments_unavailable",
                      json.dumps(self.response_of(doc, checkout, "503")))
        for status in ["400", "401", "403", "413", "415", "422"]:
            self.assertIn(status, checkout["responses"])

    def test_every_list_declares_limit_and_cursor(self):
        doc = self.document()
        lists = 0
        for method, path, operation in self.operations():
            schema = (operation["responses"].get("200", {}).get("content", {})
                      .get("application/json", {}).get("schema", {}))
            if {"$ref": "#/components/schemas/Page"} not in schema.get("allOf", []):
                continue
            lists += 1
            parameters = {p["name"]: p for p in operation.get("parameters", [])
                          if p["in"] == "query"}
            with self.subTest(f"{method} {path}"):
                limit = parameters["limit"]["schema"]
                self.assertEqual((limit["minimum"], limit["maximum"], limit["default"]),
                                 (1, 100, 20))
                self.assertEqual(parameters["cursor"]["schema"]["type"], "string")
        self.assertGreaterEqual(lists, 11)

    # --- the document against what the server does ------------------------------------------

    def tokens(self):
        if not hasattr(self, "_tokens"):
            self._tokens = {"admin": self.admin_token,
                            "worker": self.register("worker")["access_token"],
                            "buyer": self.register("buyer")["access_token"]}
        return self._tokens

    def body_operations(self):
        """Every POST and PATCH but the webhook (signed, so it answers before reading a body)."""
        for method, path, operation in self.operations():
            if method in ("POST", "PATCH") and not path.endswith("/webhook"):
                yield method, path, operation

    def call_as_allowed(self, method, path, operation, body):
        token = None
        if operation.get("security") != []:
            token = self.tokens()[operation.get("x-roles", ["worker"])[0]]
        return self.server.request(method, concrete(path), body, token=token)

    def request_schema(self, operation):
        body = operation.get("requestBody")
        if body is None:
            return None
        ref = body["content"]["application/json"]["schema"]["$ref"]
        return self.resolve(self.document(), ref)

    def test_every_route_that_reads_a_body_documents_it(self):
        for method, path, operation in self.body_operations():
            with self.subTest(f"{method} {path}"):
                r = self.call_as_allowed(method, path, operation, {"zz_unknown": 1})
                unknown = r.status == 422 and any(
                    e["field"] == "zz_unknown" and e["code"] == "unknown_field"
                    for e in r.json.get("errors", []))
                schema = self.request_schema(operation)
                if not unknown:
                    self.assertIsNone(schema, f"documents a body it does not read: {r}")
                    continue
                self.assertIsNotNone(schema, "reads a body it does not document")
                self.assertIs(schema["additionalProperties"], False)
                self.assertNotIn("zz_unknown", schema["properties"])

    def test_request_bodies_name_the_fields_the_server_knows_and_requires(self):
        for method, path, operation in self.body_operations():
            schema = self.request_schema(operation)
            if schema is None:
                continue
            with self.subTest(f"{method} {path}"):
                r = self.call_as_allowed(method, path, operation, {})
                required = set()
                if r.status == 422:
                    required = {e["field"] for e in r.json["errors"] if e["code"] == "required"}
                self.assertEqual(set(schema.get("required", [])), required, r)
                self.assertLessEqual(required, set(schema["properties"]))
                self.assertEqual(operation["requestBody"]["required"], bool(required))
                if not schema["properties"]:
                    continue
                # A list is the wrong type for every field: each is refused as invalid, none as
                # unknown, so the server reads every field the document names.
                r = self.call_as_allowed(method, path, operation,
                                         {name: [] for name in schema["properties"]})
                self.assertEqual(r.status, 422, r)
                fields = {e["field"]: e["code"] for e in r.json["errors"]}
                self.assertEqual(set(fields), set(schema["properties"]), r)
                self.assertNotIn("unknown_field", fields.values(), r)

    # A strict validator for the subset of JSON Schema the document uses: an object may have no
    # field its schema does not name, and must have every field the schema requires.

    def schema_errors(self, schema, value, where, strict=True):
        doc = self.doc
        if "$ref" in schema:
            schema = self.resolve(doc, schema["$ref"])
        errors = []
        if "allOf" in schema:
            known = set()
            for part in schema["allOf"]:
                errors += self.schema_errors(part, value, where, strict=False)
                part = self.resolve(doc, part["$ref"]) if "$ref" in part else part
                known |= set(part.get("properties", {}))
            if strict and isinstance(value, dict):
                errors += [f"{where}.{key}: undocumented" for key in value if key not in known]
            return errors
        types = schema.get("type")
        if types is not None:
            types = [types] if isinstance(types, str) else types
            ok = any((t == "integer" and isinstance(value, int) and not isinstance(value, bool))
                     or (t in JSON_TYPES and isinstance(value, JSON_TYPES[t])
                         and not (t != "boolean" and isinstance(value, bool)))
                     for t in types)
            if not ok:
                return [f"{where}: {value!r} is not {types}"]
        if "enum" in schema and value not in schema["enum"]:
            errors.append(f"{where}: {value!r} not in {schema['enum']}")
        if "const" in schema and value != schema["const"]:
            errors.append(f"{where}: {value!r} is not {schema['const']!r}")
        if isinstance(value, int) and not isinstance(value, bool):
            if value < schema.get("minimum", value) or value > schema.get("maximum", value):
                errors.append(f"{where}: {value} out of range")
        if isinstance(value, str):
            if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
                errors.append(f"{where}: length {len(value)} out of range")
            if "pattern" in schema and not re.search(schema["pattern"], value):
                errors.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if isinstance(value, dict):
            properties = schema.get("properties", {})
            errors += [f"{where}.{key}: missing" for key in schema.get("required", [])
                       if key not in value]
            for key, item in value.items():
                if key in properties:
                    errors += self.schema_errors(properties[key], item, f"{where}.{key}")
                elif strict and "properties" in schema:
                    errors.append(f"{where}.{key}: undocumented")
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                errors += self.schema_errors(schema["items"], item, f"{where}[{i}]")
        return errors

    def check(self, method, template, r):
        """The response r of `method template` is one the document describes."""
        self.doc = getattr(self, "doc", None) or self.document()
        operation = self.doc["paths"][template][method.lower()]
        where = f"{method} {template} -> {r.status}"
        self.assertIn(str(r.status), operation["responses"], where)
        response = self.response_of(self.doc, operation, str(r.status))
        self.assertTrue(r.header("X-Request-Id"), where)
        content = response.get("content")
        if content is None:
            self.assertEqual(r.raw, b"", where)
            return r
        media_type = r.header("Content-Type").split(";")[0].strip()
        self.assertIn(media_type, content, where)
        if r.status >= 400:
            self.assertIn(r.json["code"], json.dumps(response), where)
        body = r.json if media_type.endswith("json") else r.raw.decode()
        errors = self.schema_errors(content[media_type]["schema"], body, where)
        self.assertEqual(errors, [], r)
        if isinstance(r.json, dict) and "next_cursor" in r.json:
            self.assertIn("cursor", [p["name"] for p in operation.get("parameters", [])], where)
        return r

    def call(self, method, template, token=None, body=None, id=None, query="", **kwargs):
        """Calls the route `template` (under /api/v1 unless it is an operations route), with
        {id} replaced by id, and checks the response against the document."""
        if not template.startswith(("/healthz", "/readyz", "/metrics", "/openapi.json")):
            template = "/api/v1" + template
        path = template.replace("{id}", id) if id else template
        r = self.server.request(method, path + query, body, token=token, **kwargs)
        return self.check(method, template, r)

    def test_responses_match_the_document(self):
        call = self.call
        password = "password-123"
        worker_session = call("POST", "/auth/register", body={
            "name": "Doc Worker", "email": "doc.worker@example.com", "password": password,
            "role": "worker", "photo_url": "https://example.com/w.png"}).json
        buyer_session = call("POST", "/auth/register", body={
            "name": "Doc Buyer", "email": "doc.buyer@example.com", "password": password,
            "role": "buyer"}).json
        call("POST", "/auth/register", body={"name": "Again", "email": "doc.buyer@example.com",
                                             "password": password, "role": "buyer"})
        call("POST", "/auth/login", body={"email": "doc.buyer@example.com", "password": "wrong"})
        worker, buyer, admin = (worker_session["access_token"], buyer_session["access_token"],
                                self.admin_token)
        worker_id = worker_session["user"]["id"]
        refreshed = call("POST", "/auth/refresh",
                         body={"refresh_token": worker_session["refresh_token"]}).json
        call("POST", "/auth/logout", worker, body={"refresh_token": refreshed["refresh_token"]})
        call("GET", "/me", worker)
        call("GET", "/me")
        call("PATCH", "/me", worker, body={"name": "Doc Worker 2", "photo_url": None})

        # Tasks and submissions, with the problems of each step.
        tid = call("POST", "/tasks", buyer,
                   body=task_body(required_workers=3, payable_amount=5)).json["id"]
        call("POST", "/tasks", buyer,
             body=task_body(required_workers=10000, payable_amount=1000000))
        call("POST", "/tasks", worker, body=task_body())
        call("POST", "/tasks", buyer, raw=b"{")
        call("POST", "/tasks", buyer, raw=b"title=x", content_type="text/plain")
        call("GET", "/tasks/{id}", worker, id=tid)
        call("GET", "/tasks/{id}", worker, id=ABSENT_ID)
        call("PATCH", "/tasks/{id}", buyer, id=tid, body={"image_url": "https://example.com/t"})
        call("PATCH", "/tasks/{id}", buyer, id=tid, body={"payable_amount": 9})
        for query in ["", "?sort=pay&min_pay=1&q=photos&limit=1", "?sort=deadline", "?limit=0"]:
            call("GET", "/tasks", worker, query=query)
        call("GET", "/buyer/tasks", buyer, query="?status=open")
        call("GET", "/admin/tasks", admin)
        sid = call("POST", "/tasks/{id}/submissions", worker, id=tid,
                   body={"submission_details": "done"}).json["id"]
        call("POST", "/tasks/{id}/submissions", worker, id=tid,
             body={"submission_details": "again"})
        other = self.register("worker")["access_token"]
        sid2 = call("POST", "/tasks/{id}/submissions", other, id=tid,
                    body={"submission_details": "mine"}).json["id"]
        call("GET", "/submissions/{id}", worker, id=sid)
        for _ in range(2):  # the second is a replay
            call("POST", "/submissions/{id}/approve", buyer, id=sid, body={"feedback": "Thanks"},
                 headers={"Idempotency-Key": "doc-approve-1"})
        call("POST", "/submissions/{id}/approve", buyer, id=sid)
        call("POST", "/submissions/{id}/reject", buyer, id=sid2, body={"feedback": "No"})
        call("GET", "/worker/submissions", worker, query="?status=approved")
        call("GET", "/buyer/submissions", buyer, query=f"?task_id={tid}&limit=1")

        # Money: wallet, purchases, adjustments and withdrawals.
        call("GET", "/wallet", worker)
        call("GET", "/wallet/transactions", buyer, query="?limit=2")
        call("GET", "/payments/packages")
        payment = call("POST", "/payments/checkout", buyer, body={"package_id": "coins_10"}).json
        self.assertTrue(payment["client_secret"])
        call("GET", "/payments", buyer)
        call("GET", "/payments", admin, query="?status=pending")
        event = json.dumps({"id": "evt_doc", "type": "customer.created",
                            "data": {"object": {"id": "cus_1"}}}).encode()
        call("POST", "/payments/stripe/webhook", raw=event,
             headers={"Stripe-Signature": sign(event)})
        call("POST", "/payments/stripe/webhook", raw=event,
             headers={"Stripe-Signature": "t=1,v1=00"})
        for amount in [1000, -100000]:
            call("POST", "/admin/users/{id}/coins", admin, id=worker_id,
                 body={"amount": amount, "reason": "Docs"})
        withdrawal = {"coins": 200, "payment_system": "paypal", "account_number": "acct-123456"}
        wids = [call("POST", "/withdrawals", worker, body=withdrawal).json["id"]
                for _ in range(3)]
        call("POST", "/withdrawals", worker, body=dict(withdrawal, coins=10))
        for _ in range(2):  # the second finds it decided
            call("POST", "/withdrawals/{id}/cancel", worker, id=wids[0])
        call("POST", "/admin/withdrawals/{id}/approve", admin, id=wids[1])
        call("POST", "/admin/withdrawals/{id}/reject", admin, id=wids[2], body={"reason": "No"})
        call("GET", "/withdrawals", admin, query="?status=paid")

        # Notifications, reports, dashboards and administration.
        notifications = call("GET", "/notifications", worker, query="?unread=true").json
        self.assertTrue(notifications["items"])
        call("POST", "/notifications/{id}/read", worker, id=notifications["items"][0]["id"])
        call("POST", "/notifications/read-all", worker)
        report = {"target_type": "task", "target_id": tid, "reason": "Spam"}
        rid = call("POST", "/reports", worker, body=report).json["id"]
        call("POST", "/reports", worker, body=dict(report, target_id=ABSENT_ID))
        call("GET", "/admin/reports", admin, query="?status=open")
        for _ in range(2):  # the second finds it resolved
            call("POST", "/admin/reports/{id}/resolve", admin, id=rid, body={"resolution": "Ok"})
        call("GET", "/workers/top", query="?limit=3")
        call("GET", "/worker/stats", worker)
        call("GET", "/buyer/stats", buyer)
        call("GET", "/buyer/stats", worker)
        call("GET", "/admin/stats", admin)
        call("GET", "/admin/users", admin, query="?role=worker&status=active&q=doc")
        call("PATCH", "/admin/users/{id}", admin, id=worker_id, body={"status": "active"})
        call("GET", "/admin/ledger/verify", admin)
        for _ in range(2):  # the second finds it cancelled
            call("DELETE", "/tasks/{id}", buyer, id=tid)
        call("DELETE", "/admin/users/{id}", admin, id=worker_id)
        for path in ["/healthz", "/readyz", "/openapi.json", "/metrics"]:
            call("GET", path)

    def test_resources_have_exactly_the_documented_fields(self):
        schemas = self.document()["components"]["schemas"]
        worker = self.register("worker")
        buyer = self.register("buyer")
        task = self.server.api("POST", "/tasks", task_body(), token=buyer["access_token"]).json
        submission = self.server.api("POST", f"/tasks/{task['id']}/submissions",
                                     {"submission_details": "done"},
                                     token=worker["access_token"]).json
        self.server.api("POST", f"/admin/users/{worker['user']['id']}/coins",
                        {"amount": 500, "reason": "Docs"}, token=self.admin_token)
        withdrawal = self.server.api("POST", "/withdrawals", {
            "coins": 200, "payment_system": "bkash", "account_number": "0123456789"},
            token=worker["access_token"]).json
        for name, sample in [("User", worker["user"]), ("Task", task),
                             ("Submission", submission), ("Withdrawal", withdrawal)]:
            with self.subTest(name):
                schema = schemas[name]
                self.assertEqual(set(schema["properties"]), set(sample), sample)
                self.assertEqual(set(schema["required"]), set(sample))
        self.server.api("POST", f"/withdrawals/{withdrawal['id']}/cancel",
                        token=worker["access_token"])
        self.server.api("DELETE", f"/tasks/{task['id']}", token=buyer["access_token"])


if __name__ == "__main__":
    unittest.main()
