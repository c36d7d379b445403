// libFuzzer target framer_router: see spool::fuzz::framer_router in fuzz/entry_points.h.
#include "fuzz/entry_points.h"
#include "fuzz/fuzzer_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return spool::fuzz::run_one(spool::fuzz::framer_router, data, size);
}
