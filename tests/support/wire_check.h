// Helpers for wire-shape tests of protocol types.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "protocol/codec.h"

namespace spool::test {

// Decodes `j` as a T, failing the test (with the decode error) when it does not.
template <class T>
T decode_ok(const nlohmann::json& j) {
  auto r = protocol::decode_value<T>(j);
  INFO(j.dump());
  if (!r.ok()) FAIL(r.error().message());
  return std::move(r).value();
}

// The -32602-style message decoding `text` as a T gives; the test fails if it decodes.
template <class T>
std::string decode_error(const char* text, std::string_view root = "params") {
  auto r = protocol::decode_value<T>(nlohmann::json::parse(text));
  REQUIRE_FALSE(r.ok());
  return r.error().message(root);
}

// Encodes `value`, checks the JSON is exactly `expected`, and that it decodes back to it.
template <class T>
void check_wire(const T& value, const char* expected) {
  const nlohmann::json j = protocol::to_json_value(value);
  CHECK(j == nlohmann::json::parse(expected));
  CHECK(protocol::to_json_value(decode_ok<T>(j)) == j);
}

}  // namespace spool::test
