// UUIDv7 ids (RFC 9562): time-ordered, so ids made later sort later as plain strings.
//
// Spool names threads, turns and items with these. This file only makes and checks ids; it
// does not parse UUIDs into bytes for storage (ids are stored as their text).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spool {

// A new UUIDv7 in lowercase 8-4-4-4-12 form, e.g. "019a3f0e-6b2c-7d41-8f3a-2c1b9e7d5a60".
// Bits: 48-bit Unix milliseconds, version 7, a 12-bit counter in rand_a, variant 10, and 62
// random bits from a per-thread std::mt19937_64 seeded from std::random_device.
//
// Monotonic within the process: every id is strictly greater (as a string and as a number)
// than every id made before it by any thread. Ids made in the same millisecond step a counter
// that starts at a random value below 2048 (RFC 9562 section 6.2, method 1); if it runs out, or
// the system clock steps back, the timestamp is carried forward from the last id instead.
// Thread-safe.
std::string new_uuid_v7();

// True when `text` is a UUID in the canonical 36-character hyphenated hex form, in any case.
// No braces, no "urn:uuid:" prefix, no surrounding whitespace. Any version is accepted.
bool is_uuid(std::string_view text);

// The Unix milliseconds in a UUIDv7's first 48 bits, or nullopt when `text` is not a
// canonical UUID with version 7 and the RFC 9562 variant.
std::optional<std::int64_t> uuid_v7_time_ms(std::string_view text);

}  // namespace spool
