// The persistence policies. The `limited` list mirrors the Codex CLI's rollout policy
// (codex-rs core `should_persist_event_msg`); tests pin it.
#include "eventstore/persistence_policy.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

#include "eventstore/event.h"

namespace spool::eventstore {
namespace {

constexpr std::array<std::string_view, 15> kLimitedEventMsgTypes = {
    "agent_message",       "agent_reasoning",    "agent_reasoning_raw_content",
    "context_compacted",   "entered_review_mode", "exited_review_mode",
    "item_completed",      "task_complete",      "task_started",
    "thread_name_updated", "thread_rolled_back", "token_count",
    "turn_aborted",        "undo_completed",     "user_message",
};

// Codex persists item_completed only for plan items: {"item":{"type":"Plan",...}}.
bool is_plan_item_completed(std::string_view payload) {
  nlohmann::json j = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  auto item = j.find("item");
  if (item == j.end() || !item->is_object()) return false;
  auto type = item->find("type");
  return type != item->end() && type->is_string() && type->get_ref<const std::string&>() == "Plan";
}

}  // namespace

std::string_view policy_name(PersistencePolicy p) {
  switch (p) {
    case PersistencePolicy::Limited: return "limited";
    case PersistencePolicy::Extended: return "extended";
    case PersistencePolicy::Full: return "full";
  }
  return "extended";
}

std::optional<PersistencePolicy> parse_policy(std::string_view name) {
  if (name == "limited") return PersistencePolicy::Limited;
  if (name == "extended") return PersistencePolicy::Extended;
  if (name == "full") return PersistencePolicy::Full;
  return std::nullopt;
}

std::span<const std::string_view> limited_event_msg_types() { return kLimitedEventMsgTypes; }

bool is_streaming_delta(std::string_view type) {
  return type.ends_with("_delta") || type == "agent_reasoning_section_break";
}

bool should_persist(PersistencePolicy policy, std::string_view kind,
                    std::optional<std::string_view> type, std::string_view payload) {
  if (policy == PersistencePolicy::Full) return true;
  if (kind == kind::kEventMsg) {
    const std::string_view t = type.value_or("");
    if (policy == PersistencePolicy::Extended) return !is_streaming_delta(t);
    if (!std::binary_search(kLimitedEventMsgTypes.begin(), kLimitedEventMsgTypes.end(), t))
      return false;
    return t != "item_completed" || is_plan_item_completed(payload);
  }
  if (kind == kind::kResponseItem && policy == PersistencePolicy::Limited)
    return type.value_or("") != "other";
  return true;
}

}  // namespace spool::eventstore
