// Counts and seeds of the reliability tests: a default small enough for CI (smaller when
// built with sanitizers: SPOOL_RELIABILITY_SANITIZED, set by crash_and_concurrency.cmake),
// overridable by environment variables for a long run.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

#ifndef SPOOL_RELIABILITY_SANITIZED
#define SPOOL_RELIABILITY_SANITIZED 0
#endif

namespace spool::test {

inline constexpr bool kSanitized = SPOOL_RELIABILITY_SANITIZED != 0;

// $name when set to a positive number, else `release` (or `sanitized` in a sanitizer build).
inline int count_setting(const char* name, int release, int sanitized) {
  if (const char* v = std::getenv(name)) {
    const long n = std::strtol(v, nullptr, 10);
    if (n > 0) return static_cast<int>(n);
  }
  return kSanitized ? sanitized : release;
}

// $SPOOL_RELIABILITY_SEED when set, else a random seed (printed by the tests, to replay).
inline std::uint64_t seed_setting() {
  if (const char* v = std::getenv("SPOOL_RELIABILITY_SEED")) return std::strtoull(v, nullptr, 10);
  return std::random_device{}();
}

}  // namespace spool::test
