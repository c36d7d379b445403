// UUIDv7 generation and checks. One process-wide (timestamp, counter) pair behind a mutex
// gives the ordering; the random bits come from a per-thread generator so that the lock is
// held only for a few integer operations.
#include "base/uuid.h"

#include <unistd.h>

#include <array>
#include <cstddef>
#include <mutex>
#include <random>
#include <utility>

#include "base/time.h"

namespace spool {
namespace {

constexpr std::size_t kUuidLength = 36;
constexpr std::uint32_t kCounterMax = 0xFFF;       // rand_a is 12 bits
constexpr std::uint32_t kCounterSeedMask = 0x7FF;  // seeds keep the top bit clear: headroom

bool is_hyphen_position(std::size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The calling thread's generator. Reseeded after fork() so that a child process does not
// repeat its parent's random bits.
std::mt19937_64& thread_rng() {
  thread_local std::mt19937_64 rng;
  thread_local pid_t seeded_for = 0;
  const pid_t pid = ::getpid();
  if (seeded_for != pid) {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    rng.seed(seq);
    seeded_for = pid;
  }
  return rng;
}

struct Clock {
  std::mutex mu;
  std::int64_t last_ms = -1;
  std::uint32_t counter = 0;
};

Clock& clock_state() {
  static Clock c;
  return c;
}

// The (timestamp, counter) of the next id: strictly greater than the previous pair.
std::pair<std::int64_t, std::uint32_t> next_stamp(std::mt19937_64& rng) {
  const std::int64_t now = now_ms();
  Clock& c = clock_state();
  std::lock_guard lock(c.mu);
  if (now > c.last_ms) {
    c.last_ms = now;
    c.counter = static_cast<std::uint32_t>(rng()) & kCounterSeedMask;
  } else if (c.counter < kCounterMax) {
    ++c.counter;  // same millisecond, or the clock stepped back: keep counting
  } else {
    ++c.last_ms;  // counter exhausted: borrow the next millisecond (RFC 9562 6.2)
    c.counter = static_cast<std::uint32_t>(rng()) & kCounterSeedMask;
  }
  return {c.last_ms, c.counter};
}

}  // namespace

std::string new_uuid_v7() {
  std::mt19937_64& rng = thread_rng();
  const auto [ms, counter] = next_stamp(rng);
  const std::uint64_t random = rng();

  // Layout (big-endian): unix_ts_ms[0..5] | ver 7, rand_a = counter [6..7] |
  // var 10, rand_b [8..15].
  std::array<std::uint8_t, 16> b{};
  const auto ts = static_cast<std::uint64_t>(ms);
  for (std::size_t i = 0; i < 6; ++i) b[i] = static_cast<std::uint8_t>(ts >> (40 - 8 * i));
  b[6] = static_cast<std::uint8_t>(0x70 | ((counter >> 8) & 0x0F));
  b[7] = static_cast<std::uint8_t>(counter & 0xFF);
  b[8] = static_cast<std::uint8_t>(0x80 | ((random >> 56) & 0x3F));
  for (std::size_t i = 0; i < 7; ++i) b[9 + i] = static_cast<std::uint8_t>(random >> (48 - 8 * i));

  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(kUuidLength);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0F]);
  }
  return out;
}

bool is_uuid(std::string_view text) {
  if (text.size() != kUuidLength) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_hyphen_position(i) ? text[i] != '-' : hex_value(text[i]) < 0) return false;
  }
  return true;
}

std::optional<std::int64_t> uuid_v7_time_ms(std::string_view text) {
  if (!is_uuid(text)) return std::nullopt;
  if (hex_value(text[14]) != 7) return std::nullopt;            // version nibble
  if ((hex_value(text[19]) & 0xC) != 0x8) return std::nullopt;  // variant 10xx
  std::int64_t ms = 0;
  for (std::size_t i = 0; i < 13; ++i) {  // 8 + 4 hex digits = 48 bits
    if (i == 8) continue;
    ms = ms * 16 + hex_value(text[i]);
  }
  return ms;
}

}  // namespace spool
