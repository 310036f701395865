-- The marketplace: full-text search over tasks and an index for each list's filter and order.

-- Search: an FTS5 index whose content is tasks(title, detail). FTS5 keys documents by an integer,
-- and the implicit rowid of a table without an INTEGER PRIMARY KEY may change on VACUUM, so each
-- task gets a stable integer of its own, assigned by the insert trigger.
ALTER TABLE tasks ADD COLUMN search_rowid INTEGER;
CREATE UNIQUE INDEX tasks_search_rowid ON tasks (search_rowid);
CREATE VIRTUAL TABLE tasks_fts USING fts5(
    title, detail,
    content = 'tasks', content_rowid = 'search_rowid',
    tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
    UPDATE tasks SET search_rowid = (SELECT COALESCE(MAX(search_rowid), 0) + 1 FROM tasks)
        WHERE id = new.id;
    INSERT INTO tasks_fts (rowid, title, detail)
        SELECT search_rowid, title, detail FROM tasks WHERE id = new.id;
END;
CREATE TRIGGER tasks_fts_update AFTER UPDATE OF title, detail ON tasks BEGIN
    INSERT INTO tasks_fts (tasks_fts, rowid, title, detail)
        VALUES ('delete', old.search_rowid, old.title, old.detail);
    INSERT INTO tasks_fts (rowid, title, detail) VALUES (new.search_rowid, new.title, new.detail);
END;
CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
    INSERT INTO tasks_fts (tasks_fts, rowid, title, detail)
        VALUES ('delete', old.search_rowid, old.title, old.detail);
END;

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
