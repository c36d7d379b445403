-- Account-wide records that are not thread events: the rate limits the model provider
-- reported (a history, newest served by account/rateLimits/read and `spool status`), and the
-- feedback reports of feedback/upload.

-- One row per change of a limit's snapshot. limit_id is the snapshot's limitId ("codex"
-- when the provider names none); snapshot is the v2 RateLimitSnapshot JSON as served.
CREATE TABLE rate_limit_snapshots (
  id             INTEGER PRIMARY KEY,
  observed_at_ms INTEGER NOT NULL,
  limit_id       TEXT NOT NULL,
  snapshot       TEXT NOT NULL
);
CREATE INDEX rate_limit_snapshots_by_limit ON rate_limit_snapshots (limit_id, id);

-- thread_id is not a foreign key: feedback outlives a deleted thread (its events do not).
-- upload_status: 'not_configured' (no feedback_url), 'pending', 'uploaded' or 'failed'.
CREATE TABLE feedback (
  id             TEXT PRIMARY KEY,
  created_at_ms  INTEGER NOT NULL,
  thread_id      TEXT,
  classification TEXT NOT NULL,
  reason         TEXT,
  tags           TEXT,
  logs           TEXT,
  upload_url     TEXT,
  upload_status  TEXT NOT NULL,
  upload_error   TEXT,
  uploaded_at_ms INTEGER
);
CREATE INDEX feedback_by_thread ON feedback (thread_id, created_at_ms);
