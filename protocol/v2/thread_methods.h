// Params and responses of the thread/* methods (start, resume, read, turns/list, list,
// archive, unarchive, name/set, delete, fork, revert, loaded/list, unsubscribe) and the
// thread notifications (started, archived, unarchived, deleted, name/updated,
// status/changed, tokenUsage/updated, compacted).
//
// A Codex field that is neither required nor nullable (includeTurns, excludeTurns,
// ephemeral on fork, cacheWriteInputTokens) is Defaulted: a client may leave it out.
// Optional Codex fields left out: personality, serviceTier, serviceName,
// sessionStartSource, threadSource (params); disabledPluginIds, instructionSources,
// serviceTier, collaborationMode, turnsBackwardsCursor, itemsBackwardsCursor (responses);
// currentAccountOnly, excludedThreadIds, originators, sectionId, useStateDbOnly
// (thread/list). Seed-era (0.60.1) thread/resume params "history" and "path" are gone from
// 0.169.0 and not modelled.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/codec.h"
#include "protocol/v2/common.h"
#include "protocol/v2/thread.h"

namespace spool::protocol::v2 {
// NOLINTBEGIN(readability-identifier-naming): wire names

// --- thread/start ------------------------------------------------------------------------

struct ThreadStartParams {
  std::optional<std::string> model;
  std::optional<std::string> modelProvider;
  std::optional<std::string> cwd;
  std::optional<AskForApproval> approvalPolicy;
  std::optional<ApprovalsReviewer> approvalsReviewer;
  std::optional<SandboxMode> sandbox;
  std::optional<nlohmann::json> config;              // config.toml overrides, dotted keys to values
  std::optional<std::string> baseInstructions;       // replaces the built-in instructions
  std::optional<std::string> developerInstructions;  // added as a developer message
  std::optional<bool> ephemeral;                     // do not persist the thread
};
SPOOL_STRUCT(ThreadStartParams, "v2", model, modelProvider, cwd, approvalPolicy, approvalsReviewer,
             sandbox, config, baseInstructions, developerInstructions, ephemeral)

// The thread as started and the settings in effect for it (thread/start, resume, fork).
struct ThreadStartResponse {
  Thread thread;
  std::string model;
  std::string modelProvider;
  std::string cwd;
  AskForApproval approvalPolicy = AskForApproval::OnRequest;
  ApprovalsReviewer approvalsReviewer = ApprovalsReviewer::User;
  SandboxPolicy sandbox;
  std::optional<std::string> reasoningEffort;
};
SPOOL_STRUCT(ThreadStartResponse, "v2", thread, model, modelProvider, cwd, approvalPolicy,
             approvalsReviewer, sandbox, reasoningEffort)

// --- thread/resume -----------------------------------------------------------------------

struct ThreadResumeParams {
  std::string threadId;
  // 0.60.1: a Codex rollout file to resume instead; its session id names the thread (which
  // must have been imported), and threadId is then ignored, as Codex did.
  std::optional<std::string> path;
  Defaulted<bool> excludeTurns;  // true: leave thread.turns empty
  std::optional<std::string> model;
  std::optional<std::string> modelProvider;
  std::optional<std::string> cwd;
  std::optional<AskForApproval> approvalPolicy;
  std::optional<ApprovalsReviewer> approvalsReviewer;
  std::optional<SandboxMode> sandbox;
  std::optional<nlohmann::json> config;
  std::optional<std::string> baseInstructions;
  std::optional<std::string> developerInstructions;
};
SPOOL_STRUCT(ThreadResumeParams, "v2", threadId, path, excludeTurns, model, modelProvider, cwd,
             approvalPolicy, approvalsReviewer, sandbox, config, baseInstructions,
             developerInstructions)

struct ThreadResumeResponse {
  Thread thread;  // with its turns unless excludeTurns
  std::string model;
  std::string modelProvider;
  std::string cwd;
  AskForApproval approvalPolicy = AskForApproval::OnRequest;
  ApprovalsReviewer approvalsReviewer = ApprovalsReviewer::User;
  SandboxPolicy sandbox;
  std::optional<std::string> reasoningEffort;
};
SPOOL_STRUCT(ThreadResumeResponse, "v2", thread, model, modelProvider, cwd, approvalPolicy,
             approvalsReviewer, sandbox, reasoningEffort)

// --- thread/fork -------------------------------------------------------------------------

struct ThreadForkParams {
  std::string threadId;
  std::optional<std::string> lastTurnId;  // last turn kept (inclusive); default: all
  Defaulted<bool> ephemeral;
  Defaulted<bool> excludeTurns;
  std::optional<std::string> model;
  std::optional<std::string> modelProvider;
  std::optional<std::string> cwd;
  std::optional<AskForApproval> approvalPolicy;
  std::optional<ApprovalsReviewer> approvalsReviewer;
  std::optional<SandboxMode> sandbox;
  std::optional<nlohmann::json> config;
  std::optional<std::string> baseInstructions;
  std::optional<std::string> developerInstructions;
};
SPOOL_STRUCT(ThreadForkParams, "v2", threadId, lastTurnId, ephemeral, excludeTurns, model,
             modelProvider, cwd, approvalPolicy, approvalsReviewer, sandbox, config,
             baseInstructions, developerInstructions)

struct ThreadForkResponse {
  Thread thread;  // the new thread; forkedFromId names the source
  std::string model;
  std::string modelProvider;
  std::string cwd;
  AskForApproval approvalPolicy = AskForApproval::OnRequest;
  ApprovalsReviewer approvalsReviewer = ApprovalsReviewer::User;
  SandboxPolicy sandbox;
  std::optional<std::string> reasoningEffort;
};
SPOOL_STRUCT(ThreadForkResponse, "v2", thread, model, modelProvider, cwd, approvalPolicy,
             approvalsReviewer, sandbox, reasoningEffort)

// --- thread/read, thread/turns/list ------------------------------------------------------

struct ThreadReadParams {
  std::string threadId;
  Defaulted<bool> includeTurns;
};
SPOOL_STRUCT(ThreadReadParams, "v2", threadId, includeTurns)

struct ThreadReadResponse {
  Thread thread;
};
SPOOL_STRUCT(ThreadReadResponse, "v2", thread)

struct ThreadTurnsListParams {
  std::string threadId;
  std::optional<std::string> cursor;  // from a previous page
  std::optional<std::uint32_t> limit;
  std::optional<SortDirection> sortDirection;
  std::optional<TurnItemsView> itemsView;  // how much of each turn's items to return
};
SPOOL_STRUCT(ThreadTurnsListParams, "v2", threadId, cursor, limit, sortDirection, itemsView)

struct ThreadTurnsListResponse {
  std::vector<Turn> data;
  std::optional<std::string> nextCursor;       // null on the last page
  std::optional<std::string> backwardsCursor;  // pages the other way from this page's start
};
SPOOL_STRUCT(ThreadTurnsListResponse, "v2", data, nextCursor, backwardsCursor)

// --- thread/list, thread/loaded/list -----------------------------------------------------

struct ThreadListParams {
  std::optional<std::string> cursor;
  std::optional<std::uint32_t> limit;
  std::optional<ThreadSortKey> sortKey;                      // default created_at
  std::optional<SortDirection> sortDirection;                // default desc
  std::optional<std::vector<std::string>> modelProviders;    // empty: all providers
  std::optional<std::vector<ThreadSourceKind>> sourceKinds;  // empty: interactive sources
  std::optional<bool> archived;            // true: only archived threads; else only unarchived ones
  std::optional<ThreadListCwdFilter> cwd;  // exact match on one of these paths
  std::optional<std::string> searchTerm;   // substring of the thread title
};
SPOOL_STRUCT(ThreadListParams, "v2", cursor, limit, sortKey, sortDirection, modelProviders,
             sourceKinds, archived, cwd, searchTerm)

struct ThreadListResponse {
  std::vector<Thread> data;
  std::optional<std::string> nextCursor;
  std::optional<std::string> backwardsCursor;
};
SPOOL_STRUCT(ThreadListResponse, "v2", data, nextCursor, backwardsCursor)

struct ThreadLoadedListParams {
  std::optional<std::string> cursor;
  std::optional<std::uint32_t> limit;
};
SPOOL_STRUCT(ThreadLoadedListParams, "v2", cursor, limit)

struct ThreadLoadedListResponse {
  std::vector<std::string> data;  // ids of the threads loaded in memory
  std::optional<std::string> nextCursor;
};
SPOOL_STRUCT(ThreadLoadedListResponse, "v2", data, nextCursor)

// --- archive, unarchive, delete, name/set, revert, unsubscribe ---------------------------

struct ThreadArchiveParams {
  std::string threadId;
};
SPOOL_STRUCT(ThreadArchiveParams, "v2", threadId)

struct ThreadArchiveResponse {};
SPOOL_EMPTY_STRUCT(ThreadArchiveResponse, "v2")

struct ThreadUnarchiveParams {
  std::string threadId;
};
SPOOL_STRUCT(ThreadUnarchiveParams, "v2", threadId)

struct ThreadUnarchiveResponse {
  Thread thread;
};
SPOOL_STRUCT(ThreadUnarchiveResponse, "v2", thread)

struct ThreadDeleteParams {
  std::string threadId;
};
SPOOL_STRUCT(ThreadDeleteParams, "v2", threadId)

struct ThreadDeleteResponse {};
SPOOL_EMPTY_STRUCT(ThreadDeleteResponse, "v2")

struct ThreadSetNameParams {
  std::string threadId;
  std::string name;
};
SPOOL_STRUCT(ThreadSetNameParams, "v2", threadId, name)

struct ThreadSetNameResponse {};
SPOOL_EMPTY_STRUCT(ThreadSetNameResponse, "v2")

// Cuts the thread's history before beforeTurnId (that turn and every later one go); files
// on disk are not touched.
struct ThreadRevertParams {
  std::string threadId;
  std::string beforeTurnId;
};
SPOOL_STRUCT(ThreadRevertParams, "v2", threadId, beforeTurnId)

struct ThreadRevertResponse {
  Thread thread;  // turns empty: page the kept history with thread/turns/list
  // Pass as `cursor` to thread/turns/list with sortDirection "desc"; the first page then
  // starts with the last kept turn. Null when no turn is kept.
  std::optional<std::string> turnsBackwardsCursor;
};
SPOOL_STRUCT(ThreadRevertResponse, "v2", thread, turnsBackwardsCursor)

// Stops this connection's notifications for a thread.
struct ThreadUnsubscribeParams {
  std::string threadId;
};
SPOOL_STRUCT(ThreadUnsubscribeParams, "v2", threadId)

enum class ThreadUnsubscribeStatus { NotLoaded, NotSubscribed, Unsubscribed };
SPOOL_ENUM(ThreadUnsubscribeStatus, "v2", Entry{ThreadUnsubscribeStatus::NotLoaded, "notLoaded"},
           Entry{ThreadUnsubscribeStatus::NotSubscribed, "notSubscribed"},
           Entry{ThreadUnsubscribeStatus::Unsubscribed, "unsubscribed"})

struct ThreadUnsubscribeResponse {
  ThreadUnsubscribeStatus status = ThreadUnsubscribeStatus::Unsubscribed;
};
SPOOL_STRUCT(ThreadUnsubscribeResponse, "v2", status)

// --- notifications -----------------------------------------------------------------------

struct ThreadStartedNotification {  // thread/started
  Thread thread;
};
SPOOL_STRUCT(ThreadStartedNotification, "v2", thread)

struct ThreadArchivedNotification {  // thread/archived
  std::string threadId;
};
SPOOL_STRUCT(ThreadArchivedNotification, "v2", threadId)

struct ThreadUnarchivedNotification {  // thread/unarchived
  std::string threadId;
};
SPOOL_STRUCT(ThreadUnarchivedNotification, "v2", threadId)

struct ThreadDeletedNotification {  // thread/deleted
  std::string threadId;
};
SPOOL_STRUCT(ThreadDeletedNotification, "v2", threadId)

struct ThreadRevertedNotification {  // thread/reverted
  std::string threadId;
};
SPOOL_STRUCT(ThreadRevertedNotification, "v2", threadId)

struct ThreadNameUpdatedNotification {  // thread/name/updated
  std::string threadId;
  std::optional<std::string> threadName;  // null: the name was cleared
};
SPOOL_STRUCT(ThreadNameUpdatedNotification, "v2", threadId, threadName)

struct ThreadStatusChangedNotification {  // thread/status/changed
  std::string threadId;
  ThreadStatus status;
};
SPOOL_STRUCT(ThreadStatusChangedNotification, "v2", threadId, status)

// Token counts of one model call or of a whole thread.
struct TokenUsageBreakdown {
  std::int64_t totalTokens = 0;
  std::int64_t inputTokens = 0;
  std::int64_t cachedInputTokens = 0;             // part of inputTokens served from the cache
  Defaulted<std::int64_t> cacheWriteInputTokens;  // part of inputTokens written to cache
  std::int64_t outputTokens = 0;
  std::int64_t reasoningOutputTokens = 0;  // part of outputTokens spent reasoning
};
SPOOL_STRUCT(TokenUsageBreakdown, "v2", totalTokens, inputTokens, cachedInputTokens,
             cacheWriteInputTokens, outputTokens, reasoningOutputTokens)

struct ThreadTokenUsage {
  TokenUsageBreakdown total;  // the thread so far
  TokenUsageBreakdown last;   // the last model call
  std::optional<std::int64_t> modelContextWindow;
};
SPOOL_STRUCT(ThreadTokenUsage, "v2", total, last, modelContextWindow)

struct ThreadTokenUsageUpdatedNotification {  // thread/tokenUsage/updated
  std::string threadId;
  std::string turnId;
  ThreadTokenUsage tokenUsage;
};
SPOOL_STRUCT(ThreadTokenUsageUpdatedNotification, "v2", threadId, turnId, tokenUsage)

// thread/compacted (deprecated in Codex in favour of a contextCompaction item).
struct ContextCompactedNotification {
  std::string threadId;
  std::string turnId;
};
SPOOL_STRUCT(ContextCompactedNotification, "v2", threadId, turnId)

// NOLINTEND(readability-identifier-naming)
}  // namespace spool::protocol::v2
