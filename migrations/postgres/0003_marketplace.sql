-- The marketplace: full-text search over tasks and an index for each list's filter and order.

-- Search: the words of title and detail with the 'simple' configuration (lower-cased, no
-- stemming), as SQLite's unicode61 tokenizer sees them; stored so that a filter over an index
-- scan in sort order need not recompute it.
ALTER TABLE tasks ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, title || ' ' || detail)) STORED;
CREATE INDEX tasks_search ON tasks USING gin (search_vector);

-- GET /tasks: tasks that are not cancelled and have a free slot, in each sort's order. Tasks
-- past their deadline leave these indexes when the expiry job sets their open slots to zero;
-- until then the deadline is a cheap filter (or the range of the deadline index).
CREATE INDEX tasks_open_newest ON tasks (id) WHERE cancelled_at IS NULL AND slots_open > 0;
CREATE INDEX tasks_open_pay ON tasks (payable_amount, id)
    WHERE cancelled_at IS NULL AND slots_open > 0;
CREATE INDEX tasks_open_deadline ON tasks (completion_date, id)
    WHERE cancelled_at IS NULL AND slots_open > 0;
-- The expiry job: running tasks whose open slots were not refunded at closing yet.
CREATE INDEX tasks_expiring ON tasks (completion_date)
    WHERE cancelled_at IS NULL AND closed_refunded_at IS NULL;

-- GET /worker/submissions and GET /buyer/submissions with a status; ?task_id=; the pending
-- submissions of one task (settling a finished task's escrow).
CREATE INDEX submissions_worker_status ON submissions (worker_id, status, id);
CREATE INDEX submissions_buyer_status ON submissions (buyer_id, status, id);
CREATE INDEX submissions_task ON submissions (task_id, id);
CREATE INDEX submissions_task_pending ON submissions (task_id) WHERE status = 'pending';

-- GET /notifications?unread=true
CREATE INDEX notifications_user_unread ON notifications (user_id, id) WHERE read = 0;

-- GET /workers/top: wallets by balance (the user's coins), richest first.
CREATE INDEX accounts_kind_balance ON accounts (kind, balance, id);
