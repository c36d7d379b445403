// ThreadSummaryFold: what `thread/list` shows of a thread, folded from its events.
//
// Pure: no I/O, no clock. The store runs it inside every append (through the views layer)
// and `spool rebuild` runs the same code over the whole log, so both give the same row.
// Its state is the summary itself, so it folds incrementally: load(save()) then more events
// equals folding everything at once.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "projections/event_view.h"

namespace spool::projections {

struct ThreadSummary {
  // The canonical session_meta's own timestamp (the first session_meta naming this thread).
  std::optional<std::int64_t> created_at_ms;
  // The first user message's text; after "## My request for Codex:" when present (editor
  // preambles put context before it), trimmed; "[Image]" for an image-only message; empty
  // until the thread has a user message. Never truncated.
  std::string preview;
  bool has_user_message = false;
  std::optional<std::string> name;            // latest thread_name_updated
  std::optional<std::string> model_provider;  // session_meta
  std::optional<std::string> cwd;             // session_meta
  std::optional<std::string> source;          // session_meta: "cli", "vscode", "exec", "mcp", "subAgent"...
  std::optional<std::string> originator;      // session_meta
  std::optional<std::string> cli_version;     // session_meta
  std::optional<std::string> forked_from_id;  // session_meta
  std::optional<nlohmann::json> git_info;     // session_meta.git
  std::optional<std::string> model;           // latest turn_context
  std::optional<std::string> reasoning_effort;  // latest turn_context
  std::optional<nlohmann::json> approval_policy;  // latest turn_context
  std::optional<nlohmann::json> sandbox;          // latest turn_context's sandbox_policy
};

// The preview of a user message's text (see ThreadSummary::preview).
std::string preview_of(std::string_view message, bool has_images);

class ThreadSummaryFold {
 public:
  explicit ThreadSummaryFold(std::string thread_id) : thread_id_(std::move(thread_id)) {}

  // Folds one event. Unknown kinds and types are ignored; payloads that are not JSON, or
  // not the expected shape, are skipped.
  void apply(const EventView& e);
  const ThreadSummary& summary() const { return summary_; }

  nlohmann::json save() const;
  static ThreadSummaryFold load(std::string thread_id, const nlohmann::json& state);

 private:
  std::string thread_id_;
  ThreadSummary summary_;
};

}  // namespace spool::projections
