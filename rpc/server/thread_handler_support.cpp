#include "rpc/server/thread_handler_support.h"

#include <fmt/format.h>

#include <charconv>

#include "base/uuid.h"
#include "rpc/server/db_executor.h"
#include "views/thread_mapping.h"

namespace spool::rpc {
namespace {

using nlohmann::json;
using protocol::ErrorCode;

template <class N>
std::optional<N> parse_number(std::string_view text) {
  N value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<RpcError> check_thread_id(std::string_view id, std::string_view field) {
  if (is_uuid(id)) return std::nullopt;
  return invalid_params(fmt::format("params.{}: expected a UUID, got {}", field, json(id).dump()));
}

RpcError not_found(std::string_view thread_id) {
  return make_error(ErrorCode::NotFound, fmt::format("thread not found: {}", thread_id),
                    json{{"threadId", thread_id}});
}

RpcError conflict(std::string message, std::string_view thread_id) {
  return make_error(ErrorCode::Conflict, std::move(message), json{{"threadId", thread_id}});
}

RpcError invalid_params(std::string message) {
  return make_error(ErrorCode::InvalidParams, "Invalid params: " + message);
}

RpcError store_failure(const eventstore::StoreError& e, std::string_view thread_id) {
  using eventstore::StoreErrorCode;
  if (e.code == StoreErrorCode::NotFound) {
    return thread_id.empty() ? make_error(ErrorCode::NotFound, e.message) : not_found(thread_id);
  }
  if (e.code == StoreErrorCode::Conflict) return conflict(e.message, thread_id);
  if (auto storage = storage_error(e)) return *std::move(storage);  // -32010 (db_executor.h)
  return make_error(ErrorCode::InternalError,
                    fmt::format("Internal error: database: {}: {}", to_string(e.code), e.message));
}

json thread_json(const eventstore::ThreadListRow& row, bool loaded, json turns) {
  protocol::v2::Thread t = views::to_v2_thread(row);
  if (loaded) t.status = protocol::v2::IdleThreadStatus{};
  json j = protocol::to_json_value(t);
  j["turns"] = std::move(turns);
  return j;
}

void add_settings(json& response, const ThreadSettings& s) {
  response["model"] = s.model;
  response["modelProvider"] = s.model_provider;
  response["cwd"] = s.cwd;
  response["approvalPolicy"] = protocol::to_json_value(s.approval_policy);
  response["approvalsReviewer"] = protocol::to_json_value(s.approvals_reviewer);
  response["sandbox"] = protocol::to_json_value(s.sandbox);
  response["reasoningEffort"] = s.reasoning_effort ? json(*s.reasoning_effort) : json(nullptr);
}

std::string encode_list_cursor(eventstore::ThreadSortKey key, const eventstore::ThreadListPosition& at) {
  const char k = key == eventstore::ThreadSortKey::CreatedAt ? 'c' : 'u';
  return fmt::format("v1.{}.{}.{}", k, at.key_ms, at.id);
}

Result<eventstore::ThreadListPosition, std::string> decode_list_cursor(std::string_view cursor,
                                                                       eventstore::ThreadSortKey key) {
  const auto bad = [&] {
    return fail(fmt::format("params.cursor: not a cursor from thread/list: {}", json(cursor).dump()));
  };
  // v1.<k>.<ms>.<uuid>
  if (cursor.size() < 5 || cursor.substr(0, 3) != "v1." || cursor[4] != '.') return bad();
  const char k = cursor[3];
  if (k != 'c' && k != 'u') return bad();
  const std::string_view rest = cursor.substr(5);
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos) return bad();
  const auto ms = parse_number<std::int64_t>(rest.substr(0, dot));
  const std::string_view id = rest.substr(dot + 1);
  if (!ms || !is_uuid(id)) return bad();
  const char want = key == eventstore::ThreadSortKey::CreatedAt ? 'c' : 'u';
  if (k != want) {
    return fail(fmt::format("params.cursor: the cursor was made for sortKey {}, not {}",
                            k == 'c' ? "created_at" : "updated_at",
                            want == 'c' ? "created_at" : "updated_at"));
  }
  return eventstore::ThreadListPosition{*ms, std::string(id)};
}

std::string encode_turn_cursor(std::int64_t ordinal) { return fmt::format("t1.{}", ordinal); }

Result<std::int64_t, std::string> decode_turn_cursor(std::string_view cursor) {
  if (cursor.substr(0, 3) == "t1.") {
    if (auto n = parse_number<std::int64_t>(cursor.substr(3)); n && *n >= 0) return *n;
  }
  return fail(fmt::format("params.cursor: not a cursor from thread/turns/list: {}", json(cursor).dump()));
}

int page_limit(std::optional<std::uint32_t> requested, int default_limit, int max_limit) {
  if (!requested) return default_limit;
  if (*requested < 1) return 1;
  return *requested > static_cast<std::uint32_t>(max_limit) ? max_limit : static_cast<int>(*requested);
}

}  // namespace spool::rpc
