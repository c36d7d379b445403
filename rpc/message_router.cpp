// MessageRouter and Reply: see message_router.h for the rules. The shared state lives
// in small reference-counted objects so that a Reply can be answered after handle() has
// returned, or after the router is gone (then it is dropped): Core is the session
// (sink, initialize state), Batch collects the replies of one batch, ReplyState is one
// pending answer.
#include "rpc/message_router.h"

#include <cassert>
#include <cstdint>
#include <exception>
#include <variant>
#include <vector>

#include "base/log.h"

namespace spool::rpc {

using nlohmann::json;
using protocol::ErrorCode;

namespace detail {

struct Core {
  enum class Init { kNone, kPending, kDone };
  MessageRouter::Sink sink;
  bool closed = false;  // the router is gone: late replies are dropped
  Init init = Init::kNone;

  void write(const json& message) {
    if (closed || !sink) return;
    std::string line = message.dump(-1, ' ', false, json::error_handler_t::replace);
    line += '\n';
    sink(std::move(line));
  }

  // The response {"id", "jsonrpc", "result"} around a result already serialized, in the
  // member order write() gives any other response.
  void write_raw_result(const json& id, const std::string& result) {
    if (closed || !sink) return;
    std::string line = R"({"id":)";
    line += id.dump();
    line += R"(,"jsonrpc":"2.0","result":)";
    line += result;
    line += "}\n";
    sink(std::move(line));
  }
};

struct Batch {
  std::shared_ptr<Core> core;
  std::vector<json> replies;    // in the batch's order; only elements that get a reply
  std::size_t outstanding = 1;  // pending replies, +1 while the batch is being read

  void put(std::size_t slot, json message) {
    replies[slot] = std::move(message);
    release();
  }
  void release() {
    assert(outstanding > 0);
    if (--outstanding > 0 || replies.empty()) return;
    core->write(json(std::move(replies)));
    replies.clear();
  }
};

struct ReplyState {
  std::shared_ptr<Core> core;
  std::shared_ptr<Batch> batch;  // null outside a batch
  std::size_t slot = 0;          // index in batch->replies
  json id;
  std::string method;
  bool notification = false;
  bool is_initialize = false;
  bool done = false;                // answered (or, for a notification, finished)
  bool in_dispatch = false;         // the handler is still running synchronously
  bool dropped = false;             // the Reply died while in_dispatch: the router answers
  bool answered_by_router = false;  // the handler threw; a later call is ignored quietly
};

}  // namespace detail

namespace {

constexpr std::size_t kMaxErrorText = 300;

json error_message(json id, const RpcError& error) {
  json e = {{"code", error.code}, {"message", error.message}};
  if (!error.data.is_null()) e["data"] = error.data;
  return {{"jsonrpc", "2.0"}, {"id", std::move(id)}, {"error", std::move(e)}};
}

json result_message(json id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", std::move(id)}, {"result", std::move(result)}};
}

bool valid_id(const json& id) { return id.is_string() || id.is_number_integer() || id.is_null(); }

RpcError invalid_request(std::string_view why) {
  return make_error(ErrorCode::InvalidRequest, fmt::format("Invalid Request: {}", why));
}

// True when `text` nests arrays/objects deeper than `max`; strings are skipped. Cheap
// and iterative, so it is safe on any input.
bool nests_deeper_than(std::string_view text, std::size_t max) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// The parser's message for invalid JSON, without nlohmann's "[json.exception...] parse
// error " prefix and truncated (it quotes the token read so far, which may be huge).
std::string parse_error_text(std::string_view text) {
  std::string what = "invalid JSON";
  try {
    [[maybe_unused]] const json ignored = json::parse(text);
  } catch (const json::exception& e) {
    what = e.what();
  }
  if (const auto p = what.find("] "); what.starts_with("[json.exception") && p != what.npos)
    what.erase(0, p + 2);
  if (what.starts_with("parse error ")) what.erase(0, 12);
  if (what.size() > kMaxErrorText) {
    what.resize(kMaxErrorText);
    what += "...";
  }
  return what;
}

void deliver(detail::ReplyState& s, json message) {
  if (s.batch) {
    s.batch->put(s.slot, std::move(message));
  } else {
    s.core->write(message);
  }
}

// Finishes one pending answer with a result or an error.
void complete(detail::ReplyState& s, std::variant<json, RpcError, RawJson> outcome) {
  if (s.done) {
    if (!s.answered_by_router) {
      assert(!"Reply called twice");
      log::error("{}: a second reply was ignored", s.method);
    }
    return;
  }
  s.done = true;
  const bool ok = outcome.index() != 1;
  if (s.is_initialize) s.core->init = ok ? detail::Core::Init::kDone : detail::Core::Init::kNone;
  if (s.notification) {
    if (!ok) log::error("notification {} failed: {}", s.method, std::get<1>(outcome).message);
    return;
  }
  if (auto* raw = std::get_if<RawJson>(&outcome)) {
    // Inside a batch the answer joins the others' array: parsed back (rare, and correct).
    if (s.batch) return deliver(s, result_message(s.id, json::parse(raw->text)));
    return s.core->write_raw_result(s.id, raw->text);
  }
  deliver(s, ok ? result_message(s.id, std::move(std::get<0>(outcome)))
                : error_message(s.id, std::get<1>(outcome)));
}

const RpcError& no_reply_error() {
  static const RpcError kError = make_error(ErrorCode::InternalError, "Internal error: no reply");
  return kError;
}

}  // namespace

// --- Reply -----------------------------------------------------------------------------------

Reply& Reply::operator=(Reply&& other) noexcept {
  if (this != &other) {
    abandon();
    state_ = std::move(other.state_);
  }
  return *this;
}

Reply::~Reply() { abandon(); }

void Reply::abandon() noexcept {
  if (!state_) return;
  auto state = std::move(state_);
  if (state->done) return;
  if (state->notification) {
    state->done = true;  // nothing to send, nothing went wrong
  } else if (state->in_dispatch) {
    state->dropped = true;  // the router answers after the handler returns (or throws)
  } else {
    try {
      complete(*state, no_reply_error());
    } catch (...) {
      // A destructor must not throw; the sink failing here has nowhere to go.
    }
  }
}

void Reply::operator()(json result) {
  assert(state_ && "Reply used after move");
  if (state_) complete(*state_, std::move(result));
}

void Reply::operator()(RpcError error) {
  assert(state_ && "Reply used after move");
  if (state_) complete(*state_, std::move(error));
}

void Reply::operator()(RawJson result) {
  assert(state_ && "Reply used after move");
  if (state_) complete(*state_, std::move(result));
}

bool Reply::is_notification() const { return state_ && state_->notification; }

const std::string& Reply::method() const {
  static const std::string kNone;
  return state_ ? state_->method : kNone;
}

// --- MessageRouter ---------------------------------------------------------------------------

MessageRouter::MessageRouter(Sink sink, ResponseHandler on_response)
    : core_(std::make_shared<detail::Core>()), on_response_(std::move(on_response)) {
  core_->sink = std::move(sink);
}

MessageRouter::~MessageRouter() {
  core_->closed = true;
  core_->sink = nullptr;
}

void MessageRouter::add(std::string method, Handler handler) {
  handlers_.insert_or_assign(std::move(method), std::move(handler));
}

bool MessageRouter::initialized() const { return core_->init == detail::Core::Init::kDone; }

void MessageRouter::reject_oversized_line(std::size_t max_line_bytes) {
  send_error(nullptr, nullptr,
             invalid_request(fmt::format("message longer than {} bytes", max_line_bytes)));
}

void MessageRouter::handle(std::string_view line) {
  if (line.starts_with("\xEF\xBB\xBF")) {
    send_error(nullptr, nullptr,
               make_error(ErrorCode::ParseError, "Parse error: byte order mark before the JSON"));
    return;
  }
  if (nests_deeper_than(line, kMaxNestingDepth)) {
    send_error(nullptr, nullptr,
               make_error(ErrorCode::ParseError, "Parse error: nesting too deep"));
    return;
  }
  const json value = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    send_error(nullptr, nullptr,
               make_error(ErrorCode::ParseError, "Parse error: " + parse_error_text(line)));
    return;
  }
  if (!value.is_array()) {
    handle_value(value, nullptr);
    return;
  }
  if (value.empty()) {
    send_error(nullptr, nullptr, invalid_request("empty batch"));
    return;
  }
  auto batch = std::make_shared<detail::Batch>();
  batch->core = core_;
  for (const json& element : value) handle_value(element, batch);
  batch->release();
}

void MessageRouter::send_error(const BatchPtr& batch, json id, RpcError error) {
  json message = error_message(std::move(id), error);
  if (batch) {
    batch->replies.push_back(std::move(message));
  } else {
    core_->write(message);
  }
}

std::shared_ptr<detail::ReplyState> MessageRouter::new_state(const BatchPtr& batch, json id,
                                                             std::string method,
                                                             bool notification) {
  auto s = std::make_shared<detail::ReplyState>();
  s->core = core_;
  s->id = std::move(id);
  s->method = std::move(method);
  s->notification = notification;
  if (batch && !notification) {
    s->batch = batch;
    s->slot = batch->replies.size();
    batch->replies.emplace_back();
    ++batch->outstanding;
  }
  return s;
}

void MessageRouter::handle_value(const json& message, const BatchPtr& batch) {
  if (!message.is_object()) {
    send_error(batch, nullptr, invalid_request("expected an object"));
    return;
  }
  const auto id_it = message.find("id");
  const bool has_id = id_it != message.end();
  const bool id_ok = !has_id || valid_id(*id_it);
  json reply_id = has_id && id_ok ? *id_it : json(nullptr);

  const auto method_it = message.find("method");
  if (method_it == message.end()) {
    if (message.contains("result") || message.contains("error")) {
      handle_response(message);
    } else {
      send_error(batch, std::move(reply_id), invalid_request("missing \"method\""));
    }
    return;
  }
  if (const auto v = message.find("jsonrpc"); v != message.end() && *v != "2.0") {
    send_error(batch, std::move(reply_id), invalid_request("\"jsonrpc\" must be \"2.0\""));
    return;
  }
  if (!method_it->is_string()) {
    send_error(batch, std::move(reply_id), invalid_request("\"method\" must be a string"));
    return;
  }
  if (!id_ok) {
    send_error(batch, nullptr, invalid_request("\"id\" must be a string, an integer or null"));
    return;
  }
  static const json kNoParams;
  const auto params_it = message.find("params");
  const json& params = params_it == message.end() ? kNoParams : *params_it;
  if (!params.is_null() && !params.is_object() && !params.is_array()) {
    send_error(batch, std::move(reply_id),
               invalid_request("\"params\" must be an object or an array"));
    return;
  }
  const std::string& method = method_it->get_ref<const std::string&>();
  if (!has_id) {
    dispatch(method, params, new_state(batch, nullptr, method, /*notification=*/true));
    return;
  }
  bool is_initialize = false;
  if (method == "initialize") {
    if (core_->init != detail::Core::Init::kNone) {
      send_error(batch, std::move(reply_id), invalid_request("Already initialized"));
      return;
    }
    is_initialize = true;
  } else if (core_->init != detail::Core::Init::kDone) {
    send_error(batch, std::move(reply_id),
               make_error(ErrorCode::ServerNotInitialized, "Not initialized"));
    return;
  }
  auto state = new_state(batch, std::move(reply_id), method, /*notification=*/false);
  if (is_initialize) {
    state->is_initialize = true;
    core_->init = detail::Core::Init::kPending;
  }
  dispatch(method, params, std::move(state));
}

void MessageRouter::dispatch(const std::string& method, const json& params,
                             std::shared_ptr<detail::ReplyState> state) {
  const auto it = handlers_.find(method);
  if (it == handlers_.end()) {
    if (state->notification) {
      state->done = true;
      if (method != "initialized") log::error("unknown notification {}", method);
    } else {
      complete(*state, make_error(ErrorCode::MethodNotFound, "Method not found: " + method));
    }
    return;
  }
  const Handler handler = it->second;  // a copy: the handler may call add()
  std::string failure;
  state->in_dispatch = true;
  try {
    handler(params, Reply(state));
  } catch (const std::exception& e) {
    failure = e.what();
    if (failure.empty()) failure = "exception";
  } catch (...) {
    failure = "unknown exception";
  }
  state->in_dispatch = false;
  if (state->notification) {
    // A handler may still answer later (after a database read): only a throw finishes it
    // here, and then a later call is ignored quietly.
    if (!failure.empty()) {
      log::error("notification {} failed: {}", method, failure);
      state->done = true;
      state->answered_by_router = true;
    }
    return;
  }
  if (state->done) {
    if (!failure.empty()) log::error("{}: handler threw after replying: {}", method, failure);
    return;
  }
  if (!failure.empty()) {
    state->answered_by_router = true;
    complete(*state, make_error(ErrorCode::InternalError, "Internal error: " + failure));
  } else if (state->dropped) {
    complete(*state, no_reply_error());
  }
}

void MessageRouter::handle_response(const json& message) {
  const auto fail = [&](std::string_view why) {
    log::error(
        "dropped an invalid response ({}): {}", why,
        message.dump(-1, ' ', false, json::error_handler_t::replace).substr(0, kMaxErrorText));
  };
  const auto id_it = message.find("id");
  if (id_it == message.end() || !valid_id(*id_it)) return fail("bad or missing \"id\"");
  if (const auto v = message.find("jsonrpc"); v != message.end() && *v != "2.0")
    return fail("\"jsonrpc\" must be \"2.0\"");
  const auto result_it = message.find("result");
  const auto error_it = message.find("error");
  const bool has_result = result_it != message.end();
  const bool has_error = error_it != message.end();
  if (has_result == has_error) return fail("needs exactly one of \"result\" and \"error\"");
  Response response{*id_it, nullptr, std::nullopt};
  if (has_result) {
    response.result = *result_it;
  } else {
    const json& e = *error_it;
    if (!e.is_object() || !e.contains("code") || !e["code"].is_number_integer() ||
        !e.contains("message") || !e["message"].is_string())
      return fail("\"error\" needs an integer \"code\" and a string \"message\"");
    const json& code = e["code"];
    const bool in_range = code.is_number_unsigned() ? code.get<std::uint64_t>() <= INT32_MAX
                                                    : code.get<std::int64_t>() >= INT32_MIN &&
                                                          code.get<std::int64_t>() <= INT32_MAX;
    if (!in_range) return fail("error code out of range");
    response.error = RpcError{static_cast<int>(code.get<std::int64_t>()),
                              e["message"].get<std::string>(), e.value("data", json(nullptr))};
  }
  if (!on_response_) {
    log::error("dropped a response to id {}: no server request is waiting",
               response.id.dump(-1, ' ', false, json::error_handler_t::replace));
    return;
  }
  try {
    on_response_(std::move(response));
  } catch (const std::exception& e) {
    log::error("response handler threw: {}", e.what());
  }
}

}  // namespace spool::rpc
