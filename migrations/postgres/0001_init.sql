-- The first migration only proves the pipeline; the real schema arrives in 0002.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
