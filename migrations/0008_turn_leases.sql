-- Which process runs a turn on a thread (eventstore/turn_lease.h): several `spool serve`
-- processes may share one database, and only one of them may run a turn on a thread at a
-- time. A row exists while a turn runs; it is taken and released in BEGIN IMMEDIATE
-- transactions. A row whose owner process is gone (same host, the pid no longer runs or
-- now runs another program) is stale and may be taken over.
--
-- thread_id is not a foreign key: a lease says nothing about the thread's events, and a
-- lease of a deleted thread is simply stale. owner is a token unique to one owner object
-- (one AppServer) in one process; pid, host and pid_start (the process's start time in
-- clock ticks since boot, from /proc/<pid>/stat; 0 when unknown) identify its process.
CREATE TABLE turn_leases (
  thread_id     TEXT PRIMARY KEY,
  owner         TEXT NOT NULL,
  pid           INTEGER NOT NULL,
  host          TEXT NOT NULL,
  pid_start     INTEGER NOT NULL,
  turn_id       TEXT,
  taken_at_ms   INTEGER NOT NULL
) WITHOUT ROWID;
