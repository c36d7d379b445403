// feedback/upload, registered on a session's router: the report is stored in the database
// (with the server's recent log lines when includeLogs) and, when config.toml names a
// feedback_url, posted there as JSON.
//
// The answer comes once the report is stored and, with a feedback_url, once the post has
// ended. A post that fails (transport error or non-2xx) is answered with -32603 saying that
// the report was saved under its id and why sending it failed (error.data.feedbackId); the
// outcome is recorded with the report either way.
#pragma once

#include "rpc/message_router.h"

namespace spool::rpc {

class Session;

void register_feedback_handlers(Session& session, MessageRouter& router);

}  // namespace spool::rpc
