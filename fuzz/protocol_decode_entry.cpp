// protocol_decode: arbitrary JSON decoded as every method's params and result type.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "fuzz/entry_points.h"
#include "fuzz/type_roundtrip.h"
#include "protocol/methods.h"

namespace spool::fuzz {
namespace {

using nlohmann::json;

// Every params and result type named in the method tables, each with a label for messages.
struct Target {
  std::string label;  // "thread/start params"
  protocol::TypeRef type;
};

std::vector<Target> all_targets() {
  std::vector<Target> out;
  for (const auto* table : {&protocol::client_requests(), &protocol::client_notifications(),
                            &protocol::server_notifications(), &protocol::server_requests()}) {
    for (const auto& m : *table) {
      if (m.params) out.push_back({std::string(m.method) + " params", *m.params});
      if (m.result) out.push_back({std::string(m.method) + " result", *m.result});
    }
  }
  return out;
}

void check_one(const Target& t, const json& in) {
  std::string error;
  const json once = roundtrip(t.type, in, &error);
  if (!error.empty()) return;  // refused with a message: fine
  std::string text;
  try {
    text = once.dump();
  } catch (const json::exception& e) {
    throw InvariantViolation(t.label + ": the encoding does not dump: " + e.what());
  }
  const json twice = roundtrip(t.type, once, &error);
  if (!error.empty()) {
    throw InvariantViolation(t.label + ": its own encoding " + text +
                             " does not decode: " + error);
  }
  if (twice != once) {
    throw InvariantViolation(t.label + ": decode(encode) changed " + text + " into " +
                             twice.dump());
  }
}

}  // namespace

void protocol_decode(std::span<const std::uint8_t> data) {
  static const std::vector<Target> targets = all_targets();
  const json in = json::parse(data.begin(), data.end(), nullptr, /*allow_exceptions=*/false);
  if (in.is_discarded()) return;
  for (const auto& t : targets) check_one(t, in);
}

}  // namespace spool::fuzz
