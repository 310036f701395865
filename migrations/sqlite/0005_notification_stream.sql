-- GET /notifications/stream: each process polls, while it has subscribers, for the notifications
-- created in the last few seconds (oldest first), whoever they are for.
CREATE INDEX notifications_created ON notifications (created_at, id);
