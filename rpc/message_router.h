// MessageRouter: the transport-independent JSON-RPC 2.0 core of one client session.
//
// A connection hands it each line its LineFramer produces (one JSON-RPC message or batch);
// the router validates the envelope, applies the initialize gate, calls the handler
// registered for the method, and writes every reply through the sink as one line. Replies
// may come later than handle() returns (database work runs on worker threads and the
// answer is posted back to the loop), so handlers get a move-only Reply instead of
// returning a value (clangd's ReplyOnce). Strict JSON-RPC 2.0 (README, "Where Spool
// differs"):
//   -32700 invalid JSON, a UTF-8 byte order mark, or nesting deeper than kMaxNestingDepth
//          ("id": null);
//   -32600 not an object, "method" not a string, "id" not a string/integer/null, "jsonrpc"
//          present but not "2.0" ("jsonrpc" absent is accepted: Codex clients omit it),
//          "params" neither object, array nor null; an empty batch; a second initialize;
//          a line over the framer's cap (reject_oversized_line);
//   -32002 "Not initialized": a request other than initialize before initialize succeeded;
//   -32601 unknown method; -32602 bad params (decode_params); -32603 a handler that threw
//          or dropped its Reply.
// A batch's elements are handled one by one; their replies are written as one array line
// (in the batch's order) once the last one is in; a batch of only notifications and
// responses writes nothing. Notifications never get a reply, even when they fail: the
// failure is logged to stderr. An object without "method" but with "result" or "error" is
// a response to one of our server requests and goes to the response handler; it never
// gets a reply either (a malformed one is logged and dropped).
//
// Threading: not thread-safe. REQUIRES: the router, and every Reply it creates, are used
// (called, moved, destroyed) on the loop thread only. A Reply may outlive the router: it is
// then discarded silently (the connection is gone).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "protocol/codec.h"
#include "protocol/jsonrpc.h"

namespace spool::rpc {

struct RpcError {
  int code = 0;
  std::string message;
  nlohmann::json data;  // null: the "data" member is left out
};

inline RpcError make_error(protocol::ErrorCode code, std::string message,
                           nlohmann::json data = nullptr) {
  return RpcError{static_cast<int>(code), std::move(message), std::move(data)};
}

// A result already serialized: exactly one JSON value as text, written into the response as
// is. For results made of stored JSON text (a thread's whole history), which would otherwise
// be parsed into a tree only to be dumped again. The caller vouches that it is valid JSON.
struct RawJson {
  std::string text;
};

namespace detail {
struct Core;
struct Batch;
struct ReplyState;
}  // namespace detail

// The one answer to one request (or the sink for a notification's outcome). Move-only.
// Call it exactly once, with a result or an RpcError. Destroyed without being called, it
// answers -32603 "Internal error: no reply". Calling it twice is a bug: asserts in debug
// builds, ignored (and logged) in release builds.
class Reply {
 public:
  Reply(Reply&& other) noexcept = default;
  Reply& operator=(Reply&& other) noexcept;
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  ~Reply();

  void operator()(nlohmann::json result);
  void operator()(RpcError error);
  void operator()(RawJson result);

  // True for a notification: whatever is passed is not sent (errors are logged).
  bool is_notification() const;
  // The method being answered ("" for a moved-from Reply).
  const std::string& method() const;

 private:
  friend class MessageRouter;
  explicit Reply(std::shared_ptr<detail::ReplyState> state) : state_(std::move(state)) {}
  void abandon() noexcept;

  std::shared_ptr<detail::ReplyState> state_;
};

// A response from the client to a request the server sent (approvals).
struct Response {
  nlohmann::json id;      // string, integer or null, as the client sent it
  nlohmann::json result;  // null when `error` is set
  std::optional<RpcError> error;
};

class MessageRouter {
 public:
  // Receives one reply: one JSON text followed by '\n', ready to write as is.
  using Sink = std::function<void(std::string line)>;
  // `params` is null when the message had none. Must answer through `reply` (now or later).
  using Handler = std::function<void(const nlohmann::json& params, Reply reply)>;
  using ResponseHandler = std::function<void(Response response)>;

  // Deeper nesting is refused before parsing: it would only serve to exhaust the stack of
  // recursive code further on (json copies, dumps, decoders).
  static constexpr std::size_t kMaxNestingDepth = 1000;

  explicit MessageRouter(Sink sink, ResponseHandler on_response = {});
  ~MessageRouter();
  MessageRouter(const MessageRouter&) = delete;
  MessageRouter& operator=(const MessageRouter&) = delete;

  // Registers (or replaces) the handler for `method`, for requests and notifications
  // alike. Register "initialize" to let clients past the gate: its first successful
  // reply opens it. "initialized" needs no handler: without one it is ignored silently.
  void add(std::string method, Handler handler);

  // Handles one line: one message or one batch.
  void handle(std::string_view line);

  // Answers a line the framer refused for its length (-32600, "id": null).
  void reject_oversized_line(std::size_t max_line_bytes);

  // True once an initialize request has been answered successfully.
  bool initialized() const;

 private:
  using BatchPtr = std::shared_ptr<detail::Batch>;
  void handle_value(const nlohmann::json& message, const BatchPtr& batch);
  void handle_response(const nlohmann::json& message);
  void dispatch(const std::string& method, const nlohmann::json& params,
                std::shared_ptr<detail::ReplyState> state);
  void send_error(const BatchPtr& batch, nlohmann::json id, RpcError error);

  std::shared_ptr<detail::ReplyState> new_state(const BatchPtr& batch, nlohmann::json id,
                                                std::string method, bool notification);

  std::shared_ptr<detail::Core> core_;
  std::map<std::string, Handler, std::less<>> handlers_;
  ResponseHandler on_response_;
};

// Decodes `params` as P for a handler. Missing or null params decode as `{}`, so a params
// type whose fields are all optional accepts them. On failure answers -32602
// "Invalid params: params.threadId: expected a string, got 1" through `reply` and returns
// false; the handler then just returns.
template <class P>
bool decode_params(const nlohmann::json& params, P& out, Reply& reply) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto decoded = protocol::decode_value<P>(params.is_null() ? kEmpty : params);
  if (!decoded) {
    reply(make_error(protocol::ErrorCode::InvalidParams,
                     "Invalid params: " + decoded.error().message("params")));
    return false;
  }
  out = std::move(decoded).value();
  return true;
}

}  // namespace spool::rpc
