// `spool bench gen` writes a deterministic Codex-format corpus; `spool bench import`
// measures importing it against read and parse baselines (see bench/README.md).
#include "app/bench_command.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fstream>
#include <memory>

#include "bench/corpus_generator.h"
#include "bench/import_bench.h"

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
}

}  // namespace spool::app
