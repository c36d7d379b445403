-- The event log and the narrow per-thread row kept beside it.
--
-- threads: created by a thread's first event and updated in every append's transaction.
-- The list projection (preview, provider, cwd, ...) adds its columns in a later migration.
CREATE TABLE threads (
  id                 TEXT    PRIMARY KEY,
  created_at_ms      INTEGER NOT NULL,
  updated_at_ms      INTEGER NOT NULL,
  last_seq           INTEGER NOT NULL,
  persistence_policy TEXT CHECK (persistence_policy IN ('limited', 'extended', 'full'))
) STRICT;

-- events: one row per stored event. `position` is the global, gap-free order of commits
-- (AUTOINCREMENT, so a position is never reused even after a thread is deleted); `seq` is
-- the per-thread order, gap-free from 1. `payload` is the event's JSON exactly as received
-- (after invalid UTF-8 is replaced with U+FFFD). Events are immutable: no UPDATE, ever.
CREATE TABLE events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  thread_id   TEXT    NOT NULL REFERENCES threads(id),
  seq         INTEGER NOT NULL CHECK (seq >= 1),
  ts_ms       INTEGER NOT NULL,             -- UTC epoch milliseconds
  kind        TEXT    NOT NULL,             -- session_meta, event_msg, response_item, ...
  type        TEXT,                         -- the payload's "type", when it has one
  turn_id     TEXT,                         -- the turn the event belongs to, when known
  producer_id TEXT,                         -- idempotency key given by the producer
  payload     TEXT    NOT NULL,
  UNIQUE (thread_id, seq)
) STRICT;

-- An append that carries a producer id already stored for the thread is a no-op retry.
CREATE UNIQUE INDEX events_by_producer_id ON events (thread_id, producer_id)
  WHERE producer_id IS NOT NULL;

-- Database-wide settings, one row per key.
CREATE TABLE store_settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

INSERT INTO store_settings (key, value) VALUES ('persistence_policy', 'extended');
