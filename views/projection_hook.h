// ProjectionHook: keeps the projections in the database. Registered on a Store, it folds
// every append's events into each thread's projections (projections/) and writes the
// results through the store's ProjectionWriter in the same transaction; Store::
// rebuild_projections runs it over the whole log.
//
// This layer joins the store and the pure folds: it depends on eventstore and projections,
// and neither of them on it.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "base/result.h"
#include "eventstore/append_hook.h"

namespace spool::views {

// One per Store (attach_projections makes it). It keeps the folds of the threads appended
// to most recently in memory, so an append folds only its own events and writes only the
// turns they changed: no saved state is read or written. A thread whose cached folds are
// not at the seq the append starts from (another connection appended meanwhile, or an
// append was rolled back after the hook ran) is refolded from its events first; so is a
// thread not in the cache. The folds are deterministic, so the rows are the same either way
// (and the same as `spool rebuild` gives).
//
// Threading: as its Store, one thread at a time.
class ProjectionHook final : public eventstore::AppendHook {
 public:
  explicit ProjectionHook(std::size_t max_cached_threads = 32);
  ~ProjectionHook() override;

  Result<void, std::string> after_append(const eventstore::ThreadRow& thread,
                                         std::span<const eventstore::StoredEvent> events,
                                         eventstore::ProjectionWriter& writer) override;
  void reset() override;

  std::size_t cached_threads() const;

 private:
  struct Cache;
  std::size_t max_cached_;
  std::unique_ptr<Cache> cache_;
};

}  // namespace spool::views
