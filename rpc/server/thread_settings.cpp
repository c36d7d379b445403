#include "rpc/server/thread_settings.h"

#include <fmt/format.h>

#include <filesystem>
#include <vector>

namespace spool::rpc {
namespace {

namespace v2 = protocol::v2;
using nlohmann::json;

template <class E>
std::optional<E> decode_enum(const json& j) {
  auto r = protocol::decode_value<E>(j);
  if (!r) return std::nullopt;
  return r.value();
}

v2::SandboxPolicy policy_of(v2::SandboxMode mode) {
  switch (mode) {
    case v2::SandboxMode::ReadOnly: return v2::ReadOnlySandboxPolicy{};
    case v2::SandboxMode::WorkspaceWrite: return v2::WorkspaceWriteSandboxPolicy{};
    case v2::SandboxMode::DangerFullAccess: return v2::DangerFullAccessSandboxPolicy{};
  }
  return v2::ReadOnlySandboxPolicy{};
}

std::string provider_list(const config::SpoolConfig& config) {
  std::string out;
  for (const auto& [id, p] : config.model_providers) {
    if (!out.empty()) out += ", ";
    out += id;
  }
  return out;
}

// The settings every resolution starts from: config.toml over the built-in defaults (the
// config loader already merged those). Values were validated when the file was loaded.
ThreadSettings from_config(const config::SpoolConfig& config, const std::string& server_cwd) {
  ThreadSettings s;
  s.model = config.model;
  s.model_provider = config.model_provider;
  s.cwd = server_cwd;
  if (auto a = decode_enum<v2::AskForApproval>(json(config.approval_policy))) s.approval_policy = *a;
  if (auto m = decode_enum<v2::SandboxMode>(json(config.sandbox_mode))) s.sandbox = policy_of(*m);
  s.reasoning_effort = config.model_reasoning_effort;
  return s;
}

// Applies the request's `config` object: Codex's dotted keys, values as in config.toml.
Result<void, std::string> apply_config_object(const json& object, ThreadSettings& s) {
  if (object.is_null()) return {};
  if (!object.is_object()) return fail(std::string("params.config: expected an object"));
  for (const auto& [key, value] : object.items()) {
    const std::string where = "params.config." + key;
    if (key == "model" || key == "model_provider" || key == "model_reasoning_effort") {
      if (!value.is_string()) return fail(where + ": expected a string");
      if (key == "model") s.model = value.get<std::string>();
      if (key == "model_provider") s.model_provider = value.get<std::string>();
      if (key == "model_reasoning_effort") s.reasoning_effort = value.get<std::string>();
    } else if (key == "approval_policy") {
      auto a = decode_enum<v2::AskForApproval>(value);
      if (!a) return fail(where + ": expected one of untrusted, on-failure (read as on-request), on-request, never");
      s.approval_policy = *a;
    } else if (key == "sandbox_mode") {
      auto m = decode_enum<v2::SandboxMode>(value);
      if (!m) return fail(where + ": expected one of read-only, workspace-write, danger-full-access");
      s.sandbox = policy_of(*m);
    }
    // Other keys configure Codex features Spool does not have; they are ignored, as an
    // unknown key in config.toml is.
  }
  return {};
}

// Applies the overrides and checks the result. The provider must be configured when it is
// new (a new thread, or an override); a thread's recorded provider is kept as it is, even
// when this server has no configuration for it (a thread imported from elsewhere): it can
// be read and resumed, and a turn on it says what is missing.
Result<ThreadSettings, std::string> finish(const config::SpoolConfig& config, ThreadSettings s,
                                           const SettingsOverrides& o, bool provider_recorded) {
  const std::string recorded_provider = s.model_provider;
  if (o.config) {
    if (auto r = apply_config_object(*o.config, s); !r) return fail(r.error());
  }
  if (o.model) s.model = *o.model;
  if (o.model_provider) s.model_provider = *o.model_provider;
  if (o.cwd) s.cwd = *o.cwd;
  if (o.approval_policy) s.approval_policy = *o.approval_policy;
  if (o.approvals_reviewer) s.approvals_reviewer = *o.approvals_reviewer;
  if (o.sandbox) s.sandbox = policy_of(*o.sandbox);
  if (s.model.empty()) return fail(std::string("params.model: must not be empty"));
  const bool keep_recorded = provider_recorded && s.model_provider == recorded_provider;
  if (!keep_recorded && !config.model_providers.count(s.model_provider)) {
    return fail(fmt::format("params.modelProvider: unknown model provider '{}' (configured: {})",
                            s.model_provider, provider_list(config)));
  }
  if (!std::filesystem::path(s.cwd).is_absolute()) {
    return fail(fmt::format("params.cwd: expected an absolute path, got '{}'", s.cwd));
  }
  return s;
}

}  // namespace

Result<ThreadSettings, std::string> resolve_new_thread_settings(const config::SpoolConfig& config,
                                                                const SettingsOverrides& overrides,
                                                                const std::string& server_cwd) {
  return finish(config, from_config(config, server_cwd), overrides, /*provider_recorded=*/false);
}

Result<ThreadSettings, std::string> resolve_thread_settings(
    const config::SpoolConfig& config, const eventstore::ThreadSummaryColumns& recorded,
    const SettingsOverrides& overrides, const std::string& server_cwd) {
  ThreadSettings s = from_config(config, server_cwd);
  if (recorded.model) s.model = *recorded.model;
  if (recorded.model_provider) s.model_provider = *recorded.model_provider;
  if (recorded.cwd) s.cwd = *recorded.cwd;
  if (recorded.reasoning_effort) s.reasoning_effort = recorded.reasoning_effort;
  if (recorded.approval_policy) {
    const json j = json::parse(*recorded.approval_policy, nullptr, false);
    if (auto a = decode_enum<v2::AskForApproval>(j)) s.approval_policy = *a;
  }
  if (recorded.sandbox) {
    const json j = json::parse(*recorded.sandbox, nullptr, false);
    if (auto p = from_rollout_sandbox(j)) s.sandbox = *p;
  }
  return finish(config, std::move(s), overrides, /*provider_recorded=*/true);
}

Result<ThreadSettings, std::string> apply_overrides(const config::SpoolConfig& config,
                                                    ThreadSettings current,
                                                    const SettingsOverrides& overrides) {
  return finish(config, std::move(current), overrides, /*provider_recorded=*/true);
}

json to_rollout_sandbox(const v2::SandboxPolicy& policy) {
  return std::visit(
      [](const auto& p) -> json {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, v2::DangerFullAccessSandboxPolicy>) {
          return {{"type", "danger-full-access"}};
        } else if constexpr (std::is_same_v<P, v2::ReadOnlySandboxPolicy>) {
          return {{"type", "read-only"}, {"network_access", p.networkAccess.value}};
        } else if constexpr (std::is_same_v<P, v2::ExternalSandboxSandboxPolicy>) {
          return {{"type", "external-sandbox"},
                  {"network_access",
                   p.networkAccess.value == v2::NetworkAccess::Enabled ? "enabled" : "restricted"}};
        } else {
          return {{"type", "workspace-write"},
                  {"writable_roots", p.writableRoots.value},
                  {"network_access", p.networkAccess.value},
                  {"exclude_tmpdir_env_var", p.excludeTmpdirEnvVar.value},
                  {"exclude_slash_tmp", p.excludeSlashTmp.value}};
        }
      },
      static_cast<const v2::SandboxPolicy::variant&>(policy));
}

std::optional<v2::SandboxPolicy> from_rollout_sandbox(const json& j) {
  if (j.is_string()) {  // a bare mode
    if (auto m = decode_enum<v2::SandboxMode>(j)) return policy_of(*m);
    return std::nullopt;
  }
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return std::nullopt;
  const std::string type = j["type"].get<std::string>();
  auto flag = [&](const char* key) { return j.contains(key) && j[key].is_boolean() && j[key].get<bool>(); };
  if (type == "danger-full-access" || type == "dangerFullAccess") return v2::DangerFullAccessSandboxPolicy{};
  if (type == "read-only" || type == "readOnly") {
    v2::ReadOnlySandboxPolicy p;
    p.networkAccess = flag("network_access");
    return p;
  }
  if (type == "external-sandbox" || type == "externalSandbox") {
    v2::ExternalSandboxSandboxPolicy p;
    const bool enabled = j.contains("network_access") && j["network_access"] == "enabled";
    p.networkAccess = enabled ? v2::NetworkAccess::Enabled : v2::NetworkAccess::Restricted;
    return p;
  }
  if (type == "workspace-write" || type == "workspaceWrite") {
    v2::WorkspaceWriteSandboxPolicy p;
    std::vector<std::string> roots;
    if (j.contains("writable_roots") && j["writable_roots"].is_array()) {
      for (const auto& r : j["writable_roots"]) {
        if (r.is_string()) roots.push_back(r.get<std::string>());
      }
    }
    p.writableRoots = roots;
    p.networkAccess = flag("network_access");
    p.excludeTmpdirEnvVar = flag("exclude_tmpdir_env_var");
    p.excludeSlashTmp = flag("exclude_slash_tmp");
    return p;
  }
  return std::nullopt;
}

std::string to_rollout_approval(v2::AskForApproval policy) {
  return protocol::to_json_value(policy).get<std::string>();
}

}  // namespace spool::rpc
