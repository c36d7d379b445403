// The hook through which projections run inside the append transaction.
//
// A hook sees every append after the events and the thread row are written and before the
// transaction commits. If it fails, the append is rolled back as a whole and the caller gets
// the hook's error: events and projections are both visible or neither is.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/result.h"
#include "eventstore/event.h"
#include "eventstore/persistence_policy.h"
#include "eventstore/projection_writer.h"

namespace spool::eventstore {

// The store's own row for a thread (the list projection adds more columns later).
struct ThreadRow {
  std::string id;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::int64_t last_seq = 0;
  std::optional<PersistencePolicy> policy;  // nullopt: the database's default policy
  std::optional<std::int64_t> archived_at_ms;  // set while archived
};

class AppendHook {
 public:
  virtual ~AppendHook() = default;

  // Called inside the append transaction. `thread` is the thread's row as this append left
  // it; `events` are the events this append stored, in seq order (never empty); `writer`
  // writes projection rows in the same transaction. An error return or an exception rolls
  // the append back. Also called by Store::rebuild_projections with a thread's whole log.
  virtual Result<void, std::string> after_append(const ThreadRow& thread,
                                                 std::span<const StoredEvent> events,
                                                 ProjectionWriter& writer) = 0;
  // Called by Store::rebuild_projections before refolding: forget derived state.
  virtual void reset() {}
};

}  // namespace spool::eventstore
