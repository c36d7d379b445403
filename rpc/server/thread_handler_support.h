// What the thread method handlers share: id checks, error mapping, the served Thread JSON,
// and the opaque cursors of thread/list and thread/turns/list.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "eventstore/store.h"
#include "rpc/message_router.h"
#include "rpc/server/thread_settings.h"

namespace spool::rpc {

// A database job's answer: the JSON result, or the error to reply with.
using JobResult = Result<nlohmann::json, RpcError>;

// A Reply that a std::function (which must be copyable) can carry to the loop.
using SharedReply = std::shared_ptr<Reply>;
inline SharedReply share(Reply reply) { return std::make_shared<Reply>(std::move(reply)); }

// A thread as stored, for handlers that finish on the loop: its list row and, when asked
// for, its served turns (v2 Turn JSON array).
struct StoredThread {
  eventstore::ThreadListRow row;
  nlohmann::json turns = nlohmann::json::array();
};
using StoredThreadResult = Result<StoredThread, RpcError>;

// -32602 "Invalid params: params.threadId: expected a UUID, got \"x\"" unless `id` is one.
std::optional<RpcError> check_thread_id(std::string_view id, std::string_view field = "threadId");

RpcError not_found(std::string_view thread_id);
RpcError conflict(std::string message, std::string_view thread_id);
RpcError invalid_params(std::string message);  // prefixes "Invalid params: "
// A store failure as -32603 (the message says what failed); NotFound and Conflict keep
// their meaning, and storage failures (disk full, I/O, read-only, busy, corrupt) are -32010
// (storage_error in db_executor.h).
RpcError store_failure(const eventstore::StoreError& e, std::string_view thread_id = {});

// The v2 Thread for a list row: status idle when `loaded`, else notLoaded; `turns` (v2 Turn
// JSON array) when given.
nlohmann::json thread_json(const eventstore::ThreadListRow& row, bool loaded,
                           nlohmann::json turns = nlohmann::json::array());

// The settings part of start/resume/fork responses: model, modelProvider, cwd,
// approvalPolicy, approvalsReviewer, sandbox, reasoningEffort.
void add_settings(nlohmann::json& response, const ThreadSettings& settings);

// thread/list cursors: "v1.<c|u>.<key ms>.<thread id>", the last row of a page in the
// page's sort key. Decoding checks the form and that the cursor was made for this sort key.
std::string encode_list_cursor(eventstore::ThreadSortKey key, const eventstore::ThreadListPosition& at);
Result<eventstore::ThreadListPosition, std::string> decode_list_cursor(std::string_view cursor,
                                                                       eventstore::ThreadSortKey key);

// thread/turns/list cursors: "t1.<ordinal>", a turn's position in the thread's history.
std::string encode_turn_cursor(std::int64_t ordinal);
Result<std::int64_t, std::string> decode_turn_cursor(std::string_view cursor);

// Clamps a requested page size: absent → default_limit; else into [1, max_limit].
int page_limit(std::optional<std::uint32_t> requested, int default_limit = 25, int max_limit = 100);

}  // namespace spool::rpc
