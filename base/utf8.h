// UTF-8 repair for text that comes from tools and files Spool does not control.
#pragma once

#include <string>
#include <string_view>

namespace spool {

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Returns `text` with every ill-formed sequence replaced by U+FFFD. Valid text is returned
// unchanged. Never throws on bad input.
std::string repair_utf8(std::string_view text);

}  // namespace spool
