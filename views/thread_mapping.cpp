#include "views/thread_mapping.h"

#include <nlohmann/json.hpp>

namespace spool::views {
namespace {

using nlohmann::json;

std::int64_t seconds(std::int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

protocol::v2::SessionSource source_of(const std::optional<std::string>& s) {
  if (!s) return protocol::v2::SessionSource::Unknown;
  auto r = protocol::decode_value<protocol::v2::SessionSource>(json(*s));
  return r ? r.value() : protocol::v2::SessionSource::Unknown;
}

// Codex's rollout git info {commit_hash, branch, repository_url} as v2's GitInfo.
std::optional<protocol::v2::GitInfo> git_of(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  const json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto get = [&](const char* k) -> std::optional<std::string> {
    const auto it = j.find(k);
    return it != j.end() && it->is_string() ? std::optional(it->get<std::string>()) : std::nullopt;
  };
  protocol::v2::GitInfo g;
  g.sha = get("commit_hash");
  g.branch = get("branch");
  g.originUrl = get("repository_url");
  return g;
}

}  // namespace

protocol::v2::Thread to_v2_thread(const eventstore::ThreadListRow& row) {
  protocol::v2::Thread t;
  const auto& s = row.summary;
  t.id = row.thread.id;
  t.sessionId = row.thread.id;
  t.forkedFromId = s.forked_from_id;
  t.preview = s.preview;
  t.modelProvider = s.model_provider.value_or("");
  t.model = s.model;
  t.reasoningEffort = s.reasoning_effort;
  t.createdAt = seconds(row.thread.created_at_ms);
  t.updatedAt = seconds(row.thread.updated_at_ms);
  t.recencyAt = t.updatedAt;
  t.status = protocol::v2::NotLoadedThreadStatus{};
  t.cwd = s.cwd.value_or("");
  t.cliVersion = s.cli_version.value_or("");
  t.originator = s.originator;
  t.source = source_of(s.source);
  t.gitInfo = git_of(s.git_info);
  t.name = s.name;
  return t;
}

}  // namespace spool::views
