// `spool bench`: generate a corpus and measure Spool against baselines in the same run.
#pragma once

namespace CLI {
class App;
}

namespace spool::app {

void add_bench_command(CLI::App& parent);

}  // namespace spool::app
