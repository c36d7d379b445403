// Which events the store keeps, by named policy (see DESIGN.md, "Persistence policy").
//
//   limited   exactly what the Codex CLI persists in its rollout files, so an export can be
//             read back by Codex: the event_msg types of limited_event_msg_types() (and
//             item_completed only for plan items), every session_meta, turn_context and
//             compacted line, and every response_item except type "other".
//   extended  everything except streaming deltas: every event_msg type ending in "_delta",
//             and agent_reasoning_section_break. The default.
//   full      everything.
//
// Kinds other than event_msg and response_item (Codex adds new ones, e.g. world_state) are
// kept under every policy: nothing is dropped for being unfamiliar.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace spool::eventstore {

enum class PersistencePolicy { Limited, Extended, Full };

std::string_view policy_name(PersistencePolicy p);
std::optional<PersistencePolicy> parse_policy(std::string_view name);

// The event_msg types the Codex CLI itself persists, sorted.
std::span<const std::string_view> limited_event_msg_types();

// True for the event_msg types `extended` leaves out.
bool is_streaming_delta(std::string_view event_msg_type);

// Decides whether an event is stored under `policy`. `payload` is consulted only for
// event_msg item_completed under `limited` (kept only when payload.item.type is "Plan").
bool should_persist(PersistencePolicy policy, std::string_view kind,
                    std::optional<std::string_view> type, std::string_view payload);

}  // namespace spool::eventstore
