// The thread/* methods of the v2 protocol, registered on a session's router. Each handler
// decodes and checks its params on the loop, runs its database work through the session's
// read()/write() (never on the loop), and answers, subscribes and notifies back on the loop.
#pragma once

#include "rpc/message_router.h"

namespace spool::rpc {

class Session;

void register_thread_handlers(Session& session, MessageRouter& router);

// The groups it registers (one file each).
void register_thread_start_handlers(Session& session, MessageRouter& router);  // start, resume, fork
void register_thread_state_handlers(Session& session, MessageRouter& router);  // archive, unarchive, name/set, delete, revert
void register_thread_query_handlers(Session& session, MessageRouter& router);  // read, list, turns/list, loaded/list, unsubscribe

}  // namespace spool::rpc
