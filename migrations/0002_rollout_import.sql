-- Rollout import bookkeeping and the parts of a rollout line that are not its payload.
--
-- events.line_extras: the rollout line's top-level fields other than timestamp, type and
-- payload (Codex 0.169 writes "ordinal"), as a JSON object, so an export writes the line
-- back whole. NULL when there are none.
ALTER TABLE events ADD COLUMN line_extras TEXT;

-- import_files: what `spool import` has read of each rollout file, written in the same
-- transaction as the events read from it. A file is known by the hash of its first line and
-- its thread id (an identity that survives Codex moving it to archived_sessions/); `offset` is the byte
-- after the last complete line read, so a file that grew contributes only its new lines.
CREATE TABLE import_files (
  identity   TEXT    PRIMARY KEY,  -- "<fnv1a-64 of the first line>-<its length>-<thread id>"
  path       TEXT    NOT NULL,     -- where it was last read
  thread_id  TEXT    NOT NULL,
  offset     INTEGER NOT NULL,     -- bytes consumed
  lines      INTEGER NOT NULL,     -- lines consumed (for line numbers in reports)
  archived   INTEGER NOT NULL,     -- read from archived_sessions/
  updated_at_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX import_files_by_path ON import_files (path);

-- threads.archived_at_ms: set while the thread is archived (a `spool` thread_archived
-- event), NULL otherwise.
ALTER TABLE threads ADD COLUMN archived_at_ms INTEGER;
