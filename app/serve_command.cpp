// `spool serve`: wires the libuv loop, the transports, the database executor and the
// sessions together, and shuts them down in order.
//
// Shutdown (stdin EOF, SIGTERM or SIGINT): stop accepting; every session answers what it
// has in flight, writes it out and closes; then the database workers finish and close their
// connections (the writer last); then the loop ends and the process exits 0.
#include "app/serve_command.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <functional>
#include <memory>

#include "app/paths.h"
#include "base/log.h"
#include "config/spool_config.h"
#include "rpc/line_framer.h"
#include "rpc/server/app_server.h"
#include "rpc/server/db_executor.h"
#include "rpc/transport/event_loop.h"
#include "rpc/transport/socket_listener.h"
#include "rpc/transport/stdio_transport.h"

namespace spool::app {
namespace {

constexpr const char* kVersion = "0.1.0";

struct ServeOptions {
  std::string db;
  std::string listen;
  std::string config;
  std::size_t max_line_bytes = rpc::LineFramer::kDefaultMaxLineBytes;
  int readers = 2;
  bool synchronous_normal = false;
  bool verbose = false;
};

// What to do about a database the server refused to open (empty when the message says it).
std::string startup_advice(const eventstore::StoreError& e, const std::string& path) {
  std::error_code ec;
  const bool empty = std::filesystem::file_size(path, ec) == 0 && !ec;
  switch (e.code) {
    case eventstore::StoreErrorCode::Corrupt:
      if (empty) return {};
      return fmt::format(
          "spool serve: {0} was not changed. To recover, stop every spool using it and run\n"
          "  spool doctor --recover --db {0}\n"
          "It copies every readable thread into a new database at that path and keeps the "
          "damaged file beside it as {0}.corrupt-<UTC time>.\n",
          path);
    case eventstore::StoreErrorCode::NotSpoolDatabase:
      return fmt::format(
          "spool serve: {0} was not changed. Point --db at a Spool database (or move this file "
          "away to start a new one). If it was a Spool database, its first page is damaged "
          "beyond what `spool doctor --recover` can read: restore it from a backup.\n",
          path);
    default: return {};
  }
}

int run_serve(const ServeOptions& o) {
  log::set_verbose(o.verbose);
  auto home = spool_home();
  if (!home) {
    fmt::print(stderr, "spool serve: {}\n", home.error());
    return 1;
  }
  auto db_path = resolve_db_path(o.db);
  if (!db_path) {
    fmt::print(stderr, "spool serve: {}\n", db_path.error());
    return 1;
  }
  const std::filesystem::path config_path =
      o.config.empty() ? home.value() / "config.toml" : std::filesystem::path(o.config);
  auto config = config::load_config(config_path);
  if (!config) {
    fmt::print(stderr, "spool serve: {}\n", config.error());
    return 1;
  }
  for (const auto& w : config.value().warnings) log::info("{}", w);

  rpc::EventLoop loop;
  rpc::DbExecutor::Options db_options;
  db_options.path = db_path.value().string();
  db_options.readers = o.readers;
  if (o.synchronous_normal) db_options.store.synchronous = eventstore::Synchronous::Normal;
  // quick_check reads the whole file (seconds at 100k threads): it runs on the writer while
  // the server already answers, and a damaged file stops the server (see `stop` below).
  db_options.verify_in_background = true;
  std::function<void(const eventstore::StoreError&)> on_damaged;
  db_options.on_damaged = [&on_damaged](const eventstore::StoreError& e) {
    if (on_damaged) on_damaged(e);
  };
  auto db = rpc::DbExecutor::open(db_options, [&loop](rpc::DbExecutor::Task t) { loop.post(std::move(t)); });
  if (!db) {
    fmt::print(stderr, "spool serve: cannot start: {}\n{}", db.error().message,
               startup_advice(db.error(), db_options.path));
    return 1;
  }
  std::error_code ec;
  rpc::ServerInfo info{std::move(config).value(), home.value().string(), kVersion,
                       std::filesystem::current_path(ec).string(),
                       (home.value() / "auth.json").string()};
  if (ec) info.server_cwd = "/";
  rpc::AppServer server(*db.value(), std::move(info));
  server.enable_turns(loop.uv());

  std::unique_ptr<rpc::SocketListener> listener;
  std::unique_ptr<rpc::StdioTransport> stdio;
  bool stopping = false;
  auto stop = [&] {
    if (stopping) return;
    stopping = true;
    if (listener) listener->stop_accepting();
    server.shutdown([&] {
      db.value()->shutdown();
      loop.stop();
    });
  };

  if (!o.listen.empty()) {
    auto l = rpc::SocketListener::listen(loop, o.listen, server.handler_factory(), o.max_line_bytes);
    if (!l) {
      fmt::print(stderr, "spool serve: {}\n", l.error());
      db.value()->shutdown();
      return 1;
    }
    listener = std::move(l).value();
    fmt::print(stderr, "spool serve: listening on {}\n", listener->address());
  } else {
    auto s = rpc::StdioTransport::start(loop, server.handler_factory(), o.max_line_bytes, stop);
    if (!s) {
      fmt::print(stderr, "spool serve: {}\n", s.error());
      db.value()->shutdown();
      return 1;
    }
    stdio = std::move(s).value();
  }
  log::verbose("serving {} ({} readers)", db_path.value().string(), o.readers);
  loop.on_shutdown_signal([&] {
    log::info("shutting down");
    stop();
  });
  on_damaged = [&](const eventstore::StoreError&) { stop(); };
  loop.run();
  listener.reset();
  stdio.reset();
  if (auto damage = db.value()->damage()) {
    // Found after start-up by the background quick_check: nothing more was written.
    fmt::print(stderr, "spool serve: stopped: {}\n{}", damage->message,
               startup_advice(*damage, db_options.path));
    return 1;
  }
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& parent) {
  auto opts = std::make_shared<ServeOptions>();
  CLI::App* cmd = parent.add_subcommand(
      "serve", "Run the app-server: JSON-RPC over stdin/stdout, or --listen on a socket");
  cmd->add_option("--db", opts->db, "Database file (default: $SPOOL_HOME/spool.db)");
  cmd->add_option("--listen", opts->listen,
                  "Accept clients on unix:PATH or tcp:127.0.0.1:PORT instead of stdio");
  cmd->add_option("--config", opts->config, "Settings file (default: $SPOOL_HOME/config.toml)");
  cmd->add_option("--max-line-bytes", opts->max_line_bytes,
                  "Longest accepted JSON-RPC line (default: 64 MiB)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--readers", opts->readers, "Database reader threads (default: 2)")
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--synchronous-normal", opts->synchronous_normal,
                "Commit with synchronous=NORMAL (faster; may lose the last commits on power loss)");
  cmd->add_flag("-v,--verbose", opts->verbose, "Log each connection and request to stderr");
  cmd->callback([opts] { throw CLI::RuntimeError(run_serve(*opts)); });
}

}  // namespace spool::app
