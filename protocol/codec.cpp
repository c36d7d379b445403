#include "protocol/codec.h"

namespace spool::protocol {

std::string DecodeError::message(std::string_view root) const {
  std::string where(root);
  if (!path.empty()) {
    if (!where.empty() && path.front() != '[') where += '.';
    where += path;
  }
  return where.empty() ? expected : fmt::format("{}: {}", where, expected);
}

DecodeException::DecodeException(DecodeError e)
    : std::runtime_error(e.message()), error_(std::move(e)) {}

std::string describe_json(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: {
      std::string s = j.dump();
      if (s.size() > 60) s = s.substr(0, 57) + "...\"";
      return s;
    }
    default: return j.dump();
  }
}

namespace detail {

void Path::push_field(std::string_view name) {
  if (!text_.empty()) text_ += '.';
  text_ += name;
}

void Path::push_index(std::size_t i) { text_ += fmt::format("[{}]", i); }

void Path::push_path(std::string_view inner) {
  if (inner.empty()) return;
  if (!text_.empty() && inner.front() != '[') text_ += '.';
  text_ += inner;
}

void Path::fail(std::string expected) const {
  throw DecodeException(DecodeError{text_, std::move(expected)});
}

}  // namespace detail
}  // namespace spool::protocol
