// The protocol surface: every method Spool serves or sends, with its params and result
// types. The rpc layer dispatches from these tables and the exporters build the
// ClientRequest / ServerNotification / ServerRequest unions from them, so a method exists
// in exactly one place.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "protocol/describe.h"

namespace spool::protocol {

struct MethodDesc {
  std::string_view method;        // "thread/list"
  std::optional<TypeRef> params;  // nullopt: the method takes no params (null or absent)
  std::optional<TypeRef> result;  // requests only
};

// Requests a client sends and Spool answers.
const std::vector<MethodDesc>& client_requests();
// Notifications a client sends (no answer).
const std::vector<MethodDesc>& client_notifications();
// Notifications Spool sends.
const std::vector<MethodDesc>& server_notifications();
// Requests Spool sends to a client (approvals), with the result it expects back.
const std::vector<MethodDesc>& server_requests();

// The method entry for `method` in `table`, or nullptr.
const MethodDesc* find_method(const std::vector<MethodDesc>& table, std::string_view method);

}  // namespace spool::protocol
