// RolloutLine's JSON functions: the payload is decoded by the line's kind, with the codec's
// own strict decoding and paths ("payload.info.total_token_usage.input_tokens").
#include "protocol/core/rollout.h"

namespace spool::protocol::core {
namespace {

using nlohmann::json;

constexpr std::string_view kSessionMeta = "session_meta";
constexpr std::string_view kTurnContext = "turn_context";
constexpr std::string_view kResponseItem = "response_item";
constexpr std::string_view kEventMsg = "event_msg";
constexpr std::string_view kCompacted = "compacted";

// Decodes member `name` of `obj` into `out`, as the codec decodes a struct's field.
template <class T>
void decode_member(const json& obj, std::string_view name, T& out, detail::Path& path) {
  const std::size_t mark = path.size();
  path.push_field(name);
  const auto it = obj.find(std::string(name));
  if (it == obj.end()) {
    if constexpr (detail::IsOptional<T>::value) {
      out.reset();
    } else {
      path.fail("missing required field");
    }
  } else {
    decode(*it, out, path);
  }
  path.pop(mark);
}

template <class T>
void decode_payload(const json& line, RolloutLine& out, detail::Path& path) {
  T payload{};
  decode_member(line, "payload", payload, path);
  out.payload.emplace<T>(std::move(payload));
}

void decode_line(const json& j, RolloutLine& out, detail::Path& path) {
  if (!j.is_object()) path.fail(fmt::format("expected an object, got {}", describe_json(j)));
  decode_member(j, "timestamp", out.timestamp, path);
  decode_member(j, "ordinal", out.ordinal, path);
  std::string type;
  decode_member(j, "type", type, path);
  if (type == kSessionMeta) {
    decode_payload<SessionMeta>(j, out, path);
  } else if (type == kTurnContext) {
    decode_payload<TurnContext>(j, out, path);
  } else if (type == kResponseItem) {
    decode_payload<ResponseItem>(j, out, path);
  } else if (type == kEventMsg) {
    decode_payload<EventMsg>(j, out, path);
  } else if (type == kCompacted) {
    decode_payload<CompactedItem>(j, out, path);
  } else {
    UnknownRolloutItem unknown{std::move(type), nullptr};
    decode_member(j, "payload", unknown.payload, path);  // any JSON value, but present
    out.payload.emplace<UnknownRolloutItem>(std::move(unknown));
  }
  decode_member(j, "metadata", out.metadata, path);
}

}  // namespace

std::string_view RolloutLine::type() const {
  switch (payload.index()) {
    case 0: return kSessionMeta;
    case 1: return kTurnContext;
    case 2: return kResponseItem;
    case 3: return kEventMsg;
    case 4: return kCompacted;
    default: return std::get<UnknownRolloutItem>(payload).type;
  }
}

void to_json(json& j, const RolloutLine& line) {
  j = json::object();
  j["timestamp"] = line.timestamp;
  encode(j["ordinal"], line.ordinal);
  j["type"] = std::string(line.type());
  std::visit(
      [&](const auto& p) {
        if constexpr (std::is_same_v<std::decay_t<decltype(p)>, UnknownRolloutItem>) {
          j["payload"] = p.payload;
        } else {
          encode(j["payload"], p);
        }
      },
      line.payload);
  encode(j["metadata"], line.metadata);
}

void from_json(const json& j, RolloutLine& line) {
  detail::Path path;
  decode_line(j, line, path);
}

Result<RolloutLine, DecodeError> decode_rollout_line(const json& j) {
  RolloutLine line;
  try {
    from_json(j, line);
  } catch (const DecodeException& e) {
    return e.error();
  }
  return line;
}

}  // namespace spool::protocol::core
