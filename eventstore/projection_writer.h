// ProjectionWriter: what a projection hook may write, inside the append transaction.
//
// The store owns every SQL statement; hooks fold events (projections/) and hand the store
// the results through this interface, so events and views commit together or not at all.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventstore/event.h"

namespace spool::eventstore {

// The thread-list columns of a thread's row (see migrations/0003_thread_list.sql).
struct ThreadSummaryColumns {
  std::optional<std::int64_t> created_at_ms;  // replaces the first event's time when set
  std::string preview;
  std::optional<std::string> name;
  std::optional<std::string> model_provider;
  std::optional<std::string> model;
  std::optional<std::string> reasoning_effort;
  std::optional<std::string> approval_policy;  // JSON
  std::optional<std::string> sandbox;          // JSON
  std::optional<std::string> cwd;
  std::optional<std::string> source;
  std::optional<std::string> originator;
  std::optional<std::string> cli_version;
  std::optional<std::string> forked_from_id;
  std::optional<std::string> git_info;  // JSON
};

// One turn of the history projection, ready to serve.
struct HistoryTurnRow {
  std::string turn_id;
  std::string turn_json;  // v2 Turn with "items": []
  std::vector<std::pair<std::string, std::string>> items;  // (item id, v2 ThreadItem JSON)
};

class ProjectionWriter {
 public:
  virtual ~ProjectionWriter() = default;
  // A fold's saved state for the thread, or nullopt before its first event.
  virtual std::optional<std::string> load_state(std::string_view thread_id,
                                                std::string_view projection) = 0;
  virtual void save_state(std::string_view thread_id, std::string_view projection,
                          std::string_view state) = 0;
  virtual void write_summary(std::string_view thread_id, const ThreadSummaryColumns& s) = 0;
  // Replaces the thread's turns from `first_ordinal` on (and their items) with `turns`,
  // which become ordinals first_ordinal, first_ordinal + 1, ...; later turns are dropped.
  virtual void replace_turns_from(std::string_view thread_id, std::int64_t first_ordinal,
                                  const std::vector<HistoryTurnRow>& turns) = 0;
  // Visits the thread's own events with seq <= through_seq, in seq order (not its parent's:
  // see read_lineage). A hook that keeps its folds in memory refolds with it when what it
  // holds is not the thread's latest state.
  virtual void read_events(std::string_view thread_id, std::int64_t through_seq,
                           const std::function<void(const StoredEvent&)>& visit) = 0;
  // Visits another thread's lineage (see Store::read_lineage) up to its own seq
  // `through_seq`, in order, each event with its own thread_id: what a fork's history
  // begins with. An unknown thread visits nothing.
  virtual void read_lineage(std::string_view thread_id, std::int64_t through_seq,
                            const std::function<void(const StoredEvent&)>& visit) = 0;
};

}  // namespace spool::eventstore
