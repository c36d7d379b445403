#include "rpc/server/thread_handlers.h"

namespace spool::rpc {

void register_thread_handlers(Session& session, MessageRouter& router) {
  register_thread_start_handlers(session, router);
  register_thread_state_handlers(session, router);
  register_thread_query_handlers(session, router);
}

}  // namespace spool::rpc
