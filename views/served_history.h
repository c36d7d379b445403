// How stored history is served: a turn still inProgress in the log is served as
// interrupted when its thread is not running (a crash or a closed client ended it).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "eventstore/projection_writer.h"

namespace spool::views {

// The stored turns as v2 Turn JSON with their items. `running` says whether a turn of this
// thread is executing in this process right now (then its inProgress turn stays so).
nlohmann::json served_turns(const std::vector<eventstore::HistoryTurnRow>& rows, bool running);

// The same turns as JSON text (what served_turns(rows, running).dump() gives, member order
// aside), made by splicing the stored item texts into their turns without parsing them: a
// resume of a thread with thousands of items costs a copy, not a parse and a dump.
std::string served_turns_text(const std::vector<eventstore::HistoryTurnRow>& rows, bool running);

}  // namespace spool::views
