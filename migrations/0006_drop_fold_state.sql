-- The projection hook keeps its folds in memory and refolds a thread from its events when
-- it has not got it (views/projection_hook.h), so the folds' saved state is no longer read
-- or written. The history state held a copy of every thread's whole history: drop it.
DELETE FROM projection_state WHERE projection IN ('summary', 'history', 'lineage');
