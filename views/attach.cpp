#include "views/attach.h"

#include "views/projection_hook.h"

#include <memory>

namespace spool::views {

void attach_projections(eventstore::Store& store) {
  // One hook per store: it keeps the folds of recently appended threads in memory.
  store.add_hook(std::make_unique<ProjectionHook>());
}

}  // namespace spool::views
