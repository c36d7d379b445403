// Conversions from Codex's core payloads to v2 ThreadItem parts (see history_convert.h):
// user input, patches, MCP calls, web searches, errors, review texts. Commands are in
// history_commands.cpp.
#include "projections/history_convert.h"

#include <cctype>
#include <variant>

namespace spool::projections::history {
namespace {

using nlohmann::json;

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string join_path(std::string_view cwd, std::string_view path) {
  if (path.starts_with('/') || cwd.empty()) return std::string(path);
  std::string out(cwd);
  if (!out.ends_with('/')) out += '/';
  return out + std::string(path);
}

}  // namespace

std::optional<std::string> str(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> integer(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

const std::string& item_id(const v2::ThreadItem& item) {
  return std::visit([](const auto& v) -> const std::string& { return v.id; },
                    static_cast<const v2::ThreadItem::variant&>(item));
}

std::optional<std::string> event_turn_id(const EventView& e, const json& payload) {
  if (e.turn_id && !e.turn_id->empty()) return std::string(*e.turn_id);
  auto t = str(payload, "turn_id");
  if (t && !t->empty()) return t;
  return std::nullopt;
}

std::vector<v2::FileUpdateChange> file_changes(const std::map<std::string, core::FileChange>& m) {
  std::vector<v2::FileUpdateChange> out;
  for (const auto& [path, change] : m) {
    v2::FileUpdateChange c;
    c.path = path;
    std::visit(
        [&](const auto& f) {
          using T = std::decay_t<decltype(f)>;
          if constexpr (std::is_same_v<T, core::AddFileChange>) {
            c.kind = v2::AddPatchChangeKind{};
            c.diff = f.content;
          } else if constexpr (std::is_same_v<T, core::DeleteFileChange>) {
            c.kind = v2::DeletePatchChangeKind{};
            c.diff = f.content;
          } else if constexpr (std::is_same_v<T, core::UpdateFileChange>) {
            c.kind = v2::UpdatePatchChangeKind{};
            c.diff = f.unified_diff;
            if (f.move_path) c.diff += "\n\nMoved to: " + *f.move_path;
          } else {
            c.kind = v2::UpdatePatchChangeKind{};
          }
        },
        static_cast<const core::FileChange::variant&>(change));
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<v2::FileUpdateChange> parse_patch(std::string_view patch, std::string_view cwd) {
  std::vector<v2::FileUpdateChange> out;
  bool adding = false;
  std::optional<std::string> move_to;
  const auto finish_move = [&] {
    if (move_to && !out.empty()) out.back().diff += "\n\nMoved to: " + join_path(cwd, *move_to);
    move_to.reset();
  };
  std::size_t pos = 0;
  while (pos < patch.size()) {
    auto end = patch.find('\n', pos);
    if (end == std::string_view::npos) end = patch.size();
    std::string_view line = patch.substr(pos, end - pos);
    pos = end + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    const auto header = [&](std::string_view prefix) -> std::optional<std::string_view> {
      if (!line.starts_with(prefix)) return std::nullopt;
      return line.substr(prefix.size());
    };
    if (line.starts_with("*** Begin Patch") || line.starts_with("*** End Patch") ||
        line.starts_with("*** End of File")) {
      continue;
    }
    if (const auto p = header("*** Add File: ")) {
      finish_move();
      out.push_back({join_path(cwd, *p), v2::AddPatchChangeKind{}, ""});
      adding = true;
    } else if (const auto d = header("*** Delete File: ")) {
      finish_move();
      out.push_back({join_path(cwd, *d), v2::DeletePatchChangeKind{}, ""});
      adding = false;
    } else if (const auto u = header("*** Update File: ")) {
      finish_move();
      out.push_back({join_path(cwd, *u), v2::UpdatePatchChangeKind{}, ""});
      adding = false;
    } else if (const auto m = header("*** Move to: ")) {
      move_to = std::string(*m);
    } else if (!out.empty()) {
      if (adding && line.starts_with('+')) line.remove_prefix(1);
      out.back().diff += std::string(line) + "\n";
    }
  }
  finish_move();
  return out;
}

v2::PatchApplyStatus patch_status_from_output(const std::string& output) {
  if (contains(output, "rejected by user")) return v2::PatchApplyStatus::Declined;
  const json parsed = json::parse(output, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("metadata") && parsed["metadata"].is_object()) {
    const json& code = parsed["metadata"]["exit_code"];
    if (code.is_number_integer()) {
      return code.get<std::int64_t>() == 0 ? v2::PatchApplyStatus::Completed
                                           : v2::PatchApplyStatus::Failed;
    }
  }
  return output.starts_with("Success") ? v2::PatchApplyStatus::Completed
                                       : v2::PatchApplyStatus::Failed;
}

std::vector<v2::UserInput> user_inputs(const std::vector<core::UserInput>& content) {
  std::vector<v2::UserInput> out;
  for (const auto& part : content) {
    std::visit(
        [&](const auto& p) {
          using T = std::decay_t<decltype(p)>;
          if constexpr (std::is_same_v<T, core::TextUserInput>) {
            out.push_back(v2::TextUserInput{p.text});
          } else if constexpr (std::is_same_v<T, core::ImageUserInput>) {
            out.push_back(v2::ImageUserInput{p.image_url, std::nullopt});
          } else if constexpr (std::is_same_v<T, core::LocalImageUserInput>) {
            out.push_back(v2::LocalImageUserInput{p.path, std::nullopt});
          }
          // Other input kinds (skills, mentions as Codex records them) are not shown.
        },
        static_cast<const core::UserInput::variant&>(part));
  }
  return out;
}

std::string user_text(const std::vector<v2::UserInput>& content) {
  std::string out;
  bool first = true;
  for (const auto& part : content) {
    if (const auto* t = std::get_if<v2::TextUserInput>(&part)) {
      if (!first) out += '\n';
      out += t->text;
      first = false;
    }
  }
  return out;
}

std::string agent_text(const std::vector<core::AgentMessageContent>& content) {
  std::string out;
  for (const auto& part : content) {
    if (const auto* t = std::get_if<core::TextAgentMessageContent>(&part)) out += t->text;
  }
  return out;
}

std::optional<v2::WebSearchAction> web_search_action(
    const std::optional<core::WebSearchAction>& a) {
  if (!a) return std::nullopt;
  if (const auto* s = std::get_if<core::SearchWebSearchAction>(&*a)) {
    return v2::SearchWebSearchAction{s->query, std::nullopt};
  }
  if (const auto* raw = std::get_if<protocol::RawVariant>(&*a)) {
    if (raw->type == "open_page") return v2::OpenPageWebSearchAction{str(raw->raw, "url")};
    if (raw->type == "find_in_page") {
      return v2::FindInPageWebSearchAction{str(raw->raw, "url"), str(raw->raw, "pattern")};
    }
  }
  return v2::OtherWebSearchAction{};
}

v2::McpToolCallThreadItem mcp_call(const std::string& call_id, const core::McpInvocation& inv) {
  v2::McpToolCallThreadItem item;
  item.id = call_id;
  item.server = inv.server;
  item.tool = inv.tool;
  item.status = v2::McpToolCallStatus::InProgress;
  item.arguments = inv.arguments.value_or(json());
  return item;
}

void complete_mcp_call(v2::McpToolCallThreadItem& item, const core::McpToolCallEndEventMsg& end) {
  item.durationMs = duration_ms(end.duration);
  if (end.result.err) {
    item.status = v2::McpToolCallStatus::Failed;
    item.error = v2::McpToolCallError{*end.result.err};
    return;
  }
  const json ok = end.result.ok.value_or(json::object());
  v2::McpToolCallResult result;
  if (ok.contains("content") && ok["content"].is_array()) {
    for (const auto& c : ok["content"]) result.content.push_back(c);
  }
  for (const char* key : {"structuredContent", "structured_content"}) {
    if (ok.contains(key) && !ok[key].is_null()) result.structuredContent = ok[key];
  }
  bool is_error = false;
  for (const char* key : {"isError", "is_error"}) {
    if (ok.contains(key) && ok[key].is_boolean()) is_error = ok[key].get<bool>();
  }
  item.status = is_error ? v2::McpToolCallStatus::Failed : v2::McpToolCallStatus::Completed;
  item.result = std::move(result);
}

std::optional<v2::CodexErrorInfo> error_info(const std::optional<json>& info) {
  if (!info || info->is_null()) return std::nullopt;
  std::string code;
  if (info->is_string()) {
    code = info->get<std::string>();
  } else if (info->is_object() && info->size() == 1) {
    code = info->begin().key();
  }
  std::string camel;
  bool upper = false;
  for (const char c : code) {
    if (c == '_') {
      upper = true;
    } else {
      camel += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
  }
  const auto decoded = protocol::decode_value<v2::CodexErrorInfo>(json(camel));
  return decoded ? *decoded : v2::CodexErrorInfo::Other;
}

bool error_fails_turn(const std::optional<json>& info) {
  if (!info) return true;
  if (info->is_string()) return info->get<std::string>() != "thread_rollback_failed";
  return !(info->is_object() && info->contains("active_turn_not_steerable"));
}

std::string entered_review_text(const core::EnteredReviewModeEventMsg& e) {
  return e.user_facing_hint.value_or("Review requested.");
}

std::string exited_review_text(const core::ExitedReviewModeEventMsg& e) {
  constexpr std::string_view kFallback = "Reviewer failed to output a response.";
  if (!e.review_output) return std::string(kFallback);
  const std::string& text = e.review_output->overall_explanation;
  const auto b = text.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return std::string(kFallback);
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(b, last - b + 1);
}

}  // namespace spool::projections::history
