// The benchmark corpus is deterministic and imports cleanly; the import benchmark runs.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>

#include "bench/corpus_generator.h"
#include "bench/import_bench.h"
#include "bench/stats.h"
#include "support/temp_dir.h"

using namespace spool;
namespace fs = std::filesystem;

namespace {
std::string tree_bytes(const fs::path& root) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::string all;
  for (const auto& f : files) all += fs::relative(f, root).string() + "\n" + test::read_file(f);
  return all;
}
}  // namespace

TEST_CASE("the same seed writes the same corpus, another seed another", "[bench]") {
  test::TempDir dir;
  bench::CorpusOptions o;
  o.threads = 12;
  o.turns = 3;
  o.big_thread_turns = 20;
  o.seed = 42;
  o.out = dir.path() / "a";
  auto a = bench::generate_corpus(o);
  REQUIRE(a.ok());
  CHECK(a->files == 13);
  o.out = dir.path() / "b";
  REQUIRE(bench::generate_corpus(o).ok());
  CHECK(tree_bytes(dir.path() / "a") == tree_bytes(dir.path() / "b"));
  o.seed = 43;
  o.out = dir.path() / "c";
  REQUIRE(bench::generate_corpus(o).ok());
  CHECK(tree_bytes(dir.path() / "a") != tree_bytes(dir.path() / "c"));
}

TEST_CASE("corpus turns are 2 to 8 KB of valid rollout lines", "[bench]") {
  test::TempDir dir;
  bench::CorpusOptions o;
  o.threads = 20;
  o.turns = 5;
  o.out = dir.path();
  auto s = bench::generate_corpus(o);
  REQUIRE(s.ok());
  const double per_turn = static_cast<double>(s->bytes) / (o.threads * o.turns);
  CHECK(per_turn >= 2048);
  CHECK(per_turn <= 8192);
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line);
      CHECK(j.contains("timestamp"));
      CHECK(j.contains("payload"));
    }
  }
}

TEST_CASE("the import benchmark runs on a small corpus (smoke)", "[bench]") {
  test::TempDir dir;
  bench::CorpusOptions o;
  o.threads = 30;
  o.turns = 2;
  o.out = dir.path() / "corpus";
  auto corpus = bench::generate_corpus(o);
  REQUIRE(corpus.ok());
  bench::ImportBenchOptions b;
  b.corpus = o.out;
  b.work_dir = dir.path();
  b.trials = 1;
  auto r = bench::run_import_bench(b);
  REQUIRE(r.ok());
  CHECK(r->files == 30);
  CHECK(r->events == corpus->lines);
  CHECK(r->import_mb_s.median > 0);
  const std::string table = bench::import_bench_markdown(r.value());
  CHECK_THAT(table, Catch::Contains("baseline: read + parse every line"));
  CHECK_THAT(table, Catch::Contains("spool import"));
}

TEST_CASE("summaries give the median and the nearest-rank p99", "[bench]") {
  const auto s = bench::summarize({5, 1, 3, 2, 4});
  CHECK(s.median == 3);
  CHECK(s.p99 == 5);
  CHECK(s.min == 1);
  CHECK(bench::summarize({1, 2}).median == 1.5);
}
