// UTC time helpers. Spool stores every time as UTC epoch milliseconds and never consults
// the local time zone except to print times for people.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spool {

// Milliseconds since the Unix epoch, from the system clock.
std::int64_t now_ms();

// Formats as RFC 3339 in UTC with milliseconds: "2026-11-24T06:18:43.540Z".
std::string format_rfc3339_ms(std::int64_t epoch_ms);

// Parses an RFC 3339 timestamp ("2026-11-24T06:18:43.540Z", fractional seconds optional
// and of any length, "Z" or a numeric offset such as "+08:00"). Returns nullopt when the
// text is not such a timestamp.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);

}  // namespace spool
