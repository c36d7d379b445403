// UTF-8 validation and repair through utfcpp (Debian libutfcpp-dev).
#include "base/utf8.h"

#include <utf8.h>

#include <iterator>

namespace spool {

bool is_valid_utf8(std::string_view text) { return utf8::is_valid(text.begin(), text.end()); }

std::string repair_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  utf8::replace_invalid(text.begin(), text.end(), std::back_inserter(out), 0xFFFD);
  return out;
}

}  // namespace spool
