// LineFramer: splits a byte stream into lines, the framing of newline-delimited JSON-RPC.
//
// The transports (stdio, Unix socket, TCP) feed whatever bytes each read returns; the framer
// keeps an incomplete line across feed() calls and calls on_line once per complete line.
// Memory stays bounded by max_line_bytes: a longer line is reported once through
// on_overflow as soon as the cap is exceeded, and its remaining bytes are discarded,
// without buffering them, up to the next '\n'. Framing then resumes with the next line.
//
// Line rules:
//   - a line ends at '\n'; one trailing '\r' is stripped, so CRLF works;
//   - the cap counts the bytes before the '\n', including a '\r' that will be stripped;
//   - blank lines (empty, or only spaces, tabs and '\r') are skipped;
//   - every other byte, NUL included, is kept as is (the JSON parser judges it);
//   - finish() at EOF reports a last line without a trailing '\n' as a line: a client that
//     writes one message and closes its end without a newline is still answered. (A torn
//     last line then gets a parse error, which a client that closed cannot read anyway.)
//
// Threading: not thread-safe; REQUIRES: all calls on one thread (the loop thread). The
// callbacks must not call feed() or finish() on the same framer.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace spool::rpc {

class LineFramer {
 public:
  static constexpr std::size_t kDefaultMaxLineBytes = std::size_t{64} << 20;  // 64 MiB

  // `line` is valid only during the call.
  using OnLine = std::function<void(std::string_view line)>;
  using OnOverflow = std::function<void()>;

  // REQUIRES: max_line_bytes > 0.
  LineFramer(OnLine on_line, OnOverflow on_overflow,
             std::size_t max_line_bytes = kDefaultMaxLineBytes);

  // Consumes `bytes`, calling on_line / on_overflow for what they complete.
  void feed(std::string_view bytes);

  // End of stream: reports a pending line without '\n' (see above) and resets the framer.
  void finish();

  std::size_t max_line_bytes() const { return max_; }
  // Bytes held for an incomplete line; never more than max_line_bytes().
  std::size_t buffered_bytes() const { return pending_.size(); }
  // True while the rest of an oversized line is being skipped.
  bool discarding() const { return discarding_; }

 private:
  void emit(std::string_view line);

  OnLine on_line_;
  OnOverflow on_overflow_;
  std::size_t max_;
  std::string pending_;  // the start of the current line, when it spans feed() calls
  bool discarding_ = false;
};

}  // namespace spool::rpc
