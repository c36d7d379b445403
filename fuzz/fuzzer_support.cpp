// Linked into each fuzz executable (not a library: libFuzzer's weak LLVMFuzzerInitialize
// would not pull it out of an archive).
#include "fuzz/fuzzer_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/entry_points.h"

namespace {
// A copy of the original stderr taken before libFuzzer's -close_fd_mask=2 silences fd 2
// (which the server's logger writes to, once per bad notification: too much to keep).
int g_report_fd = 2;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const int fd = ::dup(2);
  if (fd >= 0) g_report_fd = fd;
  return 0;
}

namespace spool::fuzz {
namespace {

[[noreturn]] void die(const std::string& why) {
  const std::string text = "\n==fuzz== " + why + "\n";
  [[maybe_unused]] const auto written = ::write(g_report_fd, text.data(), text.size());
  std::abort();
}

}  // namespace

int run_one(EntryPoint entry, const std::uint8_t* data, std::size_t size) {
  try {
    entry(std::span<const std::uint8_t>(data, size));
  } catch (const InvariantViolation& e) {
    die(std::string("invariant violated: ") + e.what());
  } catch (const std::exception& e) {
    die(std::string("exception escaped: ") + e.what());
  }
  return 0;
}

}  // namespace spool::fuzz
