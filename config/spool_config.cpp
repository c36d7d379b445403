// Reading config.toml with toml++. Every known key is checked for its type and range; the
// first problem ends the read with a message naming file:line:column and the key. toml++
// throws on syntax errors, and this file is the one place that catches them.
#include "config/spool_config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <span>
#include <sstream>
#include <system_error>
#include <utility>

namespace spool::config {
namespace {

constexpr std::array<std::string_view, 4> kApprovalPolicies = {"untrusted", "on-failure",
                                                               "on-request", "never"};
constexpr std::array<std::string_view, 3> kSandboxModes = {"read-only", "workspace-write",
                                                           "danger-full-access"};
constexpr std::array<std::string_view, 6> kReasoningEfforts = {"none",   "minimal", "low",
                                                               "medium", "high",    "xhigh"};

// An error message, or nothing when all went well.
using Problem = std::optional<std::string>;

// What every reader needs: the name of the file for messages, and where warnings go.
struct Context {
  std::string_view source;
  std::vector<std::string>* warnings;

  std::string at(const toml::source_region& r) const {
    return fmt::format("{}:{}:{}", source, r.begin.line, r.begin.column);
  }
  std::string problem(const toml::node& n, std::string_view path, std::string_view what) const {
    return fmt::format("{}: {}: {}", at(n.source()), path, what);
  }
  void warn_unknown(const toml::key& k, std::string_view path) const {
    warnings->push_back(fmt::format("{}: unknown key '{}', ignored", at(k.source()), path));
  }
};

// A table's entries in the order they appear in the file (toml::table iterates sorted by
// key), so that warnings come out, and the first error is found, in reading order.
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [k, v] : t) entries.emplace_back(&k, &v);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.first->source().begin;
    const auto& pb = b.first->source().begin;
    return std::pair(pa.line, pa.column) < std::pair(pb.line, pb.column);
  });
  return entries;
}

std::string join_path(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string expected(std::string_view what, const toml::node& got) {
  return fmt::format("expected {}, got {}", what, type_name(got));
}

Problem read_string(const Context& cx, const toml::node& n, std::string_view path,
                    std::string& out) {
  const auto* s = n.as_string();
  if (!s) return cx.problem(n, path, expected("a string", n));
  out = s->get();
  return std::nullopt;
}

Problem read_enum(const Context& cx, const toml::node& n, std::string_view path,
                  std::span<const std::string_view> allowed, std::string& out) {
  std::string s;
  if (auto p = read_string(cx, n, path, s)) return p;
  for (std::string_view a : allowed) {
    if (s == a) {
      out = std::move(s);
      return std::nullopt;
    }
  }
  return cx.problem(n, path,
                    fmt::format("expected one of {}, got \"{}\"", fmt::join(allowed, ", "), s));
}

// An integer in [0, max].
template <typename Int>
Problem read_count(const Context& cx, const toml::node& n, std::string_view path, Int& out) {
  const auto* i = n.as_integer();
  if (!i) return cx.problem(n, path, expected("an integer", n));
  const std::int64_t v = i->get();
  const auto max = static_cast<std::int64_t>(std::numeric_limits<Int>::max());
  if (v < 0 || v > max)
    return cx.problem(n, path, fmt::format("expected an integer from 0 to {}, got {}", max, v));
  out = static_cast<Int>(v);
  return std::nullopt;
}

Problem read_bool(const Context& cx, const toml::node& n, std::string_view path, bool& out) {
  const auto* b = n.as_boolean();
  if (!b) return cx.problem(n, path, expected("a boolean", n));
  out = b->get();
  return std::nullopt;
}

// An http:// or https:// URL (curl reads anything else as a file or another protocol).
Problem read_url(const Context& cx, const toml::node& n, std::string_view path, std::string& out) {
  std::string s;
  if (auto p = read_string(cx, n, path, s)) return p;
  if (!s.starts_with("http://") && !s.starts_with("https://"))
    return cx.problem(n, path, fmt::format("expected an http:// or https:// URL, got \"{}\"", s));
  out = std::move(s);
  return std::nullopt;
}

// An array of reasoning efforts, each one of kReasoningEfforts.
Problem read_efforts(const Context& cx, const toml::node& n, std::string_view path,
                     std::vector<std::string>& out) {
  const auto* a = n.as_array();
  if (!a) return cx.problem(n, path, expected("an array of strings", n));
  std::vector<std::string> v;
  for (std::size_t i = 0; i < a->size(); ++i) {
    if (auto p = read_enum(cx, *a->get(i), fmt::format("{}[{}]", path, i), kReasoningEfforts,
                           v.emplace_back()))
      return p;
  }
  out = std::move(v);
  return std::nullopt;
}

Problem read_string_table(const Context& cx, const toml::node& n, std::string_view path,
                          std::map<std::string, std::string>& out) {
  const auto* t = n.as_table();
  if (!t) return cx.problem(n, path, expected("a table of strings", n));
  std::map<std::string, std::string> m;
  for (const auto& [key_ptr, node_ptr] : in_file_order(*t)) {
    const toml::key& k = *key_ptr;
    const toml::node& v = *node_ptr;
    if (auto p = read_string(cx, v, join_path(path, k.str()), m[std::string(k.str())])) return p;
  }
  out = std::move(m);
  return std::nullopt;
}

Problem read_wire_api(const Context& cx, const toml::node& n, std::string_view path,
                      std::string& out) {
  std::string s;
  if (auto p = read_string(cx, n, path, s)) return p;
  if (s == "chat") {
    return cx.problem(n, path,
                      "\"chat\" is not supported: Spool speaks the Responses API only "
                      "(wire_api = \"responses\")");
  }
  if (s != "responses")
    return cx.problem(n, path, fmt::format("expected \"responses\", got \"{}\"", s));
  out = std::move(s);
  return std::nullopt;
}

// One [model_providers.<id>] table. Missing keys keep ModelProviderConfig's defaults.
Problem read_provider(const Context& cx, std::string_view id, const toml::node& n,
                      std::string_view path, ModelProviderConfig& out) {
  const auto* t = n.as_table();
  if (!t) return cx.problem(n, path, expected("a table", n));
  ModelProviderConfig p;
  p.id = id;
  p.name = id;
  p.base_url = kOpenAiBaseUrl;
  for (const auto& [key_ptr, node_ptr] : in_file_order(*t)) {
    const toml::key& k = *key_ptr;
    const toml::node& v = *node_ptr;
    const std::string key_path = join_path(path, k.str());
    Problem bad;
    if (k.str() == "name") {
      bad = read_string(cx, v, key_path, p.name);
    } else if (k.str() == "base_url") {
      bad = read_string(cx, v, key_path, p.base_url);
    } else if (k.str() == "env_key") {
      bad = read_string(cx, v, key_path, p.env_key.emplace());
    } else if (k.str() == "wire_api") {
      bad = read_wire_api(cx, v, key_path, p.wire_api);
    } else if (k.str() == "query_params") {
      bad = read_string_table(cx, v, key_path, p.query_params);
    } else if (k.str() == "http_headers") {
      bad = read_string_table(cx, v, key_path, p.http_headers);
    } else if (k.str() == "env_http_headers") {
      bad = read_string_table(cx, v, key_path, p.env_http_headers);
    } else if (k.str() == "request_max_retries") {
      bad = read_count(cx, v, key_path, p.request_max_retries);
    } else if (k.str() == "stream_max_retries") {
      bad = read_count(cx, v, key_path, p.stream_max_retries);
    } else if (k.str() == "stream_idle_timeout_ms") {
      bad = read_count(cx, v, key_path, p.stream_idle_timeout_ms);
    } else if (k.str() == "requires_openai_auth") {
      bad = read_bool(cx, v, key_path, p.requires_openai_auth);
    } else {
      cx.warn_unknown(k, key_path);
    }
    if (bad) return bad;
  }
  out = std::move(p);
  return std::nullopt;
}

Problem read_providers(const Context& cx, const toml::node& n,
                       std::map<std::string, ModelProviderConfig>& out) {
  const auto* t = n.as_table();
  if (!t) return cx.problem(n, "model_providers", expected("a table", n));
  for (const auto& [key_ptr, node_ptr] : in_file_order(*t)) {
    const toml::key& k = *key_ptr;
    const toml::node& v = *node_ptr;
    const std::string id(k.str());
    if (auto p = read_provider(cx, id, v, join_path("model_providers", id), out[id])) return p;
  }
  return std::nullopt;
}

// One [models.<slug>] table.
Problem read_model(const Context& cx, std::string_view slug, const toml::node& n,
                   std::string_view path, ModelConfig& out) {
  const auto* t = n.as_table();
  if (!t) return cx.problem(n, path, expected("a table", n));
  ModelConfig m;
  m.slug = slug;
  for (const auto& [key_ptr, node_ptr] : in_file_order(*t)) {
    const toml::key& k = *key_ptr;
    const toml::node& v = *node_ptr;
    const std::string key_path = join_path(path, k.str());
    Problem bad;
    if (k.str() == "provider") {
      bad = read_string(cx, v, key_path, m.provider.emplace());
    } else if (k.str() == "display_name") {
      bad = read_string(cx, v, key_path, m.display_name.emplace());
    } else if (k.str() == "description") {
      bad = read_string(cx, v, key_path, m.description.emplace());
    } else if (k.str() == "default_reasoning_effort") {
      bad = read_enum(cx, v, key_path, kReasoningEfforts, m.default_reasoning_effort.emplace());
    } else if (k.str() == "supported_reasoning_efforts") {
      bad = read_efforts(cx, v, key_path, m.supported_reasoning_efforts.emplace());
    } else if (k.str() == "hidden") {
      bad = read_bool(cx, v, key_path, m.hidden.emplace());
    } else if (k.str() == "upgrade") {
      bad = read_string(cx, v, key_path, m.upgrade.emplace());
    } else {
      cx.warn_unknown(k, key_path);
    }
    if (bad) return bad;
  }
  out = std::move(m);
  return std::nullopt;
}

Problem read_models(const Context& cx, const toml::node& n, std::map<std::string, ModelConfig>& out) {
  const auto* t = n.as_table();
  if (!t) return cx.problem(n, "models", expected("a table", n));
  for (const auto& [key_ptr, node_ptr] : in_file_order(*t)) {
    const std::string slug(key_ptr->str());
    if (slug.empty()) return cx.problem(*node_ptr, "models", "a model's slug must not be empty");
    if (auto p = read_model(cx, slug, *node_ptr, join_path("models", slug), out[slug])) return p;
  }
  return std::nullopt;
}

// Reads `root` over `cfg`, which starts as the defaults; warnings go to cx.warnings.
Problem read_config(const Context& cx, const toml::table& root, SpoolConfig& cfg) {
  const toml::node* provider_node = nullptr;
  for (const auto& [key_ptr, node_ptr] : in_file_order(root)) {
    const toml::key& k = *key_ptr;
    const toml::node& v = *node_ptr;
    const std::string key(k.str());
    Problem bad;
    if (key == "model") {
      bad = read_string(cx, v, key, cfg.model);
    } else if (key == "model_provider") {
      bad = read_string(cx, v, key, cfg.model_provider);
      provider_node = &v;
    } else if (key == "approval_policy") {
      bad = read_enum(cx, v, key, kApprovalPolicies, cfg.approval_policy);
    } else if (key == "sandbox_mode") {
      bad = read_enum(cx, v, key, kSandboxModes, cfg.sandbox_mode);
    } else if (key == "model_reasoning_effort") {
      bad = read_enum(cx, v, key, kReasoningEfforts, cfg.model_reasoning_effort.emplace());
    } else if (key == "model_providers") {
      bad = read_providers(cx, v, cfg.model_providers);
    } else if (key == "models") {
      bad = read_models(cx, v, cfg.models);
    } else if (key == "login_issuer") {
      bad = read_url(cx, v, key, cfg.login_issuer);
    } else if (key == "login_client_id") {
      bad = read_string(cx, v, key, cfg.login_client_id);
    } else if (key == "login_callback_port") {
      bad = read_count(cx, v, key, cfg.login_callback_port);
      if (!bad && cfg.login_callback_port > 65535)
        bad = cx.problem(v, key, fmt::format("expected a port from 0 to 65535, got {}",
                                             cfg.login_callback_port));
    } else if (key == "feedback_url") {
      bad = read_url(cx, v, key, cfg.feedback_url.emplace());
    } else {
      cx.warn_unknown(k, key);
    }
    if (bad) return bad;
  }
  if (!cfg.model_providers.contains(cfg.model_provider)) {
    std::vector<std::string_view> known;
    for (const auto& [id, _] : cfg.model_providers) known.push_back(id);
    const std::string what = fmt::format("no provider \"{}\"; known providers: {}",
                                         cfg.model_provider, fmt::join(known, ", "));
    // provider_node is set: the default provider always exists.
    return provider_node ? cx.problem(*provider_node, "model_provider", what)
                         : fmt::format("{}: model_provider: {}", cx.source, what);
  }
  for (const auto& [slug, m] : cfg.models) {
    if (m.provider && !cfg.model_providers.contains(*m.provider)) {
      return fmt::format("{}: models.{}.provider: no provider \"{}\"", cx.source, slug,
                         *m.provider);
    }
  }
  return std::nullopt;
}

}  // namespace

SpoolConfig default_config() {
  SpoolConfig cfg;
  cfg.model = kDefaultModel;
  cfg.model_provider = kDefaultProvider;
  cfg.approval_policy = "on-request";
  cfg.sandbox_mode = "read-only";
  ModelProviderConfig openai;
  openai.id = kDefaultProvider;
  openai.name = "OpenAI";
  openai.base_url = kOpenAiBaseUrl;
  openai.env_key = "OPENAI_API_KEY";
  openai.requires_openai_auth = true;
  cfg.model_providers.emplace(openai.id, std::move(openai));
  return cfg;
}

Result<SpoolConfig, std::string> parse_config(std::string_view toml_text,
                                              std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& pos = e.source().begin;
    return fmt::format("{}:{}:{}: {}", source_name, pos.line, pos.column, e.description());
  }
  SpoolConfig cfg = default_config();
  cfg.source_path = std::string(source_name);
  const Context cx{source_name, &cfg.warnings};
  if (auto bad = read_config(cx, root, cfg)) return std::move(*bad);
  return cfg;
}

Result<SpoolConfig, std::string> load_config(const std::filesystem::path& file) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (status.type() == std::filesystem::file_type::not_found) return default_config();
  if (ec) return fmt::format("{}: {}", file.string(), ec.message());
  if (status.type() != std::filesystem::file_type::regular)
    return fmt::format("{}: not a regular file", file.string());
  std::ifstream in(file, std::ios::binary);
  if (!in) return fmt::format("{}: cannot open: {}", file.string(), std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fmt::format("{}: cannot read: {}", file.string(), std::strerror(errno));
  return parse_config(text.str(), file.string());
}

}  // namespace spool::config
