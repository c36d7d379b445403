// libFuzzer target rollout_import: see spool::fuzz::rollout_import in fuzz/entry_points.h.
#include "fuzz/entry_points.h"
#include "fuzz/fuzzer_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return spool::fuzz::run_one(spool::fuzz::rollout_import, data, size);
}
