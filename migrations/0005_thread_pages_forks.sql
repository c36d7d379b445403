-- Keyset paging of the thread list, deleting threads, and forks.
--
-- thread/list pages on (sort key, id) in either direction: the indexes that serve the
-- updated-time orders get id as their last column, so a page never sorts beyond ties (the
-- created-time ones already have it).
DROP INDEX threads_by_archived_updated;
CREATE INDEX threads_by_archived_updated ON threads ((archived_at_ms IS NOT NULL), updated_at_ms, id);
DROP INDEX threads_by_provider_updated;
CREATE INDEX threads_by_provider_updated ON threads (model_provider, updated_at_ms, id);
DROP INDEX threads_by_source;
CREATE INDEX threads_by_source ON threads (source, updated_at_ms, id);
DROP INDEX threads_by_cwd;
CREATE INDEX threads_by_cwd ON threads (cwd, updated_at_ms, id);

-- Deleting a thread deletes its import checkpoints (so its rollout could be imported again).
CREATE INDEX import_files_by_thread ON import_files (thread_id);

-- thread_forks: one row per fork, written by the store in the transaction that appends the
-- fork's `spool` / thread_forked event {"forked_from_id", "through_seq"}. The fork's history
-- begins with its parent's lineage up to the parent's seq through_seq; the parent's events
-- are referenced, not copied, so a parent with forks cannot be deleted.
CREATE TABLE thread_forks (
  thread_id   TEXT    PRIMARY KEY REFERENCES threads(id),
  parent_id   TEXT    NOT NULL REFERENCES threads(id),
  through_seq INTEGER NOT NULL CHECK (through_seq >= 1),
  fork_seq    INTEGER NOT NULL  -- the seq of the thread_forked event in the fork
) STRICT, WITHOUT ROWID;

CREATE INDEX thread_forks_by_parent ON thread_forks (parent_id, thread_id);

-- No Spool before this migration wrote thread_forked events, but take any there is.
INSERT OR IGNORE INTO thread_forks (thread_id, parent_id, through_seq, fork_seq)
  SELECT thread_id, json_extract(payload, '$.forked_from_id'),
         json_extract(payload, '$.through_seq'), seq
  FROM events
  WHERE kind = 'spool' AND type = 'thread_forked'
    AND json_valid(payload)
    AND json_type(payload, '$.forked_from_id') = 'text'
    AND json_type(payload, '$.through_seq') = 'integer'
    AND json_extract(payload, '$.through_seq') >= 1
    AND json_extract(payload, '$.forked_from_id') IN (SELECT id FROM threads)
  ORDER BY position;
