#include "views/served_history.h"

#include <stdexcept>
#include <string_view>

namespace spool::views {

nlohmann::json served_turns(const std::vector<eventstore::HistoryTurnRow>& rows, bool running) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    nlohmann::json turn = nlohmann::json::parse(rows[i].turn_json);
    const bool last = i + 1 == rows.size();
    if (turn.value("status", "") == "inProgress" && !(running && last)) turn["status"] = "interrupted";
    turn["items"] = nlohmann::json::array();
    for (const auto& [_, item] : rows[i].items) turn["items"].push_back(nlohmann::json::parse(item));
    out.push_back(std::move(turn));
  }
  return out;
}

std::string served_turns_text(const std::vector<eventstore::HistoryTurnRow>& rows, bool running) {
  // A stored turn is one JSON object dumped with "items":[] (see views/projection_hook.cpp).
  // Dumped objects have sorted members and escape every quote inside strings, so the
  // object's own member is the last unescaped `"items":[]` in the text (members after it,
  // startedAt and status, hold no objects).
  static constexpr std::string_view kItems = R"("items":[])";
  std::size_t size = 2;
  for (const auto& row : rows) {
    size += row.turn_json.size() + 1;
    for (const auto& item : row.items) size += item.second.size() + 1;
  }
  std::string out;
  out.reserve(size);
  out += '[';
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i) out += ',';
    std::string turn = rows[i].turn_json;
    const bool last = i + 1 == rows.size();
    // Only an inProgress turn can need its status rewritten: parse just that one.
    if (turn.find(R"("status":"inProgress")") != std::string::npos && !(running && last)) {
      nlohmann::json t = nlohmann::json::parse(turn);
      if (t.value("status", "") == "inProgress") t["status"] = "interrupted";
      t["items"] = nlohmann::json::array();
      turn = t.dump();
    }
    const auto at = turn.rfind(kItems);
    if (at == std::string::npos) {
      throw std::runtime_error("a stored turn has no \"items\":[] member: " + rows[i].turn_id);
    }
    const std::size_t open = at + kItems.size() - 1;  // the position of ']'
    out.append(turn, 0, open);
    for (std::size_t k = 0; k < rows[i].items.size(); ++k) {
      if (k) out += ',';
      out += rows[i].items[k].second;
    }
    out.append(turn, open, std::string::npos);
  }
  out += ']';
  return out;
}

}  // namespace spool::views
