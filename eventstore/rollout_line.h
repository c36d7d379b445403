// One line of a Codex rollout file, as the importer reads it and the exporter writes it:
// {"timestamp":"<RFC 3339>", ["ordinal":N,] "type":"<kind>", "payload":{...}}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "eventstore/event.h"

namespace spool::eventstore {

// Parses one line (without its newline). Invalid UTF-8 is repaired first. Fails, with a
// short reason ("invalid JSON", "no \"type\"", ...), when the line is not a rollout line.
// The event's payload is the line's payload JSON; its line_extras are the line's other
// top-level fields plus the original timestamp text when it would not print back the same.
Result<NewEvent, std::string> parse_rollout_line(std::string_view line);

// Writes an event back as a rollout line (no newline).
std::string format_rollout_line(const StoredEvent& e);

// A hash and the length of a rollout file's first line; with the file's thread id, the
// file's identity, which survives the file being moved.
std::string rollout_identity(std::string_view first_line);

// The thread id a session_meta payload names ({"id": ...}), if any.
std::optional<std::string> session_meta_id(std::string_view payload);

// The UUID in a rollout file name ("rollout-2026-...-<uuid>.jsonl"), if any.
std::optional<std::string> uuid_in_file_name(std::string_view file_name);

}  // namespace spool::eventstore
