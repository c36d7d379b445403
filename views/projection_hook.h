// ProjectionHook: keeps the projections in the database. Registered on a Store, it folds
// every append's events into each thread's projections (projections/) and writes the
// results through the store's ProjectionWriter in the same transaction; Store::
// rebuild_projections runs it over the whole log.
//
// This layer joins the store and the pure folds: it depends on eventstore and projections,
// and neither of them on it.
#pragma once

#include "eventstore/append_hook.h"

namespace spool::views {

class ProjectionHook final : public eventstore::AppendHook {
 public:
  Result<void, std::string> after_append(const eventstore::ThreadRow& thread,
                                         std::span<const eventstore::StoredEvent> events,
                                         eventstore::ProjectionWriter& writer) override;
};

}  // namespace spool::views
