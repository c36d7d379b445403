// JSON samples of every protocol type, built from its description: a minimal one (nulls,
// empty arrays) and a full one (every optional set, one element per array) per struct, one
// per enum value, and those of each alternative for a union.
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

#include "protocol/describe.h"

namespace spool::test {

std::vector<nlohmann::json> samples_of(const protocol::TypeDesc& d);

}  // namespace spool::test
