#include "rpc/server/thread_settings.h"

#include <catch2/catch.hpp>

namespace spool::rpc {
namespace {

namespace v2 = protocol::v2;
using nlohmann::json;

config::SpoolConfig config_with_mock() {
  auto c = config::default_config();
  config::ModelProviderConfig mock;
  mock.id = "mock";
  mock.name = "Mock";
  mock.base_url = "http://127.0.0.1:1/v1";
  c.model_providers["mock"] = mock;
  return c;
}

TEST_CASE("new threads: defaults, then config, then the request", "[settings]") {
  auto c = config_with_mock();
  auto s = resolve_new_thread_settings(c, {}, "/srv");
  REQUIRE(s);
  CHECK(s.value().model == "gpt-5-codex");
  CHECK(s.value().model_provider == "openai");
  CHECK(s.value().cwd == "/srv");
  CHECK(s.value().approval_policy == v2::AskForApproval::OnRequest);
  CHECK(std::holds_alternative<v2::ReadOnlySandboxPolicy>(s.value().sandbox));

  c.model = "from-config";
  c.approval_policy = "never";
  c.sandbox_mode = "workspace-write";
  SettingsOverrides o;
  o.config = json{{"model", "from-config-object"}, {"model_reasoning_effort", "high"}};
  o.cwd = "/work";
  o.sandbox = v2::SandboxMode::DangerFullAccess;
  s = resolve_new_thread_settings(c, o, "/srv");
  REQUIRE(s);
  CHECK(s.value().model == "from-config-object");
  CHECK(s.value().reasoning_effort == "high");
  CHECK(s.value().approval_policy == v2::AskForApproval::Never);
  CHECK(std::holds_alternative<v2::DangerFullAccessSandboxPolicy>(s.value().sandbox));
  CHECK(s.value().cwd == "/work");

  o.model = "from-request";
  s = resolve_new_thread_settings(c, o, "/srv");
  REQUIRE(s);
  CHECK(s.value().model == "from-request");
}

TEST_CASE("new threads: bad requests name the field", "[settings]") {
  const auto c = config_with_mock();
  SettingsOverrides o;
  o.model_provider = "nowhere";
  auto s = resolve_new_thread_settings(c, o, "/srv");
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error(), Catch::Contains("params.modelProvider: unknown model provider 'nowhere'"));
  CHECK_THAT(s.error(), Catch::Contains("mock, openai"));

  o = {};
  o.cwd = "relative/dir";
  s = resolve_new_thread_settings(c, o, "/srv");
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error(), Catch::Contains("params.cwd: expected an absolute path"));

  o = {};
  o.config = json{{"approval_policy", "sometimes"}};
  s = resolve_new_thread_settings(c, o, "/srv");
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error(), Catch::Contains("params.config.approval_policy"));

  o.config = json::array();
  CHECK_FALSE(resolve_new_thread_settings(c, o, "/srv"));
}

TEST_CASE("existing threads keep what they recorded, even an unconfigured provider", "[settings]") {
  const auto c = config::default_config();  // no "mock" provider
  eventstore::ThreadSummaryColumns rec;
  rec.model = "mock-model";
  rec.model_provider = "mock";
  rec.cwd = "/home/dev/project";
  rec.approval_policy = "\"untrusted\"";
  rec.sandbox = R"({"type":"workspace-write","writable_roots":["/tmp/x"],"network_access":true})";
  auto s = resolve_thread_settings(c, rec, {}, "/srv");
  REQUIRE(s);
  CHECK(s.value().model == "mock-model");
  CHECK(s.value().model_provider == "mock");
  CHECK(s.value().cwd == "/home/dev/project");
  CHECK(s.value().approval_policy == v2::AskForApproval::Untrusted);
  const auto* ww = std::get_if<v2::WorkspaceWriteSandboxPolicy>(&s.value().sandbox);
  REQUIRE(ww);
  CHECK(ww->writableRoots.value == std::vector<std::string>{"/tmp/x"});
  CHECK(ww->networkAccess.value);

  // Overriding with another unknown provider is refused.
  SettingsOverrides o;
  o.model_provider = "elsewhere";
  CHECK_FALSE(resolve_thread_settings(c, rec, o, "/srv"));
}

TEST_CASE("sandbox policies convert to the rollout form and back", "[settings]") {
  v2::WorkspaceWriteSandboxPolicy ww;
  ww.writableRoots = std::vector<std::string>{"/a"};
  ww.excludeSlashTmp = true;
  for (const v2::SandboxPolicy& p :
       {v2::SandboxPolicy{v2::ReadOnlySandboxPolicy{}}, v2::SandboxPolicy{ww},
        v2::SandboxPolicy{v2::DangerFullAccessSandboxPolicy{}}}) {
    const json rollout = to_rollout_sandbox(p);
    auto back = from_rollout_sandbox(rollout);
    INFO(rollout.dump());
    REQUIRE(back);
    CHECK(protocol::to_json_value(*back) == protocol::to_json_value(p));
  }
  CHECK(to_rollout_sandbox(v2::DangerFullAccessSandboxPolicy{}) == json{{"type", "danger-full-access"}});
  CHECK_FALSE(from_rollout_sandbox(json{{"type", "martian"}}));
  CHECK(from_rollout_sandbox(json("read-only")));
}

}  // namespace
}  // namespace spool::rpc
