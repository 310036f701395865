"""The OpenAPI document and the router agree, and both cover every route of the contract."""
import re
import unittest

from harness import ServerTestCase

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


class OpenApiTest(ServerTestCase):
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
            concrete = re.sub(r"\{[^}]+\}", "00000000-0000-7000-8000-000000000000", path)
            with self.subTest(f"{method} {path}"):
                r = self.server.request(method, concrete)
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


if __name__ == "__main__":
    unittest.main()
