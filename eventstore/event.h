// The event envelope as producers hand it to the store and as the store hands it back.
//
// The store knows an event by its envelope (kind, type, turn id, time) and keeps the payload
// as JSON text exactly as received; it never needs to understand the payload to store it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spool::eventstore {

// The kinds of rollout line Codex writes. Other kinds are stored verbatim all the same.
namespace kind {
inline constexpr std::string_view kSessionMeta = "session_meta";
inline constexpr std::string_view kEventMsg = "event_msg";
inline constexpr std::string_view kResponseItem = "response_item";
inline constexpr std::string_view kTurnContext = "turn_context";
inline constexpr std::string_view kCompacted = "compacted";
// Spool's own events (never exported to Codex): payload types thread_archived,
// thread_unarchived, and thread_forked {"forked_from_id", "through_seq"} (right after a
// fork's session_meta: its history begins with the parent's lineage up to that seq).
inline constexpr std::string_view kSpool = "spool";
}  // namespace kind

// An event offered to Store::append.
struct NewEvent {
  std::string kind;                        // required, e.g. "event_msg"
  std::optional<std::string> type;         // the payload's "type", when it has one
  std::string payload;                     // JSON text; must parse as JSON
  std::optional<std::int64_t> ts_ms;       // UTC epoch ms; nullopt = the time of the append
  std::optional<std::string> turn_id;      // the turn this event belongs to, when known
  std::optional<std::string> producer_id;  // idempotency key, unique within the thread
  // A rollout line's top-level fields other than timestamp/type/payload, as a JSON object
  // ({"ordinal":3}); kept so an export writes the line back whole.
  std::optional<std::string> line_extras;
  // The producer has already checked that `payload` is valid UTF-8 JSON (an importer that
  // parsed the line); the store then skips checking it again.
  bool payload_checked = false;
};

// An event as stored.
struct StoredEvent {
  std::string thread_id;
  std::int64_t seq = 0;       // 1-based, gap-free within the thread
  std::int64_t position = 0;  // global commit order
  std::int64_t ts_ms = 0;     // UTC epoch ms
  std::string kind;
  std::optional<std::string> type;
  std::optional<std::string> turn_id;
  std::optional<std::string> producer_id;
  std::optional<std::string> line_extras;
  std::string payload;  // JSON text as received (invalid UTF-8 replaced with U+FFFD)
};

}  // namespace spool::eventstore
