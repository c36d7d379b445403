#include "projections/thread_summary.h"

#include "base/time.h"
#include "projections/history_convert.h"

namespace spool::projections {
namespace {

using nlohmann::json;

constexpr std::string_view kRequestMarker = "## My request for Codex:";

using history::str;

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// The text and whether there are images, of a user message in any of the shapes Codex and
// Spool record: an event_msg user_message, a core TurnItem UserMessage, a v2 userMessage.
struct UserText {
  std::string text;
  bool images = false;
};

std::optional<UserText> user_message_of(std::string_view type, const json& payload) {
  if (type == "user_message") {
    UserText u;
    u.text = str(payload, "message").value_or("");
    for (const char* key : {"images", "local_images"}) {
      const auto it = payload.find(key);
      if (it != payload.end() && it->is_array() && !it->empty()) u.images = true;
    }
    return u;
  }
  if (type != "item_completed") return std::nullopt;
  const auto item = payload.find("item");
  if (item == payload.end() || !item->is_object()) return std::nullopt;
  const auto item_type = str(*item, "type");
  if (item_type != "UserMessage" && item_type != "userMessage") return std::nullopt;
  UserText u;
  const auto content = item->find("content");
  if (content == item->end() || !content->is_array()) return u;
  for (const auto& part : *content) {
    const auto part_type = str(part, "type").value_or("");
    if (part_type == "text") {
      if (!u.text.empty()) u.text += "\n";
      u.text += str(part, "text").value_or("");
    } else if (part_type == "image" || part_type == "local_image" || part_type == "localImage") {
      u.images = true;
    }
  }
  return u;
}

std::optional<std::string> source_of(const json& meta) {
  const auto it = meta.find("source");
  if (it == meta.end()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && !it->empty()) {
    // {"subagent": ...} in older Codex, {"subAgent": ...} in newer.
    const std::string key = it->begin().key();
    if (key == "subagent" || key == "subAgent") return std::string("subAgent");
    return key;
  }
  return std::nullopt;
}

}  // namespace

std::string preview_of(std::string_view message, bool has_images) {
  if (const auto at = message.find(kRequestMarker); at != std::string_view::npos) {
    message = message.substr(at + kRequestMarker.size());
    return trim(message);
  }
  if (trim(message).empty()) return has_images ? "[Image]" : "";
  return std::string(message);
}

void ThreadSummaryFold::apply(const EventView& e) {
  const bool interesting =
      e.kind == "session_meta" || e.kind == "turn_context" ||
      (e.kind == "event_msg" && e.type &&
       (*e.type == "user_message" || *e.type == "item_completed" ||
        *e.type == "thread_name_updated"));
  if (!interesting) return;
  if (e.kind == "event_msg" && e.type && *e.type != "thread_name_updated" &&
      summary_.has_user_message)
    return;  // only the first user message matters
  const json payload = json::parse(e.payload, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) return;

  if (e.kind == "session_meta") {
    // The first session_meta naming this thread is canonical; a fork file's copy of its
    // parent's session_meta is an event like any other.
    if (summary_.created_at_ms || str(payload, "id") != thread_id_) return;
    const auto stamp = str(payload, "timestamp");
    const auto parsed = stamp ? parse_rfc3339_ms(*stamp) : std::nullopt;
    summary_.created_at_ms = parsed.value_or(e.ts_ms);
    summary_.model_provider = str(payload, "model_provider");
    summary_.cwd = str(payload, "cwd");
    summary_.source = source_of(payload);
    summary_.originator = str(payload, "originator");
    summary_.cli_version = str(payload, "cli_version");
    summary_.forked_from_id = str(payload, "forked_from_id");
    if (const auto git = payload.find("git"); git != payload.end() && git->is_object())
      summary_.git_info = *git;
  } else if (e.kind == "turn_context") {
    if (auto model = str(payload, "model")) summary_.model = std::move(model);
    if (const auto effort = payload.find("effort"); effort != payload.end())
      summary_.reasoning_effort = effort->is_string() ? std::optional(effort->get<std::string>())
                                                      : std::nullopt;
    if (const auto p = payload.find("approval_policy"); p != payload.end())
      summary_.approval_policy = *p;
    if (const auto p = payload.find("sandbox_policy"); p != payload.end()) summary_.sandbox = *p;
  } else if (*e.type == "thread_name_updated") {
    const auto it = payload.find("thread_name");
    summary_.name = it != payload.end() && it->is_string() ? std::optional(it->get<std::string>())
                                                           : std::nullopt;
  } else if (auto user = user_message_of(*e.type, payload)) {
    summary_.has_user_message = true;
    summary_.preview = preview_of(user->text, user->images);
  }
}

json ThreadSummaryFold::save() const {
  const ThreadSummary& s = summary_;
  auto opt = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  return {{"created_at_ms", opt(s.created_at_ms)}, {"preview", s.preview},
          {"has_user_message", s.has_user_message}, {"name", opt(s.name)},
          {"model_provider", opt(s.model_provider)}, {"cwd", opt(s.cwd)},
          {"source", opt(s.source)}, {"originator", opt(s.originator)},
          {"cli_version", opt(s.cli_version)}, {"forked_from_id", opt(s.forked_from_id)},
          {"git_info", opt(s.git_info)}, {"model", opt(s.model)},
          {"reasoning_effort", opt(s.reasoning_effort)},
          {"approval_policy", opt(s.approval_policy)}, {"sandbox", opt(s.sandbox)}};
}

ThreadSummaryFold ThreadSummaryFold::load(std::string thread_id, const json& state) {
  ThreadSummaryFold f(std::move(thread_id));
  ThreadSummary& s = f.summary_;
  if (!state.is_object()) return f;
  auto get_str = [&](const char* k) { return str(state, k); };
  auto get_json = [&](const char* k) -> std::optional<json> {
    const auto it = state.find(k);
    if (it == state.end() || it->is_null()) return std::nullopt;
    return *it;
  };
  if (const auto it = state.find("created_at_ms"); it != state.end() && it->is_number_integer())
    s.created_at_ms = it->get<std::int64_t>();
  s.preview = get_str("preview").value_or("");
  s.has_user_message = state.value("has_user_message", false);
  s.name = get_str("name");
  s.model_provider = get_str("model_provider");
  s.cwd = get_str("cwd");
  s.source = get_str("source");
  s.originator = get_str("originator");
  s.cli_version = get_str("cli_version");
  s.forked_from_id = get_str("forked_from_id");
  s.git_info = get_json("git_info");
  s.model = get_str("model");
  s.reasoning_effort = get_str("reasoning_effort");
  s.approval_policy = get_json("approval_policy");
  s.sandbox = get_json("sandbox");
  return f;
}

}  // namespace spool::projections
