// Decoding a JSON value through a protocol::TypeRef (a method table entry's params or
// result type) without knowing the C++ type at compile time.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "protocol/describe.h"

namespace spool::fuzz {

// Decodes `in` as the type `ref` names and encodes the result again, as the codec's
// decode_value / to_json_value do for that type. On failure returns null and sets *error
// to why; on success leaves *error empty. Named types use TypeDesc::roundtrip; Nullable
// accepts null; the scalar, Json, Array and Map kinds (which no method table uses at the
// top level today) check the JSON kind only.
nlohmann::json roundtrip(const protocol::TypeRef& ref, const nlohmann::json& in,
                         std::string* error);

}  // namespace spool::fuzz
