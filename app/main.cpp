// The `spool` command line: one subcommand per job, each in its own *_command.cpp.
// Exit codes: 0 success, 1 the command failed, 2 the command line was wrong.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <string_view>

#include "app/bench_command.h"
#include "app/doctor_command.h"
#include "app/status_command.h"
#include "app/generate_commands.h"
#include "app/import_export_commands.h"
#include "app/serve_command.h"
#include "app/thread_commands.h"

namespace {

constexpr const char* kVersion = "0.1.0";
constexpr int kUsageError = 2;

int usage_error(std::string_view message) {
  fmt::print(stderr, "spool: {}\nRun 'spool --help' for the commands and their options.\n",
             message);
  return kUsageError;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Spool: an app-server for coding-agent threads, on one SQLite event log.",
               "spool"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);
  spool::app::add_doctor_command(app);
  spool::app::add_status_command(app);
  spool::app::add_generate_commands(app);
  spool::app::add_import_command(app);
  spool::app::add_export_command(app);
  spool::app::add_list_command(app);
  spool::app::add_show_command(app);
  spool::app::add_rebuild_command(app);
  spool::app::add_bench_command(app);
  spool::app::add_serve_command(app);

  // CLI11 reports an unknown command as "a subcommand is required"; name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    try {
      app.get_subcommand(argv[1]);
    } catch (const CLI::OptionNotFound&) {
      return usage_error(fmt::format("unknown command '{}'", argv[1]));
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a subcommand finished with this exit code
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return usage_error(e.what());
  }
  return 0;
}
