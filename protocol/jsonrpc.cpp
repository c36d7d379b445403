#include "protocol/jsonrpc.h"

namespace spool::protocol {

void to_json(nlohmann::json& j, const RequestId& id) {
  std::visit([&](const auto& v) { j = v; }, static_cast<const RequestId::variant&>(id));
}

void from_json(const nlohmann::json& j, RequestId& id) {
  if (j.is_string()) {
    id = j.get<std::string>();
  } else if (j.is_number_integer()) {
    id = j.get<std::int64_t>();
  } else {
    throw DecodeException(
        DecodeError{"", fmt::format("expected a string or an integer, got {}", describe_json(j))});
  }
}

}  // namespace spool::protocol
