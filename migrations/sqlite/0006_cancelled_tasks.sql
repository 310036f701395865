-- GET /admin/tasks?status=cancelled: the newest cancelled tasks without walking every task.
CREATE INDEX tasks_cancelled ON tasks (id) WHERE cancelled_at IS NOT NULL;
