// turn/start and turn/interrupt, registered on a session's router, and what the thread
// handlers need to show a running turn.
//
// turn/start runs a turn on a loaded thread (thread/start, resume or fork loaded it): it
// answers at once with the turn inProgress, then the LiveTurn streams it. One turn at a time
// per thread: a second turn/start while one runs (or is starting) is refused with -32009,
// also when the turn runs in another `spool serve` on the same database (the thread's turn
// lease, rpc/server/turn_lease_guard.h).
// The turn's overrides (cwd, model, effort, approvalPolicy, sandboxPolicy) stay for later
// turns and are recorded in a turn_context event. turn/interrupt names the running turn;
// with none running it is refused with -32009.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "rpc/message_router.h"

namespace spool::rpc {

class AppServer;
class Session;

void register_turn_handlers(Session& session, MessageRouter& router);

// For thread/read and thread/resume of a thread whose turn is running here: the thread's
// status becomes active and, when `with_turns`, its running turn is replaced by the turn as
// notified so far (LiveTurn::snapshot), so the notifications that follow continue it.
void overlay_live_turn(AppServer& server, const std::string& thread_id, nlohmann::json& thread,
                       bool with_turns);

}  // namespace spool::rpc
