// Thread and Turn as the v2 methods return them: a thread's metadata, runtime status and
// (on resume, fork and read) its turns; a turn's status, error and items.
//
// Optional Codex 0.169.0 fields left out: Thread's agentNickname, agentRole, parentThreadId
// (sub-agents), section, sectionEnteredAt (thread sections) and threadSource (analytics);
// Turn's rootTurnId (delegated work); TurnError's misalignment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/codec.h"
#include "protocol/v2/common.h"
#include "protocol/v2/items.h"

namespace spool::protocol::v2 {
// NOLINTBEGIN(readability-identifier-naming): wire names

// Why a turn failed, as a stable code. Codex also has object forms carrying an HTTP status
// ({"httpConnectionFailed": {"httpStatusCode": 502}}, responseStreamConnectionFailed,
// responseStreamDisconnected, responseTooManyFailedAttempts, activeTurnNotSteerable); they
// are not modelled, so Spool reports those failures with the string codes below. String
// codes for OpenAI-service policies (flexUnavailable, policyCapacityUnavailable,
// cyberPolicy, misalignmentPolicyViolation, tooManyDenials, inferenceHookDenied) are left out.
enum class CodexErrorInfo {
  ContextWindowExceeded,
  SessionBudgetExceeded,
  UsageLimitExceeded,
  RateLimitExceeded,
  ServerOverloaded,
  ModelNotFound,
  InternalServerError,
  Unauthorized,
  BadRequest,
  ThreadRollbackFailed,
  SandboxError,
  Other
};
SPOOL_ENUM(CodexErrorInfo, "v2",
           Entry{CodexErrorInfo::ContextWindowExceeded, "contextWindowExceeded"},
           Entry{CodexErrorInfo::SessionBudgetExceeded, "sessionBudgetExceeded"},
           Entry{CodexErrorInfo::UsageLimitExceeded, "usageLimitExceeded"},
           Entry{CodexErrorInfo::RateLimitExceeded, "rateLimitExceeded"},
           Entry{CodexErrorInfo::ServerOverloaded, "serverOverloaded"},
           Entry{CodexErrorInfo::ModelNotFound, "modelNotFound"},
           Entry{CodexErrorInfo::InternalServerError, "internalServerError"},
           Entry{CodexErrorInfo::Unauthorized, "unauthorized"},
           Entry{CodexErrorInfo::BadRequest, "badRequest"},
           Entry{CodexErrorInfo::ThreadRollbackFailed, "threadRollbackFailed"},
           Entry{CodexErrorInfo::SandboxError, "sandboxError"},
           Entry{CodexErrorInfo::Other, "other"})

struct TurnError {
  std::string message;
  std::optional<CodexErrorInfo> codexErrorInfo;
  std::optional<std::string> additionalDetails;  // e.g. the upstream error body
};
SPOOL_STRUCT(TurnError, "v2", message, codexErrorInfo, additionalDetails)

enum class TurnStatus { Completed, Interrupted, Failed, InProgress };
SPOOL_ENUM(TurnStatus, "v2", Entry{TurnStatus::Completed, "completed"},
           Entry{TurnStatus::Interrupted, "interrupted"}, Entry{TurnStatus::Failed, "failed"},
           Entry{TurnStatus::InProgress, "inProgress"})

// How much of Turn.items is there: all, a summary (the final agent message), or none.
// Full, the default, comes first.
enum class TurnItemsView { Full, Summary, NotLoaded };
SPOOL_ENUM(TurnItemsView, "v2", Entry{TurnItemsView::Full, "full"},
           Entry{TurnItemsView::Summary, "summary"}, Entry{TurnItemsView::NotLoaded, "notLoaded"})

struct Turn {
  std::string id;
  std::vector<ThreadItem> items;       // as much as itemsView says
  Defaulted<TurnItemsView> itemsView;  // default full
  TurnStatus status = TurnStatus::InProgress;
  std::optional<TurnError> error;           // set on a failed or interrupted turn
  std::optional<std::int64_t> startedAt;    // Unix seconds
  std::optional<std::int64_t> completedAt;  // Unix seconds
  std::optional<std::int64_t> durationMs;   // start to completion
};
SPOOL_STRUCT(Turn, "v2", id, items, itemsView, status, error, startedAt, completedAt, durationMs)

// Runtime status of a thread.
enum class ThreadActiveFlag { WaitingOnApproval, WaitingOnUserInput };
SPOOL_ENUM(ThreadActiveFlag, "v2", Entry{ThreadActiveFlag::WaitingOnApproval, "waitingOnApproval"},
           Entry{ThreadActiveFlag::WaitingOnUserInput, "waitingOnUserInput"})

struct NotLoadedThreadStatus {};  // on disk, not in memory
SPOOL_EMPTY_TAGGED_STRUCT(NotLoadedThreadStatus, "v2", "notLoaded")

struct IdleThreadStatus {};
SPOOL_EMPTY_TAGGED_STRUCT(IdleThreadStatus, "v2", "idle")

struct SystemErrorThreadStatus {};  // the last turn failed for a system reason
SPOOL_EMPTY_TAGGED_STRUCT(SystemErrorThreadStatus, "v2", "systemError")

struct ActiveThreadStatus {
  std::vector<ThreadActiveFlag> activeFlags;  // what the running turn is waiting on
};
SPOOL_TAGGED_STRUCT(ActiveThreadStatus, "v2", "active", activeFlags)

struct ThreadStatus : std::variant<NotLoadedThreadStatus, IdleThreadStatus, SystemErrorThreadStatus,
                                   ActiveThreadStatus> {
  using variant::variant;
};
SPOOL_UNION(ThreadStatus, "v2")

// Whether the thread's history is served in full or in pages (thread/turns/list).
// Legacy, the default, comes first.
enum class ThreadHistoryMode { Legacy, Paginated };
SPOOL_ENUM(ThreadHistoryMode, "v2", Entry{ThreadHistoryMode::Legacy, "legacy"},
           Entry{ThreadHistoryMode::Paginated, "paginated"})

struct Thread {
  std::string id;
  std::string sessionId;  // shared by the threads of one session tree
  std::optional<std::string> forkedFromId;
  std::string preview;                       // usually the first user message
  bool ephemeral = false;                    // not materialized on disk
  std::optional<std::string> projectId;      // required by Codex, but may be null
  Defaulted<ThreadHistoryMode> historyMode;  // default legacy
  std::string modelProvider;
  std::optional<std::string> model;
  std::optional<std::string> reasoningEffort;  // a ReasoningEffort (free string)
  std::int64_t createdAt = 0;                  // Unix seconds
  std::int64_t updatedAt = 0;                  // Unix seconds
  std::optional<std::int64_t> recencyAt;       // Unix seconds, for sortKey "recency_at"
  ThreadStatus status;
  std::optional<std::string> path;  // the rollout file, when there is one
  std::string cwd;
  std::string cliVersion;                 // version of what created the thread
  std::optional<std::string> originator;  // client that created it
  SessionSource source = SessionSource::AppServer;
  std::optional<GitInfo> gitInfo;
  std::optional<std::string> name;  // user-facing title
  // Only on thread/resume, thread/fork and thread/read (includeTurns) responses; empty
  // everywhere else.
  std::vector<Turn> turns;
};
SPOOL_STRUCT(Thread, "v2", id, sessionId, forkedFromId, preview, ephemeral, projectId, historyMode,
             modelProvider, model, reasoningEffort, createdAt, updatedAt, recencyAt, status, path,
             cwd, cliVersion, originator, source, gitInfo, name, turns)

// NOLINTEND(readability-identifier-naming)
}  // namespace spool::protocol::v2
