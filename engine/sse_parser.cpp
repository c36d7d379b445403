// See sse_parser.h. The rules quoted in comments are from the WHATWG HTML standard, 9.2.6.
#include "engine/sse_parser.h"

#include <fmt/format.h>

#include <utility>

namespace spool::engine {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool all_ascii_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

SseParser::SseParser(EventCallback on_event, ErrorCallback on_error, std::size_t max_event_bytes)
    : on_event_(std::move(on_event)),
      on_error_(std::move(on_error)),
      max_event_bytes_(max_event_bytes) {}

bool SseParser::feed(std::string_view bytes) {
  if (failed_) return false;

  // "One leading U+FEFF BYTE ORDER MARK character must be ignored if any are present." The
  // BOM may itself be split across chunks, so hold back a prefix of it until it is decided.
  std::string joined;
  if (at_stream_start_) {
    while (!bytes.empty() && bom_.size() < kBom.size() && bytes.front() == kBom[bom_.size()]) {
      bom_.push_back(bytes.front());
      bytes.remove_prefix(1);
    }
    if (bom_.size() == kBom.size()) {
      at_stream_start_ = false;
      bom_.clear();
    } else if (bytes.empty()) {
      return true;  // still a possible BOM prefix
    } else {
      // Not a BOM: the held-back bytes are ordinary stream bytes.
      at_stream_start_ = false;
      joined = std::move(bom_);
      bom_.clear();
      joined.append(bytes);
      bytes = joined;
    }
  }

  if (skip_lf_ && !bytes.empty()) {
    skip_lf_ = false;
    if (bytes.front() == '\n') bytes.remove_prefix(1);
  }

  while (!bytes.empty()) {
    std::size_t end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      if (!check_size(line_.size() + bytes.size())) return false;
      line_.append(bytes);
      return true;
    }
    if (!check_size(line_.size() + end)) return false;
    if (line_.empty()) {
      process_line(bytes.substr(0, end));
    } else {
      line_.append(bytes.substr(0, end));
      std::string line = std::move(line_);
      line_.clear();
      process_line(line);
    }
    if (failed_) return false;
    // CRLF is one line end; a CR that ends the chunk may be the first half of one.
    if (bytes[end] == '\r') {
      if (end + 1 == bytes.size()) {
        skip_lf_ = true;
      } else if (bytes[end + 1] == '\n') {
        ++end;
      }
    }
    bytes.remove_prefix(end + 1);
  }
  return true;
}

void SseParser::finish() {
  line_.clear();
  bom_.clear();
  data_.clear();
  event_type_.clear();
  has_data_ = false;
  skip_lf_ = false;
  at_stream_start_ = true;
}

bool SseParser::check_size(std::size_t pending_line_bytes) {
  if (data_.size() + pending_line_bytes <= max_event_bytes_) return true;
  fail(fmt::format("event stream: an event is larger than {} bytes", max_event_bytes_));
  return false;
}

void SseParser::fail(std::string message) {
  failed_ = true;
  error_ = std::move(message);
  line_.clear();
  line_.shrink_to_fit();
  data_.clear();
  data_.shrink_to_fit();
  if (on_error_) on_error_(error_);
}

void SseParser::process_line(std::string_view line) {
  // "If the line is empty (a blank line): Dispatch the event."
  if (line.empty()) {
    dispatch();
    return;
  }
  // "If the line starts with a U+003A COLON character (:): Ignore the line."
  if (line.front() == ':') return;

  // "If the line contains a U+003A COLON character: the field name is the part before the
  // first colon, the value the part after it, minus one leading U+0020 SPACE if present.
  // Otherwise the whole line is the field name and the value is the empty string."
  std::string_view field = line;
  std::string_view value;
  if (std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }

  if (field == "event") {
    event_type_.assign(value);
  } else if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
    has_data_ = true;
  } else if (field == "id") {
    // "If the field value does not contain U+0000 NULL, set the last event ID buffer."
    if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
  } else if (field == "retry") {
    // "If the field value consists of only ASCII digits, set the reconnection time";
    // otherwise ignore the field. Absurdly long values are ignored too.
    if (all_ascii_digits(value) && value.size() <= 15) retry_ms_ = std::stoll(std::string(value));
  }
  // Any other field is ignored.
}

void SseParser::dispatch() {
  // "If the data buffer is an empty string, set the data buffer and the event type buffer to
  // the empty string and return."
  if (!has_data_) {
    data_.clear();
    event_type_.clear();
    return;
  }
  // "If the data buffer's last character is a U+000A LINE FEED (LF) character, then remove
  // the last character from the data buffer."
  data_.pop_back();
  SseEvent event;
  event.type = event_type_.empty() ? std::string("message") : std::move(event_type_);
  event.data = std::move(data_);
  event.id = last_event_id_;
  data_.clear();
  event_type_.clear();
  has_data_ = false;
  on_event_(event);
}

}  // namespace spool::engine
