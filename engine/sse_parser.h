// SseParser: an incremental parser of text/event-stream (WHATWG HTML, "Server-sent events",
// section 9.2.6 "Interpreting an event stream").
//
// Bytes arrive in arbitrary chunks (feed); events come out through a callback as soon as the
// blank line that ends them has been read. The parser knows nothing of HTTP or of what the
// data means (see responses_events.h for the Responses API's events); it does not reconnect,
// but it keeps the `id` and `retry` values a reconnecting client would need.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace spool::engine {

// One dispatched event.
struct SseEvent {
  std::string type = "message";  // the `event:` field, "message" when absent
  std::string data;              // `data:` lines joined with '\n' (no trailing '\n')
  std::string id;                // the last event id seen so far in the stream (may be "")
};

class SseParser {
 public:
  static constexpr std::size_t kDefaultMaxEventBytes = 16u << 20;  // 16 MiB

  using EventCallback = std::function<void(const SseEvent&)>;
  using ErrorCallback = std::function<void(const std::string& message)>;

  // `on_event` is called for every dispatched event, from inside feed(). `on_error` (may be
  // empty) is called once when the parser fails: one event (its data buffer plus the raw
  // bytes of the line being read) grew past `max_event_bytes`. After a failure every further byte
  // is ignored. The callbacks must not destroy the parser.
  explicit SseParser(EventCallback on_event, ErrorCallback on_error = {},
                     std::size_t max_event_bytes = kDefaultMaxEventBytes);

  // Consumes the next bytes of the stream. Returns false once the parser has failed.
  bool feed(std::string_view bytes);

  // End of stream: per the spec, an event not yet ended by a blank line (and an unterminated
  // last line) is discarded, never dispatched. The parser is then ready for a new stream
  // (BOM handling starts again; the last event id and retry are kept).
  void finish();

  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  // The last valid `retry:` value (milliseconds), if any.
  std::optional<long long> retry_ms() const { return retry_ms_; }
  const std::string& last_event_id() const { return last_event_id_; }

 private:
  void process_line(std::string_view line);
  void dispatch();
  bool check_size(std::size_t pending_line_bytes);
  void fail(std::string message);

  EventCallback on_event_;
  ErrorCallback on_error_;
  std::size_t max_event_bytes_;

  std::string line_;  // an incomplete line carried over from the previous chunk
  std::string bom_;   // bytes at stream start that may still turn out to be a BOM
  bool at_stream_start_ = true;
  bool skip_lf_ = false;  // the previous chunk ended in CR: a leading LF belongs to it

  std::string data_;        // data buffer (each line followed by '\n')
  std::string event_type_;  // event type buffer
  bool has_data_ = false;
  std::string last_event_id_;
  std::optional<long long> retry_ms_;

  bool failed_ = false;
  std::string error_;
};

}  // namespace spool::engine
