// Registers the projection hook on a store, so every append keeps the views current.
#pragma once

#include "eventstore/store.h"

namespace spool::views {

// Adds a ProjectionHook owned by `store` (it caches recent threads' folds per store).
void attach_projections(eventstore::Store& store);

}  // namespace spool::views
