// The text `spool status` prints for people: who is signed in, the model, and the newest
// rate limits with usage bars, in the spirit of the Codex CLI's /status card.
//
// Pure: no I/O, no clock of its own (the caller passes `now`). Local times go through
// localtime_r, so TZ applies. Gathering the input (auth.json, config, the stored snapshot) is
// status_command.cpp's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/v2/account.h"

namespace spool::app {

struct StatusAccount {
  enum class Kind { None, ApiKey, Chatgpt };
  Kind kind = Kind::None;
  std::optional<std::string> email;  // Chatgpt only
  std::optional<std::string> plan;   // Chatgpt only: "plus" or "Plus"; shown title-cased
  // Why the account could not be read (e.g. auth.json unreadable): shown instead of it.
  std::optional<std::string> problem;
};

struct StatusInput {
  StatusAccount account;
  std::string model;
  std::string model_provider;
  std::optional<protocol::v2::RateLimitSnapshot> rate_limits;  // the newest stored
  std::optional<std::int64_t> rate_limits_observed_at_ms;      // when it arrived (UTC ms)
};

// Renders one "Label:  value" line per item, values aligned, each line ending in '\n':
//   Account:       ChatGPT (me@example.com, Plus)     | API key | not signed in | <problem>
//   Model:         gpt-5-codex (openai)
//   5h limit:      [███░░░░░░░░░░░░░░░░░] 13% used (resets 14:05)
//   Weekly limit:  [████████░░░░░░░░░░░░] 40% used (resets 09:30 on 5 Mar)
//   Credits:       43 credits                          | unlimited
//   Limits as of:  2026-03-02 13:00 (5 minutes ago)
// An API-key account is only ever "API key": the input carries no key.
// Windows: the label comes from windowDurationMins (300 "5h", 1440 "Daily", 10080 "Weekly",
// 28 to 31 days "Monthly", 365 days "Annual", within 3 minutes; else "<N>d" for whole days
// from two days on, "<N>h" for whole hours or beyond two days, "<N>m" otherwise; unknown:
// "Primary" / "Secondary") + " limit". The bar has `bar_width` cells (at least 1), filled
// for usedPercent clamped to 0..100 and rounded to whole cells. "(resets HH:MM)" is in local
// time when resetsAt is set, with " on D Mon" when that is not today (local) at `now_ms`.
// Credits: a line only when reported with hasCredits or unlimited: "unlimited", else the
// decimal balance rounded half away from zero ("42.5" -> "43 credits"); no line when the
// balance is missing, not a number or not positive (as Codex).
// No snapshot (or one with nothing to show and no observed time): "Limits:  not reported yet
// (they arrive with the first model response)"; a snapshot with nothing to show and an
// observed time: "Limits:  none in the last report".
// "Limits as of" is printed when rate_limits_observed_at_ms is set and there is a snapshot.
std::string render_status(const StatusInput& in, std::int64_t now_ms, int bar_width = 20);

}  // namespace spool::app
