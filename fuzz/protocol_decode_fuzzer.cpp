// libFuzzer target protocol_decode: see spool::fuzz::protocol_decode in fuzz/entry_points.h.
#include "fuzz/entry_points.h"
#include "fuzz/fuzzer_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return spool::fuzz::run_one(spool::fuzz::protocol_decode, data, size);
}
