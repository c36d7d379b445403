#include "fuzz/type_roundtrip.h"

namespace spool::fuzz {

using nlohmann::json;
using Kind = protocol::TypeRef::Kind;

json roundtrip(const protocol::TypeRef& ref, const json& in, std::string* error) {
  error->clear();
  auto fail = [&](const char* what) {
    *error = what;
    return json();
  };
  switch (ref.kind) {
    case Kind::Named:
      return ref.named().roundtrip(in, error);
    case Kind::Nullable:
      return in.is_null() ? json() : roundtrip(*ref.inner, in, error);
    case Kind::Json:
      return in;
    case Kind::String:
      return in.is_string() ? in : fail("expected a string");
    case Kind::Bool:
      return in.is_boolean() ? in : fail("expected a boolean");
    case Kind::Integer:
      return in.is_number_integer() ? in : fail("expected an integer");
    case Kind::Number:
      return in.is_number() ? in : fail("expected a number");
    case Kind::Array:
      return in.is_array() ? in : fail("expected an array");
    case Kind::Map:
      return in.is_object() ? in : fail("expected an object");
  }
  return fail("unknown TypeRef kind");
}

}  // namespace spool::fuzz
