// LineFramer: see line_framer.h. The fast path hands lines that lie entirely inside one
// feed() straight to on_line without copying; only a line split across reads is buffered.
#include "rpc/line_framer.h"

#include <cassert>
#include <utility>

namespace spool::rpc {

LineFramer::LineFramer(OnLine on_line, OnOverflow on_overflow, std::size_t max_line_bytes)
    : on_line_(std::move(on_line)), on_overflow_(std::move(on_overflow)), max_(max_line_bytes) {
  assert(max_ > 0);
}

void LineFramer::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const std::size_t nl = bytes.find('\n');
    if (discarding_) {
      if (nl == std::string_view::npos) return;  // the whole chunk belongs to the long line
      discarding_ = false;
      bytes.remove_prefix(nl + 1);
      continue;
    }
    if (nl == std::string_view::npos) {
      if (bytes.size() > max_ - pending_.size()) {
        // Over the cap before its end: report now, then skip to the next '\n'.
        pending_.clear();
        pending_.shrink_to_fit();
        discarding_ = true;
        on_overflow_();
      } else {
        pending_.append(bytes);
      }
      return;
    }
    const std::string_view head = bytes.substr(0, nl);
    bytes.remove_prefix(nl + 1);
    if (head.size() > max_ - pending_.size()) {
      pending_.clear();
      pending_.shrink_to_fit();
      on_overflow_();
    } else if (pending_.empty()) {
      emit(head);
    } else {
      pending_.append(head);
      // Move out first so the framer is consistent even if on_line throws.
      std::string line = std::move(pending_);
      pending_.clear();
      emit(line);
    }
  }
}

void LineFramer::finish() {
  discarding_ = false;  // the overflow was reported when it happened
  if (pending_.empty()) return;
  std::string line = std::move(pending_);
  pending_.clear();
  emit(line);
}

void LineFramer::emit(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;  // blank
  on_line_(line);
}

}  // namespace spool::rpc
