// `spool status`: reads config.toml, auth.json and the newest rate-limit snapshot from the
// database (read-only: a missing database means nothing was reported yet), and prints
// render_status(). Exits 1 when config.toml or the database cannot be read; an auth.json
// that is refused is shown as the account's problem, not a failure.
#include "app/status_command.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>

#include "app/paths.h"
#include "app/status_report.h"
#include "base/time.h"
#include "config/auth_file.h"
#include "config/spool_config.h"
#include "engine/login/id_token.h"
#include "eventstore/store.h"
#include "protocol/codec.h"

namespace spool::app {
namespace {

namespace v2 = protocol::v2;

struct StatusOptions {
  std::string db;
  std::string config;
};

StatusAccount account_of(const std::filesystem::path& auth_file) {
  StatusAccount a;
  auto loaded = config::load_auth(auth_file);
  if (!loaded) {
    a.problem = loaded.error();
    return a;
  }
  if (!loaded.value()) return a;
  const config::StoredAuth& auth = *loaded.value();
  if (auth.mode == config::AuthMode::ApiKey) {
    a.kind = StatusAccount::Kind::ApiKey;
    return a;
  }
  a.kind = StatusAccount::Kind::Chatgpt;
  if (auth.tokens) {
    if (auto claims = engine::login::parse_id_token(auth.tokens->id_token)) {
      a.email = claims.value().email;
      a.plan = claims.value().plan_type;
    }
  }
  return a;
}

int run_status(const StatusOptions& o) {
  auto home = spool_home();
  if (!home) {
    fmt::print(stderr, "spool status: {}\n", home.error());
    return 1;
  }
  const std::filesystem::path config_path =
      o.config.empty() ? home.value() / "config.toml" : std::filesystem::path(o.config);
  auto config = config::load_config(config_path);
  if (!config) {
    fmt::print(stderr, "spool status: {}\n", config.error());
    return 1;
  }
  StatusInput in;
  in.account = account_of(home.value() / "auth.json");
  in.model = config.value().model;
  in.model_provider = config.value().model_provider;

  const std::filesystem::path db_path =
      o.db.empty() ? home.value() / "spool.db" : std::filesystem::path(o.db);
  std::error_code ec;
  if (std::filesystem::exists(db_path, ec)) {
    eventstore::StoreOptions options;
    options.read_only = true;
    options.quick_check = false;
    auto store = eventstore::Store::open(db_path.string(), options);
    if (!store) {
      fmt::print(stderr, "spool status: {}\n", store.error().message);
      return 1;
    }
    auto latest = store.value()->latest_rate_limits();
    if (!latest) {
      fmt::print(stderr, "spool status: {}\n", latest.error().message);
      return 1;
    }
    // The default limit ("codex"), else the first one reported.
    const eventstore::RateLimitRecord* chosen = nullptr;
    for (const auto& r : latest.value()) {
      if (!chosen || r.limit_id == "codex") chosen = &r;
    }
    if (chosen) {
      auto decoded = protocol::decode_value<v2::RateLimitSnapshot>(
          nlohmann::json::parse(chosen->snapshot_json, nullptr, false));
      if (decoded) {
        in.rate_limits = std::move(decoded).value();
        in.rate_limits_observed_at_ms = chosen->observed_at_ms;
      }
    }
  }
  fmt::print("{}", render_status(in, now_ms()));
  return 0;
}

}  // namespace

void add_status_command(CLI::App& parent) {
  auto opts = std::make_shared<StatusOptions>();
  CLI::App* cmd = parent.add_subcommand(
      "status", "Show the signed-in account, the model and the newest rate limits and credits");
  cmd->add_option("--db", opts->db, "Database file (default: $SPOOL_HOME/spool.db)");
  cmd->add_option("--config", opts->config, "Settings file (default: $SPOOL_HOME/config.toml)");
  cmd->callback([opts] { throw CLI::RuntimeError(run_status(*opts)); });
}

}  // namespace spool::app
