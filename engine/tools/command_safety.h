// Whether a command the model asks for may run, must be approved by the user first, or is
// refused, from the thread's approval policy and sandbox mode (there is no OS sandbox yet:
// the sandbox mode decides only this).
//
//   untrusted    known-safe commands run; every other command asks.
//   on-request,  commands run, except in read-only, where a command that is not known-safe
//   on-failure   asks.
//   never        commands run, except in read-only, where a command that is not known-safe
//                is refused (there is no one to ask).
// A command the user accepted "for the session" runs without asking again (exact argv).
#pragma once

#include <string>
#include <vector>

#include "protocol/v2/common.h"

namespace spool::engine {

// True for read-only inspection commands from a small fixed list, matched on the bare
// program name (not a path):
//   basename cat echo false grep head ls nl pwd tail true wc which whoami  any arguments
//   find   without -exec -execdir -ok -okdir -delete -fls -fprint -fprint0 -fprintf
//   rg     without --pre, --hostname-bin, --search-zip (or an abbreviation) or -z (alone
//          or in a cluster of short options)
//   git    status/log/diff/show (subcommand first) without --output, --ext-diff,
//          --textconv (or an abbreviation); branch with only -a --all -r --remotes -v -vv
//          --verbose -l --show-current --no-color
//   sed    -n <N|$>[,<N|$>]p followed only by file names
// also when wrapped as [bash|sh|zsh (or /bin/..., /usr/bin/bash), -c|-lc, script] where the
// script is one such command: the raw script must not contain any of ; & | < > $ ` ( )
// newline, CR, * ? [ ] { } ~ # ! ^ (quoted or not, so `grep 'a|b'` in a script asks), and
// is read with shell_split. Wrappers do not nest.
bool is_known_safe_command(const std::vector<std::string>& argv);

enum class CommandVerdict { Run, Ask, Refuse };

struct CommandCheck {
  CommandVerdict verdict = CommandVerdict::Ask;
  std::string reason;  // why Ask or Refuse, for the approval request / the model; "" on Run
};

// The rules at the top of this file. Reasons quote the command (shell_join, cut to about 200
// bytes): "`rm -rf x` is not a known-safe command and the approval policy is untrusted",
// "sandbox is read-only and `touch f` may write" (Ask), and for never, "sandbox is read-only
// and `touch f` may write; the approval policy is never, so it cannot be approved" (Refuse).
CommandCheck check_command(const std::vector<std::string>& argv,
                           protocol::v2::AskForApproval policy, protocol::v2::SandboxMode sandbox,
                           bool approved_for_session);

}  // namespace spool::engine
