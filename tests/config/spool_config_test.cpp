#include "config/spool_config.h"

#include <catch2/catch.hpp>
#include <string>

#include "support/temp_dir.h"

using spool::config::default_config;
using spool::config::load_config;
using spool::config::parse_config;
using spool::config::SpoolConfig;

namespace {

// Parses `text` as "/h/.spool/config.toml" and requires success.
SpoolConfig parse_ok(std::string_view text) {
  auto r = parse_config(text, "/h/.spool/config.toml");
  if (!r.ok()) FAIL("unexpected error: " << r.error());
  return std::move(r).value();
}

// Parses `text` as "/h/.spool/config.toml" and returns the error message.
std::string parse_error(std::string_view text) {
  auto r = parse_config(text, "/h/.spool/config.toml");
  if (r.ok()) FAIL("parsed, but expected an error:\n" << text);
  return r.error();
}

}  // namespace

TEST_CASE("a missing file gives the built-in defaults", "[config]") {
  spool::test::TempDir dir;
  auto r = load_config(dir.path() / "config.toml");
  REQUIRE(r.ok());
  const SpoolConfig& c = *r;
  CHECK(c.model == "gpt-5-codex");
  CHECK(c.model_provider == "openai");
  CHECK(c.approval_policy == "on-request");
  CHECK(c.sandbox_mode == "read-only");
  CHECK_FALSE(c.model_reasoning_effort);
  CHECK(c.warnings.empty());
  CHECK_FALSE(c.source_path);
  REQUIRE(c.model_providers.size() == 1);
  const auto& openai = c.model_providers.at("openai");
  CHECK(openai.id == "openai");
  CHECK(openai.name == "OpenAI");
  CHECK(openai.base_url == "https://api.openai.com/v1");
  CHECK(openai.env_key == "OPENAI_API_KEY");
  CHECK(openai.wire_api == "responses");
  CHECK(openai.request_max_retries == 4);
  CHECK(openai.stream_max_retries == 5);
  CHECK(openai.stream_idle_timeout_ms == 300000);
}

TEST_CASE("an empty file is the defaults too", "[config]") {
  const SpoolConfig c = parse_ok("");
  CHECK(c.model == default_config().model);
  CHECK(c.model_providers.size() == 1);
  CHECK(c.source_path == "/h/.spool/config.toml");
}

TEST_CASE("every known key is read", "[config]") {
  const SpoolConfig c = parse_ok(R"(
model = "o3"
model_provider = "local"
approval_policy = "untrusted"
sandbox_mode = "danger-full-access"
model_reasoning_effort = "xhigh"

[model_providers.local]
name = "Local"
base_url = "http://127.0.0.1:9/v1"
env_key = "LOCAL_KEY"
wire_api = "responses"
query_params = { api-version = "2025-04-01" }
http_headers = { "X-A" = "1", "X-B" = "2" }
env_http_headers = { "X-Org" = "ORG_ENV" }
request_max_retries = 1
stream_max_retries = 2
stream_idle_timeout_ms = 3
)");
  CHECK(c.model == "o3");
  CHECK(c.model_provider == "local");
  CHECK(c.approval_policy == "untrusted");
  CHECK(c.sandbox_mode == "danger-full-access");
  CHECK(c.model_reasoning_effort == "xhigh");
  CHECK(c.warnings.empty());
  REQUIRE(c.model_providers.size() == 2);
  CHECK(c.model_providers.at("openai").name == "OpenAI");
  const auto& p = c.model_providers.at("local");
  CHECK(p.id == "local");
  CHECK(p.name == "Local");
  CHECK(p.base_url == "http://127.0.0.1:9/v1");
  CHECK(p.env_key == "LOCAL_KEY");
  CHECK(p.wire_api == "responses");
  CHECK(p.query_params == std::map<std::string, std::string>{{"api-version", "2025-04-01"}});
  CHECK(p.http_headers == std::map<std::string, std::string>{{"X-A", "1"}, {"X-B", "2"}});
  CHECK(p.env_http_headers == std::map<std::string, std::string>{{"X-Org", "ORG_ENV"}});
  CHECK(p.request_max_retries == 1);
  CHECK(p.stream_max_retries == 2);
  CHECK(p.stream_idle_timeout_ms == 3);
}

TEST_CASE("every allowed enum value is accepted", "[config]") {
  for (const char* v : {"untrusted", "on-failure", "on-request", "never"})
    CHECK(parse_ok(std::string("approval_policy = \"") + v + "\"").approval_policy == v);
  for (const char* v : {"read-only", "workspace-write", "danger-full-access"})
    CHECK(parse_ok(std::string("sandbox_mode = \"") + v + "\"").sandbox_mode == v);
  for (const char* v : {"none", "minimal", "low", "medium", "high", "xhigh"})
    CHECK(parse_ok(std::string("model_reasoning_effort = \"") + v + "\"").model_reasoning_effort ==
          v);
}

TEST_CASE("a provider table leaves unset keys at their defaults", "[config]") {
  const SpoolConfig c = parse_ok("[model_providers.bare]\nbase_url = \"http://x/v1\"\n");
  const auto& p = c.model_providers.at("bare");
  CHECK(p.name == "bare");
  CHECK_FALSE(p.env_key);
  CHECK(p.wire_api == "responses");
  CHECK(p.query_params.empty());
  CHECK(p.request_max_retries == 4);
  CHECK(p.stream_max_retries == 5);
  CHECK(p.stream_idle_timeout_ms == 300000);
  CHECK(c.model_provider == "openai");
}

TEST_CASE("bad enum values name the file, position, key and the choices", "[config]") {
  CHECK(parse_error("model = \"x\"\n\napproval_policy = \"sometimes\"\n") ==
        "/h/.spool/config.toml:3:19: approval_policy: expected one of untrusted, on-failure, "
        "on-request, never, got \"sometimes\"");
  CHECK(parse_error("sandbox_mode = \"full\"") ==
        "/h/.spool/config.toml:1:16: sandbox_mode: expected one of read-only, workspace-write, "
        "danger-full-access, got \"full\"");
  CHECK(parse_error("model_reasoning_effort = \"max\"") ==
        "/h/.spool/config.toml:1:26: model_reasoning_effort: expected one of none, minimal, low, "
        "medium, high, xhigh, got \"max\"");
  CHECK(parse_error("approval_policy = \"Never\"").find("got \"Never\"") != std::string::npos);
}

TEST_CASE("wrong types name the file, position and key", "[config]") {
  CHECK(parse_error("model = 5") ==
        "/h/.spool/config.toml:1:9: model: expected a string, got an integer");
  CHECK(parse_error("approval_policy = true") ==
        "/h/.spool/config.toml:1:19: approval_policy: expected a string, got a boolean");
  CHECK(parse_error("model_providers = \"openai\"") ==
        "/h/.spool/config.toml:1:19: model_providers: expected a table, got a string");
  CHECK(parse_error("[model_providers]\nmock = [1]") ==
        "/h/.spool/config.toml:2:8: model_providers.mock: expected a table, got an array");
  CHECK(parse_error("[model_providers.mock]\nrequest_max_retries = \"3\"") ==
        "/h/.spool/config.toml:2:23: model_providers.mock.request_max_retries: expected an "
        "integer, got a string");
  CHECK(parse_error("[model_providers.mock]\nstream_idle_timeout_ms = 1.5") ==
        "/h/.spool/config.toml:2:26: model_providers.mock.stream_idle_timeout_ms: expected an "
        "integer, got a float");
  CHECK(parse_error("[model_providers.mock]\nhttp_headers = \"X-A: 1\"") ==
        "/h/.spool/config.toml:2:16: model_providers.mock.http_headers: expected a table of "
        "strings, got a string");
  CHECK(parse_error("[model_providers.mock]\nquery_params = { v = 1 }") ==
        "/h/.spool/config.toml:2:22: model_providers.mock.query_params.v: expected a string, got "
        "an integer");
  CHECK(parse_error("[model_providers.mock]\nenv_key = [\"A\"]") ==
        "/h/.spool/config.toml:2:11: model_providers.mock.env_key: expected a string, got an "
        "array");
}

TEST_CASE("counts must be non-negative and fit", "[config]") {
  CHECK(parse_error("[model_providers.mock]\nstream_max_retries = -1") ==
        "/h/.spool/config.toml:2:22: model_providers.mock.stream_max_retries: expected an "
        "integer from 0 to 2147483647, got -1");
  CHECK(parse_error("[model_providers.mock]\nrequest_max_retries = 3000000000")
            .find("expected an integer from 0 to 2147483647, got 3000000000") != std::string::npos);
  CHECK(parse_ok("[model_providers.mock]\nstream_idle_timeout_ms = 9000000000")
            .model_providers.at("mock")
            .stream_idle_timeout_ms == 9000000000);
}

TEST_CASE("the chat wire API is refused: Spool speaks the Responses API", "[config]") {
  const std::string e = parse_error("[model_providers.ollama]\nwire_api = \"chat\"");
  CHECK(e.rfind("/h/.spool/config.toml:2:12: model_providers.ollama.wire_api: ", 0) == 0);
  CHECK(e.find("Responses API") != std::string::npos);
  CHECK(parse_error("[model_providers.x]\nwire_api = \"grpc\"") ==
        "/h/.spool/config.toml:2:12: model_providers.x.wire_api: expected \"responses\", got "
        "\"grpc\"");
}

TEST_CASE("a TOML syntax error reports its position", "[config]") {
  const std::string e = parse_error("model = \"gpt-5\"\napproval_policy = \n");
  INFO(e);
  CHECK(e.rfind("/h/.spool/config.toml:2:19: ", 0) == 0);
  CHECK(e.find("expected value") != std::string::npos);
  const std::string dup = parse_error("model = \"a\"\nmodel = \"b\"\n");
  INFO(dup);
  CHECK(dup.rfind("/h/.spool/config.toml:2:", 0) == 0);
  CHECK(parse_error("model = \"unterminated").rfind("/h/.spool/config.toml:1:", 0) == 0);
}

// Warnings come in file order (toml++ itself iterates tables sorted by key).
TEST_CASE("unknown keys are ignored with a warning naming the key and position", "[config]") {
  const SpoolConfig c = parse_ok(R"(model = "m"
hide_agent_reasoning = true
[tui]
notifications = true
[model_providers.mock]
base_url = "http://127.0.0.1:1/v1"
supports_websockets = false
)");
  CHECK(c.model == "m");
  REQUIRE(c.warnings.size() == 3);
  CHECK(c.warnings[0] == "/h/.spool/config.toml:2:1: unknown key 'hide_agent_reasoning', ignored");
  CHECK(c.warnings[1] == "/h/.spool/config.toml:3:2: unknown key 'tui', ignored");
  CHECK(c.warnings[2] ==
        "/h/.spool/config.toml:7:1: unknown key 'model_providers.mock.supports_websockets', "
        "ignored");
}

TEST_CASE("a provider table replaces the built-in provider of the same id", "[config]") {
  const SpoolConfig c = parse_ok(R"(
[model_providers.openai]
name = "OpenAI via proxy"
base_url = "https://proxy.example/v1"
)");
  REQUIRE(c.model_providers.size() == 1);
  const auto& p = c.model_providers.at("openai");
  CHECK(p.name == "OpenAI via proxy");
  CHECK(p.base_url == "https://proxy.example/v1");
  CHECK_FALSE(p.env_key);  // replaced as a whole, not merged
  CHECK(c.model_provider == "openai");
}

TEST_CASE("model_provider must name a known provider", "[config]") {
  CHECK(parse_error("model_provider = \"nowhere\"\n[model_providers.mock]\nname = \"M\"") ==
        "/h/.spool/config.toml:1:18: model_provider: no provider \"nowhere\"; known providers: "
        "mock, openai");
  CHECK(
      parse_ok("model_provider = \"mock\"\n[model_providers.mock]\nname = \"M\"").model_provider ==
      "mock");
}

TEST_CASE("a realistic Codex config.toml loads unchanged", "[config]") {
  const std::string path = SPOOL_TEST_DATA "/config/codex_config.toml";
  auto r = load_config(path);
  if (!r.ok()) FAIL(r.error());
  const SpoolConfig& c = *r;
  CHECK(c.source_path == path);
  CHECK(c.model == "gpt-5-codex");
  CHECK(c.model_provider == "mock");
  CHECK(c.approval_policy == "never");
  CHECK(c.sandbox_mode == "workspace-write");
  CHECK(c.model_reasoning_effort == "high");
  REQUIRE(c.model_providers.size() == 3);
  const auto& mock = c.model_providers.at("mock");
  CHECK(mock.name == "Mock Responses API");
  CHECK(mock.base_url == "http://127.0.0.1:4010/v1");
  CHECK(mock.wire_api == "responses");
  CHECK(mock.env_key == "MOCK_API_KEY");
  CHECK(mock.request_max_retries == 0);
  CHECK(mock.stream_max_retries == 0);
  CHECK(mock.stream_idle_timeout_ms == 10000);
  const auto& azure = c.model_providers.at("azure");
  CHECK(azure.query_params.at("api-version") == "2025-04-01-preview");
  CHECK(azure.http_headers.at("X-Team") == "spool");
  CHECK(azure.env_http_headers.at("OpenAI-Organization") == "OPENAI_ORGANIZATION");
  CHECK(c.model_providers.at("openai").name == "OpenAI");

  // Every other key is a warning: top-level keys and whole tables, once each.
  std::string all;
  for (const auto& w : c.warnings) all += w + "\n";
  INFO(all);
  CHECK(c.warnings.size() == 9);
  for (const char* key :
       {"model_reasoning_summary", "hide_agent_reasoning", "notify", "sandbox_workspace_write",
        "shell_environment_policy", "projects", "mcp_servers", "profiles", "tui"}) {
    CHECK(all.find(std::string("unknown key '") + key + "'") != std::string::npos);
  }
  CHECK(all.find(path + ":7:1: unknown key 'model_reasoning_summary'") != std::string::npos);
}

TEST_CASE("a config path that is not a readable file is an error", "[config]") {
  spool::test::TempDir dir;
  auto r = load_config(dir.path());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == dir.path().string() + ": not a regular file");
}

TEST_CASE("load_config reports errors with the file's path", "[config]") {
  spool::test::TempDir dir;
  const auto file = dir.path() / "config.toml";
  spool::test::write_file(file, "sandbox_mode = 1\n");
  auto r = load_config(file);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == file.string() + ":1:16: sandbox_mode: expected a string, got an integer");
}

TEST_CASE("models, sign-in and feedback keys", "[config]") {
  const SpoolConfig d = parse_ok("");
  CHECK(d.models.empty());
  CHECK(d.login_issuer == "https://auth.openai.com");
  CHECK(d.login_callback_port == 1455);
  CHECK_FALSE(d.feedback_url);
  CHECK(d.model_providers.at("openai").requires_openai_auth);

  const SpoolConfig c = parse_ok(R"(login_issuer = "http://127.0.0.1:9/"
login_client_id = "app_test"
login_callback_port = 0
feedback_url = "https://feedback.example/v1/reports"
[model_providers.local]
base_url = "http://127.0.0.1:1/v1"
requires_openai_auth = true
[models.gpt-5-codex]
display_name = "GPT-5 Codex"
supported_reasoning_efforts = ["low", "high"]
default_reasoning_effort = "high"
[models.tiny]
provider = "local"
hidden = true
upgrade = "gpt-5-codex"
)");
  CHECK(c.login_issuer == "http://127.0.0.1:9/");
  CHECK(c.login_client_id == "app_test");
  CHECK(c.login_callback_port == 0);
  CHECK(c.feedback_url == "https://feedback.example/v1/reports");
  CHECK(c.model_providers.at("local").requires_openai_auth);
  REQUIRE(c.models.size() == 2);
  const spool::config::ModelConfig& g = c.models.at("gpt-5-codex");
  CHECK(g.slug == "gpt-5-codex");
  CHECK(g.display_name == "GPT-5 Codex");
  CHECK_FALSE(g.provider);
  CHECK(g.supported_reasoning_efforts == std::vector<std::string>{"low", "high"});
  CHECK(g.default_reasoning_effort == "high");
  const spool::config::ModelConfig& t = c.models.at("tiny");
  CHECK(t.provider == "local");
  CHECK(t.hidden == true);
  CHECK(t.upgrade == "gpt-5-codex");
  CHECK(c.warnings.empty());
}

TEST_CASE("bad models, sign-in and feedback keys name the key", "[config]") {
  CHECK(parse_error("feedback_url = \"ftp://x\"\n").find("feedback_url: expected an http:// or https:// URL") != std::string::npos);
  CHECK(parse_error("login_issuer = 3\n").find("login_issuer: expected a string") != std::string::npos);
  CHECK(parse_error("login_callback_port = 70000\n").find("login_callback_port: expected a port") != std::string::npos);
  CHECK(parse_error("[models.m]\nsupported_reasoning_efforts = [\"low\", \"warp\"]\n")
            .find("models.m.supported_reasoning_efforts[1]: expected one of") != std::string::npos);
  CHECK(parse_error("[models.m]\nhidden = \"yes\"\n").find("models.m.hidden: expected a boolean") != std::string::npos);
  CHECK(parse_error("[models.m]\nprovider = \"nowhere\"\n").find("models.m.provider: no provider \"nowhere\"") != std::string::npos);
  CHECK(parse_error("[model_providers.x]\nrequires_openai_auth = 1\n")
            .find("model_providers.x.requires_openai_auth: expected a boolean") != std::string::npos);
}
