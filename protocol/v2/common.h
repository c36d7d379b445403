// Enums and small types shared by the v2 thread and turn methods: approval and sandbox
// settings, sort order and filters for thread/list, where a session came from, git facts.
//
// Codex models several of these as untagged unions (a string enum or an object). Spool
// models only the string form, as an enum, and says so on each type; the object forms are
// not accepted on decode and never written. Enum values are a subset of what Codex 0.169.0
// allows, plus the older spellings Codex 0.60.1 used, accepted on decode only.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/codec.h"

namespace spool::protocol::v2 {
// NOLINTBEGIN(readability-identifier-naming): wire names

// When the agent asks before running a command. Codex 0.169.0 also has an object form
// ({"granular": {...}}), not modelled. The seed era's "on-failure" (0.60.1: "onFailure")
// is read as on-request: Codex 0.169.0 dropped it (its schemas reject it), and without an
// OS sandbox there is no sandbox failure to ask about, so the two meant the same here.
enum class AskForApproval { Untrusted, OnRequest, Never };
SPOOL_ENUM(AskForApproval, "v2", Entry{AskForApproval::Untrusted, "untrusted", {"unlessTrusted"}},
           Entry{AskForApproval::OnRequest, "on-request", {"onRequest", "on-failure", "onFailure"}},
           Entry{AskForApproval::Never, "never"})

// Who reviews approval requests. Spool itself only ever answers "user".
enum class ApprovalsReviewer { User, AutoReview, GuardianSubagent };
SPOOL_ENUM(ApprovalsReviewer, "v2", Entry{ApprovalsReviewer::User, "user"},
           Entry{ApprovalsReviewer::AutoReview, "auto_review"},
           Entry{ApprovalsReviewer::GuardianSubagent, "guardian_subagent"})

// The sandbox a client asks for on thread/start and friends (kebab-case in 0.169.0,
// camelCase in 0.60.1).
enum class SandboxMode { ReadOnly, WorkspaceWrite, DangerFullAccess };
SPOOL_ENUM(SandboxMode, "v2", Entry{SandboxMode::ReadOnly, "read-only", {"readOnly"}},
           Entry{SandboxMode::WorkspaceWrite, "workspace-write", {"workspaceWrite"}},
           Entry{SandboxMode::DangerFullAccess, "danger-full-access", {"dangerFullAccess"}})

// Network access of an externally sandboxed process. Restricted, the default, comes first.
enum class NetworkAccess { Restricted, Enabled };
SPOOL_ENUM(NetworkAccess, "v2", Entry{NetworkAccess::Restricted, "restricted"},
           Entry{NetworkAccess::Enabled, "enabled"})

// The sandbox in effect (responses of thread/start, resume, fork; turn/start overrides).
struct DangerFullAccessSandboxPolicy {};
SPOOL_EMPTY_TAGGED_STRUCT(DangerFullAccessSandboxPolicy, "v2", "dangerFullAccess")

// Codex leaves the fields of the sandbox policies out when they have their default, and
// never writes them as null: they are Defaulted (missing reads as false / restricted / []).
struct ReadOnlySandboxPolicy {
  Defaulted<bool> networkAccess;
};
SPOOL_TAGGED_STRUCT(ReadOnlySandboxPolicy, "v2", "readOnly", networkAccess)

struct ExternalSandboxSandboxPolicy {
  Defaulted<NetworkAccess> networkAccess;  // default restricted
};
SPOOL_TAGGED_STRUCT(ExternalSandboxSandboxPolicy, "v2", "externalSandbox", networkAccess)

struct WorkspaceWriteSandboxPolicy {
  Defaulted<std::vector<std::string>> writableRoots;  // absolute paths writable besides cwd
  Defaulted<bool> networkAccess;
  Defaulted<bool> excludeTmpdirEnvVar;  // do not make $TMPDIR writable
  Defaulted<bool> excludeSlashTmp;      // do not make /tmp writable
};
SPOOL_TAGGED_STRUCT(WorkspaceWriteSandboxPolicy, "v2", "workspaceWrite", writableRoots,
                    networkAccess, excludeTmpdirEnvVar, excludeSlashTmp)

struct SandboxPolicy : std::variant<DangerFullAccessSandboxPolicy, ReadOnlySandboxPolicy,
                                    ExternalSandboxSandboxPolicy, WorkspaceWriteSandboxPolicy> {
  using variant::variant;
};
SPOOL_UNION(SandboxPolicy, "v2")

// How much reasoning summary the model should produce ("none" turns it off).
enum class ReasoningSummary { Auto, Concise, Detailed, None };
SPOOL_ENUM(ReasoningSummary, "v2", Entry{ReasoningSummary::Auto, "auto"},
           Entry{ReasoningSummary::Concise, "concise"},
           Entry{ReasoningSummary::Detailed, "detailed"}, Entry{ReasoningSummary::None, "none"})

// ReasoningEffort is not a type here: Codex 0.169.0 makes it a free non-empty string
// ("low", "medium", "high", ...), so fields holding it are plain std::string.

enum class SortDirection { Asc, Desc };
SPOOL_ENUM(SortDirection, "v2", Entry{SortDirection::Asc, "asc"},
           Entry{SortDirection::Desc, "desc"})

// thread/list order. Codex's "section_position" (thread sections) is not modelled.
enum class ThreadSortKey { CreatedAt, UpdatedAt, RecencyAt };
SPOOL_ENUM(ThreadSortKey, "v2", Entry{ThreadSortKey::CreatedAt, "created_at"},
           Entry{ThreadSortKey::UpdatedAt, "updated_at"},
           Entry{ThreadSortKey::RecencyAt, "recency_at"})

// What started a session, as thread/list filters it (the flattened SessionSource).
enum class ThreadSourceKind {
  Cli,
  Vscode,
  Exec,
  AppServer,
  SubAgent,
  SubAgentReview,
  SubAgentCompact,
  SubAgentThreadSpawn,
  SubAgentOther,
  Unknown
};
SPOOL_ENUM(ThreadSourceKind, "v2", Entry{ThreadSourceKind::Cli, "cli"},
           Entry{ThreadSourceKind::Vscode, "vscode"}, Entry{ThreadSourceKind::Exec, "exec"},
           Entry{ThreadSourceKind::AppServer, "appServer"},
           Entry{ThreadSourceKind::SubAgent, "subAgent"},
           Entry{ThreadSourceKind::SubAgentReview, "subAgentReview"},
           Entry{ThreadSourceKind::SubAgentCompact, "subAgentCompact"},
           Entry{ThreadSourceKind::SubAgentThreadSpawn, "subAgentThreadSpawn"},
           Entry{ThreadSourceKind::SubAgentOther, "subAgentOther"},
           Entry{ThreadSourceKind::Unknown, "unknown"})

// What started a session (Thread.source). Codex also has object forms ({"custom": ...},
// {"subAgent": ...}), not modelled: Spool has no sub-agents. 0.60.1's "mcp" is the source
// that 0.169.0 calls "appServer" and is read as it.
enum class SessionSource { Cli, Vscode, Exec, AppServer, Unknown };
SPOOL_ENUM(SessionSource, "v2", Entry{SessionSource::Cli, "cli"},
           Entry{SessionSource::Vscode, "vscode"}, Entry{SessionSource::Exec, "exec"},
           Entry{SessionSource::AppServer, "appServer", {"mcp"}},
           Entry{SessionSource::Unknown, "unknown"})

// Git facts about a thread's cwd when it started.
struct GitInfo {
  std::optional<std::string> sha;
  std::optional<std::string> branch;
  std::optional<std::string> originUrl;
};
SPOOL_STRUCT(GitInfo, "v2", sha, branch, originUrl)

// thread/list's cwd filter: one path or several. Codex writes it as a string or an array
// of strings; no declaration can say that, so it is a custom type that keeps the form it
// was read in.
struct ThreadListCwdFilter {
  std::vector<std::string> paths;
  bool single = false;  // came as (and is written as) one string; then paths.size() == 1
  bool operator==(const ThreadListCwdFilter&) const = default;
};
inline constexpr auto spool_reflect(const ThreadListCwdFilter*) {
  return ::spool::protocol::CustomMeta<ThreadListCwdFilter>{
      "ThreadListCwdFilter", "v2",
      R"({"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"}}]})",
      "string | Array<string>", R"(["/home/dev/project"])"};
}
inline void to_json(nlohmann::json& j, const ThreadListCwdFilter& f) {
  if (f.single && f.paths.size() == 1) {
    j = f.paths.front();
  } else {
    j = f.paths;
  }
}
inline void from_json(const nlohmann::json& j, ThreadListCwdFilter& f) {
  f = {};
  if (j.is_string()) {
    f.paths.push_back(j.get<std::string>());
    f.single = true;
    return;
  }
  bool ok = j.is_array();
  if (ok) {
    for (const auto& e : j) ok = ok && e.is_string();
  }
  if (!ok) {
    throw ::spool::protocol::DecodeException(::spool::protocol::DecodeError{
        "", fmt::format("expected a string or an array of strings, got {}",
                        ::spool::protocol::describe_json(j))});
  }
  for (const auto& e : j) f.paths.push_back(e.get<std::string>());
}

// NOLINTEND(readability-identifier-naming)
}  // namespace spool::protocol::v2
