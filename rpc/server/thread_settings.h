// ThreadSettings: what a thread's turns run with (model, provider, cwd, approvals, sandbox,
// reasoning effort), and how thread/start, thread/resume and thread/fork resolve them.
//
// Precedence, lowest first: built-in defaults < $SPOOL_HOME/config.toml < what the thread
// recorded (resume and fork: its last turn_context and session_meta) < the request's
// `config` object (dotted Codex keys: model, model_provider, approval_policy, sandbox_mode,
// model_reasoning_effort) < the request's own fields (model, modelProvider, cwd,
// approvalPolicy, approvalsReviewer, sandbox).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "base/result.h"
#include "config/spool_config.h"
#include "eventstore/store.h"
#include "protocol/v2/common.h"

namespace spool::rpc {

struct ThreadSettings {
  std::string model;
  std::string model_provider;
  std::string cwd;  // absolute
  protocol::v2::AskForApproval approval_policy = protocol::v2::AskForApproval::OnRequest;
  protocol::v2::ApprovalsReviewer approvals_reviewer = protocol::v2::ApprovalsReviewer::User;
  protocol::v2::SandboxPolicy sandbox;
  std::optional<std::string> reasoning_effort;
};

// The request fields that override settings (thread/start, resume and fork share them).
struct SettingsOverrides {
  std::optional<std::string> model;
  std::optional<std::string> model_provider;
  std::optional<std::string> cwd;
  std::optional<protocol::v2::AskForApproval> approval_policy;
  std::optional<protocol::v2::ApprovalsReviewer> approvals_reviewer;
  std::optional<protocol::v2::SandboxMode> sandbox;
  std::optional<nlohmann::json> config;  // the request's `config` object
};

template <class Params>
SettingsOverrides overrides_of(const Params& p) {
  return SettingsOverrides{p.model, p.modelProvider, p.cwd, p.approvalPolicy,
                           p.approvalsReviewer, p.sandbox, p.config};
}

// Settings for a new thread. `server_cwd` is the default cwd. Errors are -32602 messages
// naming the field ("params.modelProvider: unknown model provider 'x' (configured: ...)").
Result<ThreadSettings, std::string> resolve_new_thread_settings(const config::SpoolConfig& config,
                                                                const SettingsOverrides& overrides,
                                                                const std::string& server_cwd);

// Settings for an existing thread, from what its summary recorded.
Result<ThreadSettings, std::string> resolve_thread_settings(const config::SpoolConfig& config,
                                                            const eventstore::ThreadSummaryColumns& recorded,
                                                            const SettingsOverrides& overrides,
                                                            const std::string& server_cwd);

// A loaded thread's current settings with the request's overrides applied (resuming a
// thread this server already has loaded).
Result<ThreadSettings, std::string> apply_overrides(const config::SpoolConfig& config,
                                                    ThreadSettings current,
                                                    const SettingsOverrides& overrides);

// The sandbox policy as Codex's rollouts store it in turn_context.sandbox_policy
// ({"type":"workspace-write", "writable_roots": [...], ...}), and back (nullopt when the
// JSON is no sandbox policy Spool knows).
nlohmann::json to_rollout_sandbox(const protocol::v2::SandboxPolicy& policy);
std::optional<protocol::v2::SandboxPolicy> from_rollout_sandbox(const nlohmann::json& j);

// The approval policy as rollouts store it ("on-request").
std::string to_rollout_approval(protocol::v2::AskForApproval policy);

}  // namespace spool::rpc
