// Fuzz regressions: every input committed under fuzz/regressions/<target>/ (inputs that once
// crashed a fuzzer or broke one of its checks) and every seed under fuzz/corpus/<target>/,
// run through the same entry points the libFuzzer executables use (fuzz/entry_points.h),
// so each is replayed by the normal and the ASan/UBSan builds on every CI run.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/entry_points.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename() != "README.md") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs every committed input of `target` through `entry`; one failed check per bad input.
void replay(const std::string& target, spool::fuzz::EntryPoint entry) {
  const fs::path root = SPOOL_FUZZ_DIR;
  const auto regressions = inputs_in(root / "regressions" / target);
  const auto seeds = inputs_in(root / "corpus" / target);
  REQUIRE(!seeds.empty());  // the seed corpus is committed; an empty one is a packaging bug
  std::size_t failures = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const auto* list : {&regressions, &seeds}) {
    for (const auto& p : *list) {
      const auto bytes = read_bytes(p);
      try {
        entry(std::span<const std::uint8_t>(bytes.data(), bytes.size()));
      } catch (const std::exception& e) {
        ++failures;
        FAIL_CHECK(p.string() << ": " << e.what());
      }
    }
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start).count();
  WARN("fuzz regressions " << target << ": " << regressions.size() << " regression inputs + "
                           << seeds.size() << " seeds, " << failures << " failures, " << ms
                           << " ms");
  CHECK(failures == 0);
}

}  // namespace

TEST_CASE("fuzz regressions: framer_router", "[reliability][fuzz]") {
  replay("framer_router", spool::fuzz::framer_router);
}

TEST_CASE("fuzz regressions: protocol_decode", "[reliability][fuzz]") {
  replay("protocol_decode", spool::fuzz::protocol_decode);
}

TEST_CASE("fuzz regressions: rollout_import", "[reliability][fuzz]") {
  replay("rollout_import", spool::fuzz::rollout_import);
}
