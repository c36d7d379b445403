// Registers the projection hook on a store, so every append keeps the views current.
#pragma once

#include "eventstore/store.h"

namespace spool::views {

// The hook is stateless and lives for the whole program; `store` may be any Store.
void attach_projections(eventstore::Store& store);

}  // namespace spool::views
