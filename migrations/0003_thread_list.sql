-- The thread list projection: what thread/list returns, kept in the threads row by the
-- projection hook inside every append, and the folds' saved state.
--
-- No event payloads are read to list threads: every list order and filter has an index.
ALTER TABLE threads ADD COLUMN preview TEXT NOT NULL DEFAULT '';
ALTER TABLE threads ADD COLUMN name TEXT;
ALTER TABLE threads ADD COLUMN model_provider TEXT;
ALTER TABLE threads ADD COLUMN model TEXT;
ALTER TABLE threads ADD COLUMN reasoning_effort TEXT;
ALTER TABLE threads ADD COLUMN approval_policy TEXT;   -- JSON
ALTER TABLE threads ADD COLUMN sandbox TEXT;           -- JSON
ALTER TABLE threads ADD COLUMN cwd TEXT;
ALTER TABLE threads ADD COLUMN source TEXT;
ALTER TABLE threads ADD COLUMN originator TEXT;
ALTER TABLE threads ADD COLUMN cli_version TEXT;
ALTER TABLE threads ADD COLUMN forked_from_id TEXT;
ALTER TABLE threads ADD COLUMN git_info TEXT;          -- JSON

-- updated_at_ms is unique per database (the store nudges a colliding time by a
-- millisecond), so paging by it never ties.
CREATE INDEX threads_by_updated ON threads (updated_at_ms);
CREATE INDEX threads_by_archived_updated ON threads ((archived_at_ms IS NOT NULL), updated_at_ms);
CREATE INDEX threads_by_archived_created ON threads ((archived_at_ms IS NOT NULL), created_at_ms, id);
CREATE INDEX threads_by_provider_updated ON threads (model_provider, updated_at_ms);
CREATE INDEX threads_by_provider_created ON threads (model_provider, created_at_ms, id);
CREATE INDEX threads_by_source ON threads (source, updated_at_ms);
CREATE INDEX threads_by_cwd ON threads (cwd, updated_at_ms);

-- Each fold's saved state per thread, so an append folds only its own events.
CREATE TABLE projection_state (
  thread_id  TEXT NOT NULL REFERENCES threads(id),
  projection TEXT NOT NULL,   -- "summary", "history"
  state      TEXT NOT NULL,   -- JSON
  PRIMARY KEY (thread_id, projection)
) STRICT, WITHOUT ROWID;
