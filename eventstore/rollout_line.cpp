// Rollout line parsing and formatting. The payload is kept as the exact bytes of the line's
// "payload" value (after UTF-8 repair), so nothing about it changes: not key order, not
// number spelling.
#include "eventstore/rollout_line.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <simdjson.h>

#include <regex>

#include "base/time.h"
#include "base/utf8.h"

namespace spool::eventstore {
namespace {

using nlohmann::json;

std::optional<std::string> string_field(const json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::size_t skip_ws(std::string_view s, std::size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

// REQUIRES: s[i] == '"'. Returns the index just past the closing quote.
std::size_t skip_string(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return s.size();
}

// Returns the index just past the JSON value starting at i.
std::size_t skip_value(std::string_view s, std::size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = skip_string(s, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
         s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
    ++i;
  return i;
}

// The exact text of the value of top-level `key` in a JSON object already known to be
// valid: the first one, compared unescaped, as simdjson's lookup finds it (so a line with
// a duplicate key stores the payload its envelope fields were read from).
std::optional<std::string_view> top_level_value(std::string_view s, std::string_view key) {
  std::size_t i = skip_ws(s, 0);
  if (i >= s.size() || s[i] != '{') return std::nullopt;
  i = skip_ws(s, i + 1);
  while (i < s.size() && s[i] == '"') {
    const std::size_t key_end = skip_string(s, i);
    std::string_view k = s.substr(i + 1, key_end - i - 2);
    std::string unescaped;
    if (k.find('\\') != std::string_view::npos) {
      const json parsed = json::parse(s.substr(i, key_end - i), nullptr, false);
      if (parsed.is_string()) unescaped = parsed.get<std::string>();
      k = unescaped;
    }
    i = skip_ws(s, key_end);
    if (i >= s.size() || s[i] != ':') return std::nullopt;
    const std::size_t value_begin = skip_ws(s, i + 1);
    const std::size_t value_end = skip_value(s, value_begin);
    if (k == key) return s.substr(value_begin, value_end - value_begin);
    i = skip_ws(s, value_end);
    if (i < s.size() && s[i] == ',') i = skip_ws(s, i + 1);
  }
  return std::nullopt;
}

}  // namespace

namespace {

// Parses `text` with simdjson (one parser per thread, reused). Fails on invalid JSON and
// on invalid UTF-8 anywhere in it.
simdjson::error_code parse_fast(std::string_view text, simdjson::dom::element& out) {
  thread_local simdjson::dom::parser parser;
  return parser.parse(text.data(), text.size(), /*realloc_if_needed=*/true).get(out);
}

std::optional<std::string> string_member(simdjson::dom::element obj, const char* key) {
  std::string_view v;
  if (obj[key].get_string().get(v) != simdjson::SUCCESS) return std::nullopt;
  return std::string(v);
}

}  // namespace

Result<NewEvent, std::string> parse_rollout_line(std::string_view line) {
  std::string repaired;
  simdjson::dom::element doc;
  auto error = parse_fast(line, doc);
  if (error == simdjson::UTF8_ERROR) {
    repaired = repair_utf8(line);
    line = repaired;
    error = parse_fast(line, doc);
  }
  if (error) return std::string("invalid JSON");
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return std::string("not a JSON object");
  auto kind = string_member(doc, "type");
  if (!kind || kind->empty()) return std::string("no \"type\"");
  simdjson::dom::element payload;
  if (doc["payload"].get(payload) != simdjson::SUCCESS) return std::string("no \"payload\"");
  auto stamp = string_member(doc, "timestamp");
  if (!stamp) return std::string("no \"timestamp\"");
  const auto ts = parse_rfc3339_ms(*stamp);
  if (!ts) return std::string("invalid \"timestamp\"");

  NewEvent e;
  e.kind = std::move(*kind);
  e.ts_ms = *ts;
  if (payload.is_object()) {
    e.type = string_member(payload, "type");
    e.turn_id = string_member(payload, "turn_id");
  }
  const auto raw_payload = top_level_value(line, "payload");
  e.payload = raw_payload ? std::string(*raw_payload) : simdjson::to_string(payload);
  e.payload_checked = true;  // parsed above, after UTF-8 repair
  // The line's other fields, and the timestamp's text when it would not print back the same.
  std::string extras = "{";
  for (auto field : obj) {
    if (field.key == "timestamp" || field.key == "type" || field.key == "payload") continue;
    if (extras.size() > 1) extras += ',';
    extras += json(std::string(field.key)).dump() + ":" + simdjson::to_string(field.value);
  }
  // "2026-11-24T06:18:43.540Z" is what format_rfc3339_ms prints; anything else is kept.
  // Text of that shape prints back the same once parsed, except a leap second ("60"
  // seconds parses as the next minute), hence the check of the seconds' tens digit.
  // (fuzz/rollout_import checks that the text always comes back.)
  const bool canonical = stamp->size() == 24 && (*stamp)[10] == 'T' && (*stamp)[19] == '.' &&
                         (*stamp)[23] == 'Z' && (*stamp)[17] < '6';
  if (!canonical) {
    if (extras.size() > 1) extras += ',';
    extras += "\"timestamp\":" + json(*stamp).dump();
  }
  e.line_extras = extras + "}";  // "{}" marks an event that came from a rollout line
  return e;
}

std::string format_rollout_line(const StoredEvent& e) {
  json extras = e.line_extras ? json::parse(*e.line_extras, nullptr, false) : json::object();
  if (!extras.is_object()) extras = json::object();
  std::string stamp = format_rfc3339_ms(e.ts_ms);
  if (auto original = string_field(extras, "timestamp")) {
    stamp = *original;
    extras.erase("timestamp");
  }
  std::string out = fmt::format("{{\"timestamp\":{}", json(stamp).dump());
  for (auto it = extras.begin(); it != extras.end(); ++it)
    out += fmt::format(",{}:{}", json(it.key()).dump(), it.value().dump());
  out += fmt::format(",\"type\":{},\"payload\":{}}}", json(e.kind).dump(), e.payload);
  return out;
}

std::string rollout_identity(std::string_view first_line) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
  for (unsigned char c : first_line) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return fmt::format("{:016x}-{}", h, first_line.size());
}

std::optional<std::string> session_meta_id(std::string_view payload) {
  const json j = json::parse(payload, nullptr, false);
  auto id = string_field(j, "id");
  if (!id || id->empty()) return std::nullopt;
  return id;
}

std::optional<std::string> uuid_in_file_name(std::string_view file_name) {
  static const std::regex kUuid(
      "([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\\.jsonl$");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(file_name.begin(), file_name.end(), m, kUuid)) return std::nullopt;
  return m[1].str();
}

}  // namespace spool::eventstore
