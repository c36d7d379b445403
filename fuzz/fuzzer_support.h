// What every libFuzzer executable shares: run one input through an entry point and turn an
// InvariantViolation into a crash that says what was violated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/entry_points.h"

namespace spool::fuzz {

// Runs `entry` on the input. An InvariantViolation, or any other exception escaping, is
// printed (to the stderr the process started with, which libFuzzer's -close_fd_mask=2
// leaves open for us, see fuzzer_support.cpp) and the process aborts, so libFuzzer saves
// the input as a crash.
int run_one(EntryPoint entry, const std::uint8_t* data, std::size_t size);

}  // namespace spool::fuzz
