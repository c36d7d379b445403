// EventView: one stored event as the projections see it. The store hands events over in this
// shape so that projections depend on protocol only, never on the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace spool::projections {

struct EventView {           // one stored event, as the store hands it over (no ownership)
  std::int64_t seq;          // 1-based per thread
  std::int64_t ts_ms;        // UTC epoch ms
  std::string_view kind;     // "session_meta", "event_msg", "response_item", "turn_context", "compacted", "spool", or unknown
  std::optional<std::string_view> type;  // payload "type" when it has one
  std::optional<std::string_view> turn_id;
  std::string_view payload;  // JSON text
};

}  // namespace spool::projections
