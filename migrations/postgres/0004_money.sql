-- Coin purchases, withdrawals and administration.

-- A user's held and escrowed coins (GET /wallet) are the balances of the hold and escrow
-- accounts owned by their withdrawals and tasks; the platform totals (GET /admin/stats) add up
-- balances by kind. Both look accounts up by kind and owner.
CREATE INDEX accounts_kind_owner ON accounts (kind, owner_id);

-- GET /withdrawals?status= for a worker, newest first.
CREATE INDEX withdrawals_worker_status ON withdrawals (worker_id, status, id);
