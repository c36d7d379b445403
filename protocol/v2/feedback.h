// feedback/upload: a user's feedback report about a thread, and the answer naming it.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "protocol/codec.h"

namespace spool::protocol::v2 {

// NOLINTBEGIN(readability-identifier-naming): wire names

// Codex 0.169 field not modelled: extraLogFiles (Spool attaches no files).
// Codex 0.60.1 named the thread `conversationId`; that spelling is not read.
struct FeedbackUploadParams {
  std::string classification;  // "bug", "bad_result", "good_result", ... (free text)
  std::optional<std::string> reason;
  std::optional<std::string> threadId;  // the thread the feedback is about
  Defaulted<bool> includeLogs;          // attach the server's recent log lines
  std::optional<std::map<std::string, std::string>> tags;
};
SPOOL_STRUCT(FeedbackUploadParams, "v2", classification, reason, threadId, includeLogs, tags)

// Spool answers threadId with the thread the report is about, or (like Codex's
// "no-active-thread-<uuid>") with the report's own id when it names none; feedbackId is
// Spool's addition (Codex's schema allows extra fields): the id the report is stored under.
struct FeedbackUploadResponse {
  std::string threadId;
  // SHA-256 of the session's whitespace-normalized base instructions; null when unknown.
  std::optional<std::string> promptHash;
  std::string feedbackId;
};
SPOOL_STRUCT(FeedbackUploadResponse, "v2", threadId, promptHash, feedbackId)

// NOLINTEND(readability-identifier-naming)

}  // namespace spool::protocol::v2
