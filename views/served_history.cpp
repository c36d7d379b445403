#include "views/served_history.h"

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

}  // namespace spool::views
