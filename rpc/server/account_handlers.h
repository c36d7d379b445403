// account/read, account/login/start, account/login/cancel, account/logout and
// account/rateLimits/read, registered on a session's router. They answer from the server's
// AccountState (rpc/server/account_state.h) and, for rate limits, from the database.
#pragma once

#include "rpc/message_router.h"

namespace spool::rpc {

class Session;

void register_account_handlers(Session& session, MessageRouter& router);

}  // namespace spool::rpc
