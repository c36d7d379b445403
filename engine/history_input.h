// A thread's stored history (v2 turns, as the projections serve them) as the Responses API
// input of the next request: what the model said and did before, in order (turns in the
// order given, items in turn order; a turn holds only what its itemsView loaded).
//
//   userMessage       {role: user} with its inputs joined by "\n": non-empty text as is,
//                     images as "[image: <url or path>]"; audio, skills and mentions left
//                     out; skipped when nothing is left
//   agentMessage      {role: assistant} with its text (every phase); skipped when empty
//   commandExecution  function_call `shell` (call_id = the item id, arguments
//                     {"command": argv}) immediately followed by its function_call_output, so
//                     that every call has exactly one output as the Responses API requires.
//                     argv is shell_split(command) when that is exact (Spool writes command as
//                     shell_join(argv)), else ["bash","-lc",command] (a command that does not
//                     split, or that holds unquoted shell operators such as "ls && pwd").
//                     The output, by status:
//                       completed, failed with an exit code  command_output_for_model(exit
//                                                           code (completed: 0 if unset),
//                                                           durationMs or 0, aggregatedOutput)
//                       failed without an exit code          command_not_run_for_model(
//                         (refused, could not be spawned:     aggregatedOutput, or "it failed"
//                         TurnRunner keeps the reason there)  when that is empty)
//                       declined                             kDeclinedOutput
//                       inProgress (the turn ended first)    kAbortedOutput
//   reasoning         left out (the encrypted reasoning is not kept in v2 items)
//   other items       left out
#pragma once

#include <vector>

#include "engine/responses_request.h"
#include "protocol/v2/thread.h"

namespace spool::engine {

std::vector<InputItem> history_input(const std::vector<protocol::v2::Turn>& turns);

}  // namespace spool::engine
