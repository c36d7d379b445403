#include "views/attach.h"

#include "views/projection_hook.h"

namespace spool::views {

void attach_projections(eventstore::Store& store) {
  static ProjectionHook hook;  // stateless: one instance serves every store
  store.add_hook(&hook);
}

}  // namespace spool::views
