// The method tables. Adding a method here is what makes it part of the exported schema;
// the rpc layer binds handlers to these names and checks that each one is listed here.
#include "protocol/methods.h"

#include <algorithm>

#include "protocol/approvals.h"
#include "protocol/initialize.h"
#include "protocol/v2/account.h"
#include "protocol/v2/feedback.h"
#include "protocol/v2/model.h"
#include "protocol/v2/thread_methods.h"
#include "protocol/v2/turn_methods.h"

namespace spool::protocol {
namespace {

template <class P, class R>
MethodDesc request(std::string_view method) {
  return {method, type_ref<P>(), type_ref<R>()};
}

template <class R>
MethodDesc request_without_params(std::string_view method) {
  return {method, std::nullopt, type_ref<R>()};
}

template <class P>
MethodDesc notification(std::string_view method) {
  return {method, type_ref<P>(), std::nullopt};
}

}  // namespace

const std::vector<MethodDesc>& client_requests() {
  using namespace v2;
  // clang-format off
  static const std::vector<MethodDesc> k = {
      request<InitializeParams, InitializeResponse>("initialize"),
      request<ThreadStartParams, ThreadStartResponse>("thread/start"),
      request<ThreadResumeParams, ThreadResumeResponse>("thread/resume"),
      request<ThreadForkParams, ThreadForkResponse>("thread/fork"),
      request<ThreadArchiveParams, ThreadArchiveResponse>("thread/archive"),
      request<ThreadUnarchiveParams, ThreadUnarchiveResponse>("thread/unarchive"),
      request<ThreadDeleteParams, ThreadDeleteResponse>("thread/delete"),
      request<ThreadUnsubscribeParams, ThreadUnsubscribeResponse>("thread/unsubscribe"),
      request<ThreadSetNameParams, ThreadSetNameResponse>("thread/name/set"),
      request<ThreadRevertParams, ThreadRevertResponse>("thread/revert"),
      request<ThreadListParams, ThreadListResponse>("thread/list"),
      request<ThreadLoadedListParams, ThreadLoadedListResponse>("thread/loaded/list"),
      request<ThreadReadParams, ThreadReadResponse>("thread/read"),
      request<ThreadTurnsListParams, ThreadTurnsListResponse>("thread/turns/list"),
      request<TurnStartParams, TurnStartResponse>("turn/start"),
      request<TurnInterruptParams, TurnInterruptResponse>("turn/interrupt"),
      request<ModelListParams, ModelListResponse>("model/list"),
      request<GetAccountParams, GetAccountResponse>("account/read"),
      request<LoginAccountParams, LoginAccountResponse>("account/login/start"),
      request<CancelLoginAccountParams, CancelLoginAccountResponse>("account/login/cancel"),
      request_without_params<LogoutAccountResponse>("account/logout"),
      request<std::optional<GetAccountRateLimitsParams>, GetAccountRateLimitsResponse>(
          "account/rateLimits/read"),
      request<FeedbackUploadParams, FeedbackUploadResponse>("feedback/upload"),
  };
  // clang-format on
  return k;
}

const std::vector<MethodDesc>& client_notifications() {
  static const std::vector<MethodDesc> k = {{"initialized", std::nullopt, std::nullopt}};
  return k;
}

const std::vector<MethodDesc>& server_notifications() {
  using namespace v2;
  // clang-format off
  static const std::vector<MethodDesc> k = {
      notification<ErrorNotification>("error"),
      notification<WarningNotification>("warning"),
      notification<ThreadStartedNotification>("thread/started"),
      notification<ThreadStatusChangedNotification>("thread/status/changed"),
      notification<ThreadArchivedNotification>("thread/archived"),
      notification<ThreadUnarchivedNotification>("thread/unarchived"),
      notification<ThreadDeletedNotification>("thread/deleted"),
      notification<ThreadRevertedNotification>("thread/reverted"),
      notification<ThreadNameUpdatedNotification>("thread/name/updated"),
      notification<ThreadTokenUsageUpdatedNotification>("thread/tokenUsage/updated"),
      notification<ContextCompactedNotification>("thread/compacted"),
      notification<TurnStartedNotification>("turn/started"),
      notification<TurnCompletedNotification>("turn/completed"),
      notification<ItemStartedNotification>("item/started"),
      notification<ItemCompletedNotification>("item/completed"),
      notification<AgentMessageDeltaNotification>("item/agentMessage/delta"),
      notification<ReasoningSummaryTextDeltaNotification>("item/reasoning/summaryTextDelta"),
      notification<ReasoningSummaryPartAddedNotification>("item/reasoning/summaryPartAdded"),
      notification<ReasoningTextDeltaNotification>("item/reasoning/textDelta"),
      notification<CommandExecutionOutputDeltaNotification>("item/commandExecution/outputDelta"),
      notification<ServerRequestResolvedNotification>("serverRequest/resolved"),
      notification<AccountUpdatedNotification>("account/updated"),
      notification<AccountRateLimitsUpdatedNotification>("account/rateLimits/updated"),
      notification<AccountLoginCompletedNotification>("account/login/completed"),
  };
  // clang-format on
  return k;
}

const std::vector<MethodDesc>& server_requests() {
  // clang-format off
  static const std::vector<MethodDesc> k = {
      request<CommandExecutionRequestApprovalParams, CommandExecutionRequestApprovalResponse>(
          "item/commandExecution/requestApproval"),
      request<FileChangeRequestApprovalParams, FileChangeRequestApprovalResponse>(
          "item/fileChange/requestApproval"),
  };
  // clang-format on
  return k;
}

const MethodDesc* find_method(const std::vector<MethodDesc>& table, std::string_view method) {
  auto it = std::find_if(table.begin(), table.end(),
                         [&](const MethodDesc& m) { return m.method == method; });
  return it == table.end() ? nullptr : &*it;
}

}  // namespace spool::protocol
