// The JSON-RPC 2.0 envelope and Spool's error codes, in one place.
//
// Spool answers with strict JSON-RPC 2.0 error codes where the Codex app-server answers
// -32600 to everything (see README, "Where Spool differs").
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "protocol/codec.h"

namespace spool::protocol {

enum class ErrorCode : int {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InvalidParams = -32602,
  InternalError = -32603,
  // Server-defined range (-32000..-32099).
  ServerNotInitialized = -32002,
  NotFound = -32004,  // the request names a thread or turn that does not exist
  Conflict = -32009,  // the thread's state forbids it (archived, already archived, has forks)
};

// A request id: a string or an integer, echoed back as it came.
struct RequestId : std::variant<std::string, std::int64_t> {
  using variant::variant;
};
inline constexpr auto spool_reflect(const RequestId*) {
  return CustomMeta<RequestId>{"RequestId", "",
                               R"({"anyOf":[{"type":"string"},{"type":"integer","format":"int64"}]})",
                               "string | number", "7"};
}
void to_json(nlohmann::json& j, const RequestId& id);
void from_json(const nlohmann::json& j, RequestId& id);

// NOLINTBEGIN(readability-identifier-naming): wire names
struct JSONRPCErrorError {
  std::int64_t code = 0;
  std::string message;
  std::optional<nlohmann::json> data;
};
SPOOL_STRUCT(JSONRPCErrorError, "", code, message, data)

struct JSONRPCRequest {
  RequestId id;
  std::string method;
  std::optional<nlohmann::json> params;
};
SPOOL_STRUCT(JSONRPCRequest, "", id, method, params)

struct JSONRPCNotification {
  std::string method;
  std::optional<nlohmann::json> params;
};
SPOOL_STRUCT(JSONRPCNotification, "", method, params)

struct JSONRPCResponse {
  RequestId id;
  nlohmann::json result;
};
SPOOL_STRUCT(JSONRPCResponse, "", id, result)

struct JSONRPCError {
  std::optional<RequestId> id;  // null when the request's id could not be read
  JSONRPCErrorError error;
};
SPOOL_STRUCT(JSONRPCError, "", id, error)
// NOLINTEND(readability-identifier-naming)

}  // namespace spool::protocol
