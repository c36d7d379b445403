// `spool bench gen` writes a deterministic Codex-format corpus; `spool bench import`
// measures importing it against read and parse baselines; `spool bench run` is the replay
// benchmark against the file-scanning baseline (see bench/README.md).
#include "app/bench_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <vector>

#include "bench/corpus_generator.h"
#include "bench/import_bench.h"
#include "bench/replay_bench.h"

namespace spool::app {
namespace {

struct GenOptions {
  bench::CorpusOptions corpus;
  std::string out;
};

int run_gen(GenOptions& o) {
  o.corpus.out = o.out;
  auto r = bench::generate_corpus(o.corpus);
  if (!r) {
    fmt::print(stderr, "spool bench gen: {}\n", r.error());
    return 1;
  }
  fmt::print("wrote {} files, {} lines, {:.1f} MB to {}{}\n", r->files, r->lines,
             static_cast<double>(r->bytes) / (1024.0 * 1024.0), o.out,
             r->big_thread_id.empty() ? "" : fmt::format(" (big thread {})", r->big_thread_id));
  return 0;
}

struct ImportOptions {
  std::string corpus;
  std::string work_dir;
  std::string json_out;
  int trials = 3;
};

int run_import(const ImportOptions& o) {
  bench::ImportBenchOptions options;
  options.corpus = o.corpus;
  options.work_dir = o.work_dir.empty() ? std::filesystem::temp_directory_path().string() : o.work_dir;
  options.trials = o.trials;
  auto r = bench::run_import_bench(options);
  if (!r) {
    fmt::print(stderr, "spool bench import: {}\n", r.error());
    return 1;
  }
  fmt::print("{}", bench::import_bench_markdown(r.value()));
  if (!o.json_out.empty()) {
    std::ofstream(o.json_out) << bench::import_bench_json(r.value()).dump(2) << "\n";
  }
  return 0;
}

struct RunOptions {
  std::vector<std::string> corpora;
  std::string work_dir;
  std::string json_out;
  std::string plot_out;
  int trials = 3;
  int import_trials = 0;
};

int run_replay(const RunOptions& o) {
  bench::ReplayBenchOptions options;
  for (const auto& c : o.corpora) options.corpora.emplace_back(c);
  options.trials = o.trials;
  options.import_trials = o.import_trials;
  // The server is this very binary, run as `spool serve`.
  std::error_code ec;
  options.spool_binary = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    fmt::print(stderr, "spool bench run: cannot find this executable: {}\n", ec.message());
    return 1;
  }
  const bool own_work_dir = o.work_dir.empty();
  options.work_dir = own_work_dir ? std::filesystem::temp_directory_path() /
                                        fmt::format("spool-bench-{}", ::getpid())
                                  : std::filesystem::path(o.work_dir);
  auto r = bench::run_replay_bench(options);
  int status = 0;
  if (!r) {
    fmt::print(stderr, "spool bench run: {}\n", r.error());
    status = 1;
  } else {
    fmt::print("{}", bench::replay_bench_markdown(r.value()));
    if (!o.json_out.empty()) {
      std::ofstream(o.json_out) << bench::replay_bench_json(r.value()).dump(2) << "\n";
    }
    if (!o.plot_out.empty()) {
      auto plotted = bench::replay_bench_plot(r.value(), o.plot_out, options.work_dir);
      if (!plotted) fmt::print(stderr, "spool bench run: {}\n", plotted.error());
    }
  }
  if (own_work_dir) std::filesystem::remove_all(options.work_dir, ec);
  return status;
}

}  // namespace

void add_bench_command(CLI::App& parent) {
  CLI::App* bench = parent.add_subcommand("bench", "Benchmarks: corpus generation and measurements");
  bench->require_subcommand(1);

  auto gen = std::make_shared<GenOptions>();
  CLI::App* g = bench->add_subcommand("gen", "Write a deterministic Codex-format corpus");
  g->add_option("--threads", gen->corpus.threads, "Ordinary threads")->check(CLI::NonNegativeNumber);
  g->add_option("--turns", gen->corpus.turns, "Turns per ordinary thread")->check(CLI::NonNegativeNumber);
  g->add_option("--big-thread-turns", gen->corpus.big_thread_turns, "Turns of the one big thread (0: none)")
      ->check(CLI::NonNegativeNumber);
  g->add_option("--seed", gen->corpus.seed, "Seed: the same seed writes the same bytes");
  g->add_option("--out", gen->out, "Output directory (a Codex home)")->required();
  g->callback([gen] { throw CLI::RuntimeError(run_gen(*gen)); });

  auto imp = std::make_shared<ImportOptions>();
  CLI::App* i = bench->add_subcommand("import", "Measure importing a corpus against baselines");
  i->add_option("--corpus", imp->corpus, "A corpus from `spool bench gen`")->required();
  i->add_option("--trials", imp->trials, "Trials per measurement")->check(CLI::PositiveNumber);
  i->add_option("--work-dir", imp->work_dir, "Where the trial databases go (default: temp dir)");
  i->add_option("--json", imp->json_out, "Also write the results as JSON here");
  i->callback([imp] { throw CLI::RuntimeError(run_import(*imp)); });

  auto run = std::make_shared<RunOptions>();
  CLI::App* r = bench->add_subcommand(
      "run", "The replay benchmark: append, import, list, resume, start-up, against a baseline");
  r->add_option("--corpus", run->corpora,
                "A corpus from `spool bench gen`; give several (one per size) for scaling")
      ->required();
  r->add_option("--trials", run->trials, "Trials per measurement")->check(CLI::PositiveNumber);
  r->add_option("--import-trials", run->import_trials,
                "Imports measured per corpus (default: --trials; each reads the whole corpus)")
      ->check(CLI::PositiveNumber);
  r->add_option("--work-dir", run->work_dir,
                "Where databases and server homes go (default: a temp dir, removed after)");
  r->add_option("--json", run->json_out, "Also write the results as JSON here");
  r->add_option("--plot", run->plot_out, "Also plot list and resume latency to this PNG (gnuplot)");
  r->callback([run] { throw CLI::RuntimeError(run_replay(*run)); });
}

}  // namespace spool::app
