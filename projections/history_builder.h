// HistoryBuilder: a thread's history as v2 Turns and ThreadItems, folded from its events.
//
// Pure: no I/O, no clock. The store runs it inside every append and `spool rebuild` runs
// the same code over the whole log, so both give the same turns. Its state is serializable
// (save/load), so the store can fold incrementally: load(save()) then more events gives the
// same turns() as folding everything at once.
//
// Code: history_builder.cpp (dispatch, turns, messages, v2 items), history_tools.cpp (tool
// items), history_state.cpp (turns(), save(), load()), history_convert.h with
// history_convert.cpp and history_commands.cpp (payload conversions).
//
// What it reads (the rules; the .cpp files have the details):
// - Turns: task_started opens an explicit turn (inProgress); task_complete completes it (a
//   late one completes the turn it names, and any earlier turn still inProgress), or fails
//   it when it carries an error; turn_aborted interrupts the named (or current) turn; an
//   `error` event fails the current turn. Without task_started (legacy rollouts), each user
//   message opens an implicit turn with id "turn-<seq>", status completed.
//   thread_rolled_back {num_turns} drops the last turns from the view.
// - Items, in three families:
//   * Codex's events: user_message / agent_message / agent_reasoning (0.60.1) and core
//     item_completed TurnItems (0.169); a legacy event and a core item describing the same
//     message in the same turn count once. Consecutive legacy reasoning parts merge into one
//     reasoning item; core reasoning items stay separate by id.
//   * Tools: exec_command_*, patch_apply_*, mcp_tool_call_*, web_search_*,
//     view_image_tool_call events, and the response items function_call / custom_tool_call
//     / local_shell_call with their outputs (the only record of a command in 0.60.1
//     rollouts, and of a declined one in 0.169). Upserted by call id; an event naming a
//     turn attaches its item there, even when it completes late.
//   * v2 items: event_msg item_started / item_completed whose "item" is a v2 ThreadItem
//     (camelCase type; what Spool records itself). Once a thread has them, they are its
//     items exactly as streamed (same ids, order, final fields) and the other two families
//     are ignored from then on (and dropped from the turn where the first one appears).
// - Ids: the producer's (core item ids, call ids, v2 ids) when the events carry them, else
//   "item-<seq>" of the event that created the item: stable across rebuilds.
// - Times: turn startedAt / completedAt in Unix seconds and durationMs from the events
//   (their own fields when present, else the event times); item startedAtMs /
//   completedAtMs from item_completed's fields when present, else the event times.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "projections/event_view.h"
#include "protocol/v2/items.h"
#include "protocol/v2/thread.h"

namespace spool::projections {

class HistoryBuilder {
 public:
  // Folds one event. Unknown kinds and types are ignored; payloads that are not JSON, or
  // not of the expected shape, are skipped. Never throws on event content.
  void apply(const EventView& e);

  // The turns in order from position `from`, rolled-back turns removed. A turn is
  // inProgress only while its task_started has had no task_complete / turn_aborted; the
  // caller decides how to serve an inProgress turn of a thread that is not running.
  std::vector<protocol::v2::Turn> turns(std::size_t from = 0) const;

  // The position of the first turn that apply() added, changed or rolled back since this
  // builder was made (or loaded, or forget_changes() was called); nullopt when none. A
  // stored copy of the turns is brought up to date by replacing its turns from there on
  // with turns(*first_changed_turn()) and dropping any beyond them. Conservative: it may
  // name a turn whose content ended up the same. Not part of save().
  std::optional<std::size_t> first_changed_turn() const;
  void forget_changes() { changed_from_ = kNoChange; }

  // The fold's whole state as JSON. load() reads what save() wrote and throws
  // std::invalid_argument on anything else (the caller should then refold from the log).
  nlohmann::json save() const;
  static HistoryBuilder load(const nlohmann::json& state);

  // Where an item came from (see the file comment); decides pairing and the v2 rule.
  enum class ItemSource { kLegacy, kCore, kTool, kMarker, kV2 };

  struct ItemState {
    protocol::v2::ThreadItem item;
    ItemSource source = ItemSource::kTool;
    bool paired = false;             // a legacy event and a core item both described it
    bool completed = false;          // a v2 item_completed (or an end event) has been seen
    std::int64_t summary_parts = 0;  // legacy reasoning parts matched against a core item
    std::int64_t content_parts = 0;
  };

  struct TurnState {
    std::string id;
    bool explicit_turn = false;   // opened by task_started
    bool saw_compaction = false;  // a "compacted" line fell in it
    bool v2_items = false;        // holds v2 items (and then only those)
    protocol::v2::TurnStatus status = protocol::v2::TurnStatus::Completed;
    std::optional<protocol::v2::TurnError> error;
    std::optional<std::int64_t> started_at;    // Unix seconds
    std::optional<std::int64_t> completed_at;  // Unix seconds
    std::optional<std::int64_t> duration_ms;
    std::optional<std::int64_t> started_ms;  // the opening event's time, for durations
    std::vector<ItemState> items;
  };

 private:
  // history_builder.cpp: dispatch, turns, Codex's message events and core items, v2 items.
  void apply_event_msg(const EventView& e, std::string_view type, const nlohmann::json& p);
  void apply_core_item(const EventView& e, bool completed, const nlohmann::json& p);
  void apply_v2_item(const EventView& e, bool completed, const nlohmann::json& p);
  void apply_legacy_user_message(const EventView& e, const nlohmann::json& p);
  void apply_legacy_agent_message(const EventView& e, const nlohmann::json& p);
  void apply_legacy_reasoning(const EventView& e, const std::optional<std::string>& turn_id,
                              const std::string& text, bool summary);
  void start_turn(const EventView& e, const nlohmann::json& p);
  void complete_turn(const EventView& e, const nlohmann::json& p);
  void abort_turn(const EventView& e, const nlohmann::json& p);
  void fail_turn(const EventView& e, const nlohmann::json& p);
  void roll_back(const nlohmann::json& p);

  // history_tools.cpp: tool events, and tool calls recorded only as response items.
  void apply_tool_event(const EventView& e, std::string_view type, const nlohmann::json& p);
  void apply_response_item(const EventView& e, std::string_view type, const nlohmann::json& p);
  void add_call(const EventView& e, const std::optional<std::string>& turn_id,
                std::string_view name, const nlohmann::json& args, const std::string& call_id);
  void add_patch(const EventView& e, const std::optional<std::string>& turn_id,
                 const std::string& call_id, const std::string& patch);
  void apply_tool_output(const EventView& e, const std::string& call_id, const std::string& output);

  TurnState* find_turn(std::string_view id);
  bool dropped(const std::optional<std::string>& turn_id) const;
  TurnState* current();
  TurnState& open_implicit_turn(const EventView& e);
  // The turn an item event belongs to: the kept turn it names, else the current turn,
  // else a new implicit one; nullptr when it names a rolled-back turn. (Codex's own turn
  // ids in events are not always turn ids, 0.60.1 wrote sub ids like "0": an unknown one
  // falls back to the current turn.)
  TurnState* target_turn(const EventView& e, const std::optional<std::string>& turn_id);
  // As target_turn, for a user message: outside explicit turns it opens a new implicit turn.
  TurnState* user_turn(const EventView& e, const std::optional<std::string>& turn_id);
  // Replaces the item with the same id wherever it is (keeping its turn and position), or
  // appends it to target_turn(e, turn_id).
  void place(const EventView& e, const std::optional<std::string>& turn_id, ItemState item);
  std::pair<TurnState*, ItemState*> find_item(std::string_view id);
  // Records that `t` (may be null) is about to change; returns it. Every accessor above
  // that hands out a turn for changing goes through it.
  TurnState* touch(TurnState* t);

  std::vector<TurnState> turns_;
  bool open_ = false;                          // the last turn is the current one
  bool v2_items_ = false;                      // the thread has v2 items: only those count
  std::optional<std::string> cwd_;             // latest turn_context (else session_meta) cwd
  std::vector<std::string> dropped_turn_ids_;  // rolled back: late events for them are ignored
  static constexpr std::size_t kNoChange = static_cast<std::size_t>(-1);
  std::size_t changed_from_ = kNoChange;  // see first_changed_turn()
};

}  // namespace spool::projections
