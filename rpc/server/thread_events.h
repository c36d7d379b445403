// The events the thread methods append, in the shapes Codex's rollouts use (so an export
// writes them back as Codex would) or, for Spool's own facts, kind "spool".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "eventstore/event.h"
#include "rpc/server/thread_settings.h"

namespace spool::rpc::thread_events {

struct SessionMeta {
  std::string thread_id;
  std::int64_t ts_ms = 0;
  std::string cwd;
  std::string originator;   // the client's name from initialize
  std::string cli_version;  // Spool's version
  std::string model;
  std::string model_provider;
  std::optional<std::string> forked_from_id;
};

// session_meta, with source "vscode" as Codex's app-server writes for its threads, and the
// thread's first model (Codex keeps it only in turn_context; readers ignore the extra key).
eventstore::NewEvent session_meta(const SessionMeta& meta);
// turn_context: the settings later turns run with.
eventstore::NewEvent turn_context(const ThreadSettings& settings, std::int64_t ts_ms);
// event_msg thread_name_updated.
eventstore::NewEvent name_updated(const std::string& thread_id, const std::string& name);
// spool thread_archived / thread_unarchived.
eventstore::NewEvent archive_flag(bool archived);
// spool thread_forked: this thread's history begins with the parent's lineage through
// `through_seq` (see Store::read_lineage).
eventstore::NewEvent forked(const std::string& parent_id, std::int64_t through_seq);
// event_msg thread_rolled_back: the last `num_turns` turns leave the history.
eventstore::NewEvent rolled_back(std::int64_t num_turns);

}  // namespace spool::rpc::thread_events
