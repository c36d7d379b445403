// model/list, registered on a session's router: the models of a configured provider
// (rpc/server/model_catalog.h), a page at a time.
#pragma once

#include "rpc/message_router.h"

namespace spool::rpc {

class Session;

void register_model_handlers(Session& session, MessageRouter& router);

}  // namespace spool::rpc
