// A short run of the replay benchmark (tiny corpus, one trial), so it never rots: every
// figure is positive and the JSON has the keys bench/README.md documents.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bench/baseline_scan.h"
#include "bench/corpus_generator.h"
#include "bench/replay_bench.h"
#include "support/temp_dir.h"

using namespace spool;

TEST_CASE("the baseline lists newest first and resumes whole files", "[bench]") {
  test::TempDir dir;
  bench::CorpusOptions o;
  o.threads = 30;
  o.turns = 2;
  o.out = dir.path();
  REQUIRE(bench::generate_corpus(o).ok());
  auto first = bench::baseline_list_page(dir.path(), 10, 0);
  REQUIRE(first.ok());
  REQUIRE(first->size() == 10);
  auto next = bench::baseline_list_page(dir.path(), 10, 10);
  REQUIRE(next.ok());
  REQUIRE(!next->empty());
  CHECK(first->back().path.filename().string() > next->front().path.filename().string());
  for (const auto& item : *first) {
    CHECK(!item.id.empty());
    CHECK(!item.preview.empty());
  }
  auto lines = bench::baseline_resume(first->front().path);
  REQUIRE(lines.ok());
  CHECK(lines->size() > 2 * 10);
}

TEST_CASE("a one-trial replay benchmark on a tiny corpus gives every figure", "[bench]") {
  test::TempDir dir;
  bench::CorpusOptions corpus;
  corpus.threads = 20;
  corpus.turns = 2;
  corpus.big_thread_turns = 10;
  corpus.seed = 9;
  corpus.out = dir.path() / "corpus";
  REQUIRE(bench::generate_corpus(corpus).ok());

  bench::ReplayBenchOptions o;
  o.corpora = {corpus.out};
  o.work_dir = dir.path() / "work";
  o.spool_binary = SPOOL_BINARY;
  o.trials = 1;
  o.append_events = 20;
  o.batch_events = 400;
  o.batch_size = 100;
  o.list_limit = 5;
  auto r = bench::run_replay_bench(o);
  REQUIRE(r.ok());
  REQUIRE(r->corpora.size() == 1);
  const auto& c = r->corpora.front();
  CHECK(c.first_page_matches);
  CHECK(c.big_thread_turns == 10);
  CHECK(c.small_thread_turns == 2);
  CHECK(c.deep_offset > 0);

  const auto j = bench::replay_bench_json(*r);
  CHECK(j["trials"] == 1);
  for (const char* key :
       {"full_commits_s", "normal_commits_s", "batched_events_s", "baseline_full_commits_s",
        "baseline_normal_commits_s", "baseline_batched_events_s"}) {
    INFO(key);
    CHECK(j["append"][key]["median"].get<double>() > 0);
    CHECK(j["append"][key]["p99"].get<double>() > 0);
  }
  const auto& jc = j["corpora"][0];
  for (const char* key : {"initialize_ms", "peak_rss_mb", "list_first_ms", "list_deep_ms",
                          "resume_small_ms", "resume_big_ms"}) {
    INFO(key);
    CHECK(jc[key]["median"].get<double>() > 0);
    CHECK(jc["ratios"].size() == 5);
  }
  for (const char* key : {"list_first_ms", "list_deep_ms", "resume_small_ms", "resume_big_ms"}) {
    INFO(key);
    CHECK(jc["baseline"][key]["median"].get<double>() > 0);
    CHECK(jc["ratios"][std::string(key).substr(0, std::string(key).size() - 3)].get<double>() > 0);
  }
  CHECK(jc["import"]["import_mb_s"]["median"].get<double>() > 0);
  CHECK(jc["import"]["import_events_s"]["median"].get<double>() > 0);
  const auto md = bench::replay_bench_markdown(*r);
  CHECK(md.find("thread/resume, big thread (10 turns)") != std::string::npos);
}
