// HistoryBuilder's fold: event dispatch, turn boundaries, Codex's message events and core
// TurnItems (and their pairing), v2 items. Tool items are in history_tools.cpp, payload
// conversions in history_convert.cpp and history_commands.cpp, turns() / save() / load() in
// history_state.cpp.
#include "projections/history_builder.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>
#include <variant>

#include "projections/history_convert.h"
#include "protocol/core/event_msg.h"
#include "protocol/core/response_item.h"

namespace spool::projections {
namespace {

using nlohmann::json;
namespace v2 = protocol::v2;
namespace core = protocol::core;
using history::decode;
using history::integer;
using history::item_id;
using history::str;
using Source = HistoryBuilder::ItemSource;
using ItemState = HistoryBuilder::ItemState;
using TurnState = HistoryBuilder::TurnState;

std::int64_t seconds(std::int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

std::string seq_id(std::string_view prefix, std::int64_t seq) {
  return std::string(prefix) + std::to_string(seq);
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

// v2 item types are camelCase ("userMessage"), core TurnItem types PascalCase ("UserMessage").
bool is_v2_item(const json& item) {
  const auto t = str(item, "type");
  return t && !t->empty() && std::islower(static_cast<unsigned char>((*t)[0])) != 0;
}

template <class T>
T* as(ItemState& s) {
  return std::get_if<T>(&s.item);
}

// The event_msg and response_item types some branch below acts on. Events of other types
// change nothing, so apply() skips them before parsing their payloads (token counts and
// encrypted reasoning are much of a log).
bool may_matter(const EventView& e, bool have_cwd) {
  static const std::array<std::string_view, 25> kEventTypes = {
      "agent_message",       "agent_reasoning",      "agent_reasoning_raw_content",
      "context_compacted",   "entered_review_mode",  "error",
      "exec_command_begin",  "exec_command_end",     "exited_review_mode",
      "item_completed",      "item_started",         "mcp_tool_call_begin",
      "mcp_tool_call_end",   "patch_apply_begin",    "patch_apply_end",
      "task_complete",       "task_started",         "thread_rolled_back",
      "turn_aborted",        "user_message",         "view_image_tool_call",
      "web_search_begin",    "web_search_end",       "exec_approval_request",
      "apply_patch_approval_request"};
  static const std::array<std::string_view, 5> kResponseTypes = {
      "custom_tool_call", "custom_tool_call_output", "function_call", "function_call_output",
      "local_shell_call"};
  const auto listed = [&](const auto& types) {
    return std::find(types.begin(), types.end(), *e.type) != types.end();
  };
  if (e.kind == "event_msg") return !e.type || listed(kEventTypes);
  if (e.kind == "response_item") return !e.type || listed(kResponseTypes);
  if (e.kind == "session_meta") return !have_cwd;
  return e.kind == "compacted" || e.kind == "turn_context";
}

}  // namespace

// --- dispatch ------------------------------------------------------------------------------

void HistoryBuilder::apply(const EventView& e) {
  if (!may_matter(e, cwd_.has_value())) return;
  const json p = json::parse(e.payload, nullptr, /*allow_exceptions=*/false);
  if (p.is_discarded() || !p.is_object()) return;
  const std::string type = str(p, "type").value_or(e.type ? std::string(*e.type) : "");
  try {
    if (e.kind == "event_msg") {
      apply_event_msg(e, type, p);
    } else if (e.kind == "response_item") {
      apply_response_item(e, type, p);
    } else if (e.kind == "compacted") {
      if (TurnState* t = target_turn(e, history::event_turn_id(e, p))) t->saw_compaction = true;
    } else if (e.kind == "turn_context") {
      if (auto cwd = str(p, "cwd")) cwd_ = std::move(cwd);
    } else if (e.kind == "session_meta" && !cwd_) {
      cwd_ = str(p, "cwd");
    }
  } catch (const json::exception&) {
    // A payload of a shape nothing above expected: skipped, as documented.
  }
}

void HistoryBuilder::apply_event_msg(const EventView& e, std::string_view type, const json& p) {
  if (type == "task_started") return start_turn(e, p);
  if (type == "task_complete") return complete_turn(e, p);
  if (type == "turn_aborted") return abort_turn(e, p);
  if (type == "error") return fail_turn(e, p);
  if (type == "thread_rolled_back") return roll_back(p);
  if (type == "item_started" || type == "item_completed") {
    const auto item = p.find("item");
    if (item == p.end() || !item->is_object()) return;
    if (is_v2_item(*item)) return apply_v2_item(e, type == "item_completed", p);
    if (!v2_items_) apply_core_item(e, type == "item_completed", p);
    return;
  }
  if (v2_items_) return;  // every other event only makes items
  if (type == "user_message") return apply_legacy_user_message(e, p);
  if (type == "agent_message") return apply_legacy_agent_message(e, p);
  if (type == "agent_reasoning" || type == "agent_reasoning_raw_content") {
    if (const auto text = str(p, "text")) {
      apply_legacy_reasoning(e, history::event_turn_id(e, p), *text, type == "agent_reasoning");
    }
    return;
  }
  apply_tool_event(e, type, p);
}

// --- turns ---------------------------------------------------------------------------------

TurnState* HistoryBuilder::touch(TurnState* t) {
  if (t) changed_from_ = std::min(changed_from_, static_cast<std::size_t>(t - turns_.data()));
  return t;
}

TurnState* HistoryBuilder::find_turn(std::string_view id) {
  for (auto it = turns_.rbegin(); it != turns_.rend(); ++it) {
    if (it->id == id) return touch(&*it);
  }
  return nullptr;
}

bool HistoryBuilder::dropped(const std::optional<std::string>& turn_id) const {
  return turn_id && std::find(dropped_turn_ids_.begin(), dropped_turn_ids_.end(), *turn_id) !=
                        dropped_turn_ids_.end();
}

TurnState* HistoryBuilder::current() {
  return open_ && !turns_.empty() ? touch(&turns_.back()) : nullptr;
}

TurnState& HistoryBuilder::open_implicit_turn(const EventView& e) {
  TurnState t;
  t.id = seq_id("turn-", e.seq);
  t.status = v2::TurnStatus::Completed;  // implicit turns have no lifecycle to wait for
  t.started_at = seconds(e.ts_ms);
  t.started_ms = e.ts_ms;
  turns_.push_back(std::move(t));
  open_ = true;
  return *touch(&turns_.back());
}

TurnState* HistoryBuilder::target_turn(const EventView& e,
                                       const std::optional<std::string>& turn_id) {
  if (dropped(turn_id)) return nullptr;
  if (turn_id) {
    if (TurnState* t = find_turn(*turn_id)) return t;
  }
  if (TurnState* t = current()) return t;
  return &open_implicit_turn(e);
}

TurnState* HistoryBuilder::user_turn(const EventView& e,
                                     const std::optional<std::string>& turn_id) {
  if (dropped(turn_id)) return nullptr;
  if (turn_id) {
    if (TurnState* t = find_turn(*turn_id)) return t;
  }
  if (TurnState* t = current()) {
    // A compaction-only implicit turn takes the message that follows it (as Codex does).
    if (t->explicit_turn || (t->saw_compaction && t->items.empty())) return t;
  }
  open_ = false;
  return &open_implicit_turn(e);
}

void HistoryBuilder::start_turn(const EventView& e, const json& p) {
  const std::string id = history::event_turn_id(e, p).value_or(seq_id("turn-", e.seq));
  std::erase(dropped_turn_ids_, id);
  open_ = false;
  if (TurnState* t = find_turn(id)) {  // opened again (or first seen through its items)
    t->explicit_turn = true;
    t->status = v2::TurnStatus::InProgress;
    open_ = t == &turns_.back();
    return;
  }
  TurnState t;
  t.id = id;
  t.explicit_turn = true;
  t.status = v2::TurnStatus::InProgress;
  t.started_at = integer(p, "started_at").value_or(seconds(e.ts_ms));
  t.started_ms = e.ts_ms;
  turns_.push_back(std::move(t));
  touch(&turns_.back());
  open_ = true;
}

void HistoryBuilder::complete_turn(const EventView& e, const json& p) {
  const auto c = decode<core::TaskCompleteEventMsg>(p);
  const auto turn_id = history::event_turn_id(e, p);
  if (!c || dropped(turn_id)) return;
  TurnState* t = turn_id ? find_turn(*turn_id) : nullptr;
  if (!t) t = current();
  if (!t) return;
  if (c->error) {
    t->status = v2::TurnStatus::Failed;
    t->error = v2::TurnError{c->error->message, history::error_info(c->error->codex_error_info),
                             std::nullopt};
  } else if (t->status == v2::TurnStatus::InProgress) {
    t->status = v2::TurnStatus::Completed;  // failed and interrupted turns stay so
  }
  if (!t->started_at) t->started_at = c->started_at;
  t->completed_at = c->completed_at.value_or(seconds(e.ts_ms));
  t->duration_ms = c->duration_ms;
  if (!t->duration_ms && t->started_ms) t->duration_ms = e.ts_ms - *t->started_ms;
  // A late completion: turns before it that never got theirs are over too.
  for (TurnState* before = turns_.data(); before != t; ++before) {
    if (before->status == v2::TurnStatus::InProgress)
      touch(before)->status = v2::TurnStatus::Completed;
  }
  if (t == current()) open_ = false;
}

void HistoryBuilder::abort_turn(const EventView& e, const json& p) {
  const auto turn_id = history::event_turn_id(e, p);
  if (dropped(turn_id)) return;
  TurnState* t = turn_id ? find_turn(*turn_id) : nullptr;
  if (!t) t = current();
  if (!t) return;
  // The turn stays current: what arrives before the next turn still belongs to it.
  t->status = v2::TurnStatus::Interrupted;
  t->completed_at = integer(p, "completed_at").value_or(seconds(e.ts_ms));
  t->duration_ms = integer(p, "duration_ms");
  if (!t->duration_ms && t->started_ms) t->duration_ms = e.ts_ms - *t->started_ms;
}

void HistoryBuilder::fail_turn(const EventView& e, const json& p) {
  const auto err = decode<core::ErrorEventMsg>(p);
  if (!err || !history::error_fails_turn(err->codex_error_info)) return;
  const auto turn_id = history::event_turn_id(e, p);
  if (dropped(turn_id)) return;
  TurnState* t = turn_id ? find_turn(*turn_id) : nullptr;
  if (!t) t = current();
  if (!t) return;  // an error outside any turn fails nothing
  t->status = v2::TurnStatus::Failed;
  t->error = v2::TurnError{err->message, history::error_info(err->codex_error_info),
                           str(p, "additional_details")};
}

void HistoryBuilder::roll_back(const json& p) {
  const auto r = decode<core::ThreadRolledBackEvent>(p);
  if (!r) return;
  open_ = false;
  for (std::uint32_t i = 0; i < r->num_turns && !turns_.empty(); ++i) {
    dropped_turn_ids_.push_back(turns_.back().id);
    turns_.pop_back();
  }
  changed_from_ = std::min(changed_from_, turns_.size());
}

// --- items: shared -------------------------------------------------------------------------

std::pair<TurnState*, ItemState*> HistoryBuilder::find_item(std::string_view id) {
  for (auto t = turns_.rbegin(); t != turns_.rend(); ++t) {
    for (auto i = t->items.rbegin(); i != t->items.rend(); ++i) {
      if (item_id(i->item) == id) return {touch(&*t), &*i};
    }
  }
  return {nullptr, nullptr};
}

void HistoryBuilder::place(const EventView& e, const std::optional<std::string>& turn_id,
                           ItemState item) {
  if (auto [t, existing] = find_item(item_id(item.item)); existing) {
    *existing = std::move(item);  // keeps its turn and position
    return;
  }
  if (TurnState* t = target_turn(e, turn_id)) t->items.push_back(std::move(item));
}

// --- items: Codex's legacy events and core TurnItems ----------------------------------------

void HistoryBuilder::apply_legacy_user_message(const EventView& e, const json& p) {
  const auto m = decode<core::UserMessageEventMsg>(p);
  if (!m) return;
  std::vector<v2::UserInput> content;
  if (!blank(m->message)) content.push_back(v2::TextUserInput{m->message});
  for (const auto& url : m->images.value_or(std::vector<std::string>{})) {
    content.push_back(v2::ImageUserInput{url, std::nullopt});
  }
  for (const auto& path : m->local_images.value_or(std::vector<std::string>{})) {
    content.push_back(v2::LocalImageUserInput{path, std::nullopt});
  }
  const auto turn_id = history::event_turn_id(e, p);
  TurnState* paired = turn_id ? find_turn(*turn_id) : nullptr;
  if (!paired) paired = current();
  if (paired) {
    const std::string text = history::user_text(content);
    for (auto& s : paired->items) {
      const auto* u = as<v2::UserMessageThreadItem>(s);
      if (u && s.source == Source::kCore && !s.paired && history::user_text(u->content) == text) {
        s.paired = true;  // the core item already recorded this message
        return;
      }
    }
  }
  TurnState* t = user_turn(e, turn_id);
  if (!t) return;
  ItemState s{v2::UserMessageThreadItem{seq_id("item-", e.seq), std::move(content), std::nullopt,
                                        e.ts_ms, e.ts_ms},
              Source::kLegacy};
  t->items.push_back(std::move(s));
}

void HistoryBuilder::apply_legacy_agent_message(const EventView& e, const json& p) {
  const auto m = decode<core::AgentMessageEventMsg>(p);
  if (!m || m->message.empty()) return;
  TurnState* t = target_turn(e, history::event_turn_id(e, p));
  if (!t) return;
  for (auto& s : t->items) {
    const auto* a = as<v2::AgentMessageThreadItem>(s);
    if (a && s.source == Source::kCore && !s.paired && a->text == m->message) {
      s.paired = true;
      return;
    }
  }
  std::optional<v2::MessagePhase> phase;
  if (p.contains("phase")) phase = decode<v2::MessagePhase>(p["phase"]);
  t->items.push_back(
      {v2::AgentMessageThreadItem{seq_id("item-", e.seq), m->message, phase, e.ts_ms, e.ts_ms},
       Source::kLegacy});
}

void HistoryBuilder::apply_legacy_reasoning(const EventView& e,
                                            const std::optional<std::string>& turn_id,
                                            const std::string& text, bool summary) {
  if (text.empty()) return;
  TurnState* t = target_turn(e, turn_id);
  if (!t) return;
  // A part a core Reasoning item of this turn already holds, in order.
  for (auto it = t->items.rbegin(); it != t->items.rend(); ++it) {
    auto* r = as<v2::ReasoningThreadItem>(*it);
    if (!r || it->source != Source::kCore) continue;
    const auto& parts = summary ? r->summary.value : r->content.value;
    auto& matched = summary ? it->summary_parts : it->content_parts;
    if (matched < static_cast<std::int64_t>(parts.size()) &&
        parts[static_cast<std::size_t>(matched)] == text) {
      ++matched;
      return;
    }
  }
  // Consecutive legacy reasoning parts make one item.
  if (!t->items.empty() && t->items.back().source == Source::kLegacy) {
    if (auto* r = as<v2::ReasoningThreadItem>(t->items.back())) {
      (summary ? r->summary.value : r->content.value).push_back(text);
      r->completedAtMs = e.ts_ms;
      return;
    }
  }
  v2::ReasoningThreadItem r;
  r.id = seq_id("item-", e.seq);
  (summary ? r.summary.value : r.content.value).push_back(text);
  r.startedAtMs = e.ts_ms;
  r.completedAtMs = e.ts_ms;
  t->items.push_back({std::move(r), Source::kLegacy});
}

void HistoryBuilder::apply_core_item(const EventView& e, bool completed, const json& p) {
  const auto item = decode<core::TurnItem>(p["item"]);
  if (!item) return;
  const auto turn_id = history::event_turn_id(e, p);
  if (dropped(turn_id)) return;
  const std::int64_t started = integer(p, "started_at_ms").value_or(e.ts_ms);
  const std::optional<std::int64_t> done =
      completed ? std::optional(integer(p, "completed_at_ms").value_or(e.ts_ms)) : std::nullopt;
  TurnState* named = turn_id ? find_turn(*turn_id) : nullptr;

  // Adopts the unpaired legacy item `match` accepts, in the named or current turn.
  const auto adopt = [&](v2::ThreadItem v2_item, auto match) {
    if (find_item(item_id(v2_item)).second) return false;
    TurnState* t = named ? named : current();
    if (!t) return false;
    for (auto& s : t->items) {
      if (s.source == Source::kLegacy && !s.paired && match(s)) {
        s.item = std::move(v2_item);
        s.source = Source::kCore;
        s.paired = true;
        return true;
      }
    }
    return false;
  };

  if (const auto* u = std::get_if<core::UserMessageTurnItem>(&*item)) {
    if (!completed) return;
    v2::UserMessageThreadItem v{u->id, history::user_inputs(u->content), std::nullopt, started,
                                done};
    const std::string text = history::user_text(v.content);
    if (adopt(v, [&](ItemState& s) {
          const auto* l = as<v2::UserMessageThreadItem>(s);
          return l && history::user_text(l->content) == text;
        })) {
      return;
    }
    if (auto [t, existing] = find_item(u->id); existing) {
      existing->item = std::move(v);
    } else if (TurnState* target = user_turn(e, turn_id)) {
      target->items.push_back({std::move(v), Source::kCore});
    }
  } else if (const auto* a = std::get_if<core::AgentMessageTurnItem>(&*item)) {
    std::string text = history::agent_text(a->content);
    if (!completed || text.empty()) return;
    std::optional<v2::MessagePhase> phase;
    if (p["item"].contains("phase")) phase = decode<v2::MessagePhase>(p["item"]["phase"]);
    v2::AgentMessageThreadItem v{a->id, text, phase, started, done};
    if (adopt(v, [&](ItemState& s) {
          const auto* l = as<v2::AgentMessageThreadItem>(s);
          return l && l->text == text;
        })) {
      return;
    }
    place(e, turn_id, {std::move(v), Source::kCore});
  } else if (const auto* r = std::get_if<core::ReasoningTurnItem>(&*item)) {
    if (!completed) return;
    v2::ReasoningThreadItem v{r->id, r->summary_text, r->raw_content, started, done};
    std::int64_t summary_parts = 0;
    std::int64_t content_parts = 0;
    const auto prefix = [](const std::vector<std::string>& part,
                           const std::vector<std::string>& whole) {
      return part.size() <= whole.size() && std::equal(part.begin(), part.end(), whole.begin());
    };
    if (adopt(v, [&](ItemState& s) {
          const auto* l = as<v2::ReasoningThreadItem>(s);
          if (!l || !prefix(l->summary.value, r->summary_text) ||
              !prefix(l->content.value, r->raw_content)) {
            return false;
          }
          summary_parts = static_cast<std::int64_t>(l->summary.value.size());
          content_parts = static_cast<std::int64_t>(l->content.value.size());
          return true;
        })) {
      auto [t, s] = find_item(r->id);
      s->summary_parts = summary_parts;
      s->content_parts = content_parts;
      return;
    }
    place(e, turn_id, {std::move(v), Source::kCore});
  } else if (const auto* w = std::get_if<core::WebSearchTurnItem>(&*item)) {
    if (!completed) return;
    place(e, turn_id,
          {v2::WebSearchThreadItem{w->id, w->query, history::web_search_action(w->action), started,
                                   done},
           Source::kTool, false, true});
  } else if (const auto* c = std::get_if<core::CommandExecutionTurnItem>(&*item)) {
    if (!completed && find_item(c->id).second) return;  // never regress a recorded command
    auto v = history::command_from_core(*c);
    v.startedAtMs = started;
    v.completedAtMs = done;
    place(e, turn_id, {std::move(v), Source::kTool, false, completed});
  } else if (const auto* raw = std::get_if<protocol::RawVariant>(&*item)) {
    const auto id = str(raw->raw, "id");
    const auto text = str(raw->raw, "text");
    if (raw->type != "Plan" || !id || !text || text->empty()) return;
    place(e, turn_id,
          {v2::PlanThreadItem{*id, *text, started, done}, Source::kCore, false, completed});
  }
}

// --- items: v2, exactly as streamed --------------------------------------------------------

void HistoryBuilder::apply_v2_item(const EventView& e, bool completed, const json& p) {
  auto item = decode<v2::ThreadItem>(p["item"]);
  if (!item) return;
  std::optional<std::string> turn_id = history::event_turn_id(e, p);
  if (!turn_id) turn_id = str(p, "turnId");
  if (dropped(turn_id)) return;
  TurnState* t = turn_id ? find_turn(*turn_id) : nullptr;
  if (!t && turn_id) {  // a turn first seen through its items: its id is authoritative
    open_ = false;
    t = &open_implicit_turn(e);
    t->id = *turn_id;
  }
  if (!t) t = target_turn(e, std::nullopt);
  v2_items_ = true;
  if (!t->v2_items) {  // from here on this turn shows exactly what was streamed
    std::erase_if(t->items, [](const ItemState& s) { return s.source != Source::kV2; });
    t->v2_items = true;
  }
  const std::string& id = item_id(*item);
  for (auto& s : t->items) {
    if (item_id(s.item) != id) continue;
    if (completed || !s.completed) s.item = std::move(*item);
    s.completed = s.completed || completed;
    return;
  }
  t->items.push_back({std::move(*item), Source::kV2, false, completed});
}

}  // namespace spool::projections
