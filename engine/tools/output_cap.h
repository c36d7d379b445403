// OutputCap: the bounded copy of a tool's output that Spool keeps (stores, sends to the model).
//
// It keeps the first `head` bytes and the last `tail` bytes of a byte stream and counts every
// byte; the middle is dropped as it arrives, so memory never exceeds head + tail bytes however
// much a command prints. text() renders the kept bytes as valid UTF-8 with a marker where bytes
// were dropped. It is not a stream reader: the caller feeds it chunks (ShellRunner does).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace spool::engine {

class OutputCap {
 public:
  static constexpr std::size_t kDefaultHeadBytes = 10 * 1024;
  static constexpr std::size_t kDefaultTailBytes = 10 * 1024;

  explicit OutputCap(std::size_t head_bytes = kDefaultHeadBytes,
                     std::size_t tail_bytes = kDefaultTailBytes);

  // Adds `bytes` (any bytes, not necessarily UTF-8) at the end of the stream.
  void append(std::string_view bytes);

  // Every byte ever appended, kept or not.
  std::uint64_t total_bytes() const { return total_; }
  // True when some bytes were dropped (total_bytes() > head + tail).
  bool truncated() const { return total_ > head_limit_ + tail_limit_; }
  // Bytes currently held (at most head + tail).
  std::size_t held_bytes() const { return head_.size() + tail_len_; }

  // The kept bytes, unchanged (head, then tail in order). When !truncated() this is the whole
  // stream.
  std::string raw() const;

  // The kept output as valid UTF-8. When nothing was dropped: the whole stream. Otherwise:
  //   head + "\n[... {elided} bytes elided ...]\n" + tail
  // where a multi-byte character cut by either cut point is dropped whole (and counted in
  // `elided`), and any other ill-formed sequence becomes U+FFFD.
  std::string text() const;

 private:
  std::string tail_linear() const;

  std::size_t head_limit_;
  std::size_t tail_limit_;
  std::string head_;
  std::string tail_ring_;       // tail_limit_ bytes once used; tail_len_ of them valid
  std::size_t tail_start_ = 0;  // index of the oldest tail byte in tail_ring_
  std::size_t tail_len_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace spool::engine
