// OutputCap: head bytes in a string, tail bytes in a ring buffer, UTF-8 repaired on text().
#include "engine/tools/output_cap.h"

#include <algorithm>

#include "base/utf8.h"
#include "fmt/format.h"

namespace spool::engine {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length a UTF-8 lead byte announces, 0 for a byte that cannot start a sequence.
std::size_t sequence_length(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 0;
}

// Bytes at the end of `s` that are the start of a character cut short (0 if none).
std::size_t cut_suffix(std::string_view s) {
  std::size_t n = 0;
  while (n < 3 && n < s.size() && is_continuation(static_cast<unsigned char>(s[s.size() - 1 - n])))
    ++n;
  if (n == s.size()) return 0;
  const std::size_t lead_at = s.size() - 1 - n;
  const std::size_t want = sequence_length(static_cast<unsigned char>(s[lead_at]));
  return want > n + 1 ? n + 1 : 0;
}

// Continuation bytes at the start of `s` left over from a character cut short (at most 3).
std::size_t cut_prefix(std::string_view s) {
  std::size_t n = 0;
  while (n < 3 && n < s.size() && is_continuation(static_cast<unsigned char>(s[n]))) ++n;
  return n;
}

}  // namespace

OutputCap::OutputCap(std::size_t head_bytes, std::size_t tail_bytes)
    : head_limit_(head_bytes), tail_limit_(tail_bytes) {}

void OutputCap::append(std::string_view bytes) {
  total_ += bytes.size();
  if (head_.size() < head_limit_) {
    const std::size_t n = std::min(bytes.size(), head_limit_ - head_.size());
    head_.append(bytes.substr(0, n));
    bytes.remove_prefix(n);
  }
  if (bytes.empty() || tail_limit_ == 0) return;
  if (tail_ring_.size() != tail_limit_) tail_ring_.resize(tail_limit_);
  if (bytes.size() >= tail_limit_) {
    bytes = bytes.substr(bytes.size() - tail_limit_);
    std::copy(bytes.begin(), bytes.end(), tail_ring_.begin());
    tail_start_ = 0;
    tail_len_ = tail_limit_;
    return;
  }
  // Shorter than the ring: write after the newest byte (wrapping), dropping the oldest.
  const std::size_t end = (tail_start_ + tail_len_) % tail_limit_;
  const std::size_t first = std::min(bytes.size(), tail_limit_ - end);
  std::copy(bytes.begin(), bytes.begin() + first, tail_ring_.begin() + end);
  std::copy(bytes.begin() + first, bytes.end(), tail_ring_.begin());
  const std::size_t len = tail_len_ + bytes.size();
  if (len > tail_limit_) {
    tail_start_ = (tail_start_ + (len - tail_limit_)) % tail_limit_;
    tail_len_ = tail_limit_;
  } else {
    tail_len_ = len;
  }
}

std::string OutputCap::tail_linear() const {
  std::string out;
  out.reserve(tail_len_);
  const std::size_t first = std::min(tail_len_, tail_limit_ - tail_start_);
  out.append(tail_ring_, tail_start_, first);
  out.append(tail_ring_, 0, tail_len_ - first);
  return out;
}

std::string OutputCap::raw() const { return head_ + tail_linear(); }

std::string OutputCap::text() const {
  if (!truncated()) return repair_utf8(raw());
  std::string_view head = head_;
  const std::string tail_bytes = tail_linear();
  std::string_view tail = tail_bytes;
  head.remove_suffix(cut_suffix(head));
  tail.remove_prefix(cut_prefix(tail));
  const std::uint64_t elided = total_ - head.size() - tail.size();
  return fmt::format("{}\n[... {} bytes elided ...]\n{}", repair_utf8(head), elided,
                     repair_utf8(tail));
}

}  // namespace spool::engine
