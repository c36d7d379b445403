-- The history projection: each thread's turns and items as the v2 JSON a resume serves,
-- kept by the projection hook inside every append, so thread/resume reads rows instead of
-- folding the log.
CREATE TABLE turns (
  thread_id TEXT    NOT NULL REFERENCES threads(id),
  ordinal   INTEGER NOT NULL,  -- 0-based position in the thread's history
  turn_id   TEXT    NOT NULL,
  turn_json TEXT    NOT NULL,  -- v2 Turn with "items": []
  PRIMARY KEY (thread_id, ordinal)
) STRICT, WITHOUT ROWID;

CREATE TABLE items (
  thread_id    TEXT    NOT NULL REFERENCES threads(id),
  turn_ordinal INTEGER NOT NULL,
  ordinal      INTEGER NOT NULL,  -- 0-based position within the turn
  item_id      TEXT    NOT NULL,
  item_json    TEXT    NOT NULL,  -- v2 ThreadItem
  PRIMARY KEY (thread_id, turn_ordinal, ordinal)
) STRICT, WITHOUT ROWID;
