// The approval requests Spool sends to a client (item/commandExecution/requestApproval,
// item/fileChange/requestApproval) and the answers it reads back. Top-level types
// (namespace ""), as in Codex, whose schema declares them at the root of the bundle even
// though the methods are v2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/codec.h"

namespace spool::protocol {

// NOLINTBEGIN(readability-identifier-naming): wire names

// What a command approval is about. Codex 0.169 also has "humanCommand" (a managed
// checkpoint behind the requiredHumanApproval capability), which Spool never sends.
enum class CommandExecutionApprovalKind { Command, WriteStdin };
SPOOL_ENUM(CommandExecutionApprovalKind, "",
           Entry{CommandExecutionApprovalKind::Command, "command"},
           Entry{CommandExecutionApprovalKind::WriteStdin, "writeStdin"})

// Codex 0.169 leaves out of this request (not modelled here):
//  - commandActions: a v2 CommandAction list (items.h), "best-effort, for display";
//  - networkApprovalContext, proposedNetworkPolicyAmendments: managed-network approvals,
//    which Spool does not do.
// Codex servers also send an `availableDecisions` list that the 0.169 schema does not
// declare; Spool does not send it.
// Codex 0.60.1 sent neither startedAtMs nor kind (and a `risk` assessment instead).
struct CommandExecutionRequestApprovalParams {
  std::string threadId;
  std::string turnId;
  std::string itemId;
  std::int64_t startedAtMs = 0;  // Unix ms when the approval request started
  // Codex: not required, defaults to "command"; Spool always writes it.
  CommandExecutionApprovalKind kind = CommandExecutionApprovalKind::Command;
  // Distinct callback id when several approvals belong to one item; null for plain commands.
  std::optional<std::string> approvalId;
  std::optional<std::string> reason;       // why approval is needed (e.g. network access)
  std::optional<std::string> command;      // the command line to run
  std::optional<std::string> cwd;          // its working directory (absolute path)
  std::optional<std::string> environmentId;
  // A command prefix that, if accepted, would let similar commands run without asking.
  std::optional<std::vector<std::string>> proposedExecpolicyAmendment;
};
SPOOL_STRUCT(CommandExecutionRequestApprovalParams, "", threadId, turnId, itemId, startedAtMs,
             kind, approvalId, reason, command, cwd, environmentId, proposedExecpolicyAmendment)

// The client's decision on a command. Codex's type is an untagged union of these strings
// and two objects ({"acceptWithExecpolicyAmendment": ...}, {"applyNetworkPolicyAmendment":
// ...}); Spool models only the string form, as an enum, and never offers the amendments.
// Codex 0.60.1 spelled the decision the same (accept/decline/cancel, with
// acceptSettings.forSession for "for the session", which Spool ignores); the legacy
// execCommandApproval spellings (ReviewDecision: approved, approved_for_session, denied,
// abort) are accepted on decode too.
enum class CommandExecutionApprovalDecision { Accept, AcceptForSession, Decline, Cancel };
SPOOL_ENUM(CommandExecutionApprovalDecision, "",
           Entry{CommandExecutionApprovalDecision::Accept, "accept", {"approved"}},
           Entry{CommandExecutionApprovalDecision::AcceptForSession, "acceptForSession",
                 {"approved_for_session"}},
           Entry{CommandExecutionApprovalDecision::Decline, "decline", {"denied"}},
           Entry{CommandExecutionApprovalDecision::Cancel, "cancel", {"abort"}})

struct CommandExecutionRequestApprovalResponse {
  CommandExecutionApprovalDecision decision = CommandExecutionApprovalDecision::Decline;
};
SPOOL_STRUCT(CommandExecutionRequestApprovalResponse, "", decision)

struct FileChangeRequestApprovalParams {
  std::string threadId;
  std::string turnId;
  std::string itemId;
  std::int64_t startedAtMs = 0;  // Unix ms when the approval request started
  std::optional<std::string> reason;  // why approval is needed (e.g. extra write access)
  // [UNSTABLE in Codex] asks to allow writes under this root for the rest of the session.
  std::optional<std::string> grantRoot;
};
SPOOL_STRUCT(FileChangeRequestApprovalParams, "", threadId, turnId, itemId, startedAtMs, reason,
             grantRoot)

// The client's decision on a file change; same spellings (and decode aliases) as for commands.
enum class FileChangeApprovalDecision { Accept, AcceptForSession, Decline, Cancel };
SPOOL_ENUM(FileChangeApprovalDecision, "",
           Entry{FileChangeApprovalDecision::Accept, "accept", {"approved"}},
           Entry{FileChangeApprovalDecision::AcceptForSession, "acceptForSession",
                 {"approved_for_session"}},
           Entry{FileChangeApprovalDecision::Decline, "decline", {"denied"}},
           Entry{FileChangeApprovalDecision::Cancel, "cancel", {"abort"}})

struct FileChangeRequestApprovalResponse {
  FileChangeApprovalDecision decision = FileChangeApprovalDecision::Decline;
};
SPOOL_STRUCT(FileChangeRequestApprovalResponse, "", decision)

// NOLINTEND(readability-identifier-naming)

}  // namespace spool::protocol
