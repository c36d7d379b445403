// A thread's stored history projection as JSON (turns with their items), for tests that
// compare it with a fold, a rebuild or another store.
#pragma once

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>

#include "eventstore/store.h"

namespace spool::test {

inline nlohmann::json stored_history(eventstore::Store& s, const std::string& thread_id) {
  auto h = s.read_history(thread_id);
  REQUIRE(h.ok());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : h.value()) {
    nlohmann::json turn = nlohmann::json::parse(t.turn_json);
    for (const auto& [item_id, item] : t.items) {
      const nlohmann::json j = nlohmann::json::parse(item);
      CHECK(j["id"] == item_id);  // the row's id column agrees with the item it holds
      turn["items"].push_back(j);
    }
    out.push_back(turn);
  }
  return out;
}

}  // namespace spool::test
