-- Accounts, sessions, the coin ledger and idempotency records.
-- Times are Unix milliseconds; ids are UUIDv7 strings, so ordering by id is ordering by creation.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,  -- trimmed, lower-cased: the identity
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('worker', 'buyer', 'admin')),
    photo_url TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'removed')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX users_role_id ON users (role, id);
CREATE INDEX users_status_id ON users (status, id);

-- One row per ledger account: 'wallet:<user>', 'escrow:<task>', 'hold:<withdrawal>', 'mint',
-- 'payout'. The balance is a cache of the transfers, updated in the same transaction under a SQL
-- guard; only the system accounts may go negative (mint is where coins come from).
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('wallet', 'escrow', 'hold', 'mint', 'payout')),
    owner_id TEXT,
    balance INTEGER NOT NULL DEFAULT 0,
    entry_count INTEGER NOT NULL DEFAULT 0,
    CHECK (kind IN ('mint', 'payout') OR balance >= 0)
);
INSERT INTO accounts (id, kind) VALUES ('mint', 'mint'), ('payout', 'payout');

-- Immutable: never updated or deleted; a correction is a new transfer.
CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    from_account TEXT NOT NULL REFERENCES accounts (id),
    to_account TEXT NOT NULL REFERENCES accounts (id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    kind TEXT NOT NULL,
    reference_type TEXT,
    reference_id TEXT,
    memo TEXT,
    created_at INTEGER NOT NULL,
    CHECK (from_account <> to_account)
);
CREATE INDEX transfers_from ON transfers (from_account);
CREATE INDEX transfers_to ON transfers (to_account);

-- One row per wallet side of a transfer, numbered per account by the same UPDATE that moves the
-- balance, so that balance_after chains exactly and pages by (account_id, seq).
CREATE TABLE entries (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    seq INTEGER NOT NULL,
    transfer_id TEXT NOT NULL REFERENCES transfers (id),
    amount INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reference_type TEXT,
    reference_id TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, seq)
);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    spent_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done')),
    response_status INTEGER,
    response_content_type TEXT,
    response_body TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- The marketplace. A task's status is derived: cancelled when cancelled_at is set, closed once
-- completion_date has passed, else open.
CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    buyer_id TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    detail TEXT NOT NULL,
    submission_info TEXT NOT NULL,
    image_url TEXT,
    required_workers INTEGER NOT NULL CHECK (required_workers > 0),
    slots_open INTEGER NOT NULL CHECK (slots_open >= 0),
    payable_amount INTEGER NOT NULL CHECK (payable_amount > 0),
    completion_date INTEGER NOT NULL,
    cancelled_at INTEGER,
    closed_refunded_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX tasks_buyer ON tasks (buyer_id, completion_date, id);

CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES tasks (id),
    worker_id TEXT NOT NULL REFERENCES users (id),
    buyer_id TEXT NOT NULL REFERENCES users (id),
    submission_details TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    feedback TEXT,
    decided_by TEXT CHECK (decided_by IN ('buyer', 'auto')),
    submitted_at INTEGER NOT NULL,
    decided_at INTEGER,
    UNIQUE (task_id, worker_id)
);
CREATE INDEX submissions_worker ON submissions (worker_id, id);
CREATE INDEX submissions_buyer ON submissions (buyer_id, id);
CREATE INDEX submissions_pending ON submissions (submitted_at) WHERE status = 'pending';

CREATE TABLE withdrawals (
    id TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL REFERENCES users (id),
    coins INTEGER NOT NULL CHECK (coins > 0),
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    payment_system TEXT NOT NULL,
    account_number_last4 TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'rejected', 'cancelled')),
    reason TEXT,
    requested_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by TEXT
);
CREATE INDEX withdrawals_worker ON withdrawals (worker_id, id);
CREATE INDEX withdrawals_status ON withdrawals (status, id);

CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    buyer_id TEXT NOT NULL REFERENCES users (id),
    package_id TEXT NOT NULL,
    coins INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    provider_payment_id TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX payments_buyer ON payments (buyer_id, id);

CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    received_at INTEGER NOT NULL
);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    message TEXT NOT NULL,
    action_route TEXT,
    read INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX notifications_user ON notifications (user_id, id);

CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    reporter_id TEXT NOT NULL REFERENCES users (id),
    target_type TEXT NOT NULL CHECK (target_type IN ('task', 'submission')),
    target_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    resolution TEXT,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER
);
CREATE INDEX reports_status ON reports (status, id);
