// model/list's catalog: parsing GET /models answers, merging them with config.toml and the
// built-in OpenAI models, and paging. See model_catalog.h for the contracts.
#include "rpc/server/model_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

namespace spool::rpc {
namespace {

namespace v2 = protocol::v2;
using nlohmann::json;

constexpr std::string_view kOpenAiProvider = "openai";

// --- built-in catalog ------------------------------------------------------------------------
// The OpenAI models the Codex CLI offers (Codex's model presets and bundled models.json),
// with their reasoning efforts as Codex describes them. Codex hides its older models from
// the picker; gpt-5-codex stays listed here because it is Spool's default model.

struct BuiltinEffort {
  std::string_view effort;
  std::string_view description;
};

struct BuiltinModel {
  std::string_view slug;
  std::string_view description;
  std::vector<BuiltinEffort> efforts;
  std::string_view default_effort;
  bool hidden;
  std::string_view upgrade;  // empty: none
};

// Codex's wordings for the newer models...
constexpr BuiltinEffort kLowFast{"low", "Fast responses with lighter reasoning"};
constexpr BuiltinEffort kMediumBalanced{"medium",
                                        "Balances speed and reasoning depth for everyday tasks"};
constexpr BuiltinEffort kHighDeeper{"high", "Greater reasoning depth for complex problems"};
constexpr BuiltinEffort kXhighDeeper{"xhigh", "Extra high reasoning depth for complex problems"};
// ...for the codex models of the gpt-5 and gpt-5.1 generations...
constexpr BuiltinEffort kLowLimited{"low", "Fastest responses with limited reasoning"};
constexpr BuiltinEffort kMediumDynamic{"medium", "Dynamically adjusts reasoning based on the task"};
constexpr BuiltinEffort kHighMax{"high",
                                 "Maximizes reasoning depth for complex or ambiguous problems"};
// ...and for the general-purpose models.
constexpr BuiltinEffort kMinimalGeneral{"minimal", "Fastest responses with little reasoning"};
constexpr BuiltinEffort kLowGeneral{
    "low",
    "Balances speed with some reasoning; useful for straightforward queries and short "
    "explanations"};
constexpr BuiltinEffort kMediumGeneral{
    "medium", "Provides a solid balance of reasoning depth and latency for general-purpose tasks"};
constexpr BuiltinEffort kXhighGeneral{"xhigh", "Extra high reasoning for complex problems"};

const std::vector<BuiltinModel>& builtin_models() {
  static const std::vector<BuiltinModel> k = {
      {"gpt-5.2-codex",
       "Frontier agentic coding model.",
       {kLowFast, kMediumBalanced, kHighDeeper, kXhighDeeper},
       "medium",
       false,
       ""},
      {"gpt-5.1-codex-max",
       "Codex-optimized flagship for deep and fast reasoning.",
       {kLowFast, kMediumBalanced, kHighDeeper, kXhighDeeper},
       "medium",
       false,
       "gpt-5.2-codex"},
      {"gpt-5.1-codex-mini",
       "Optimized for codex. Cheaper, faster, but less capable.",
       {kMediumDynamic, kHighMax},
       "medium",
       false,
       ""},
      {"gpt-5.2",
       "Latest frontier model with improvements across knowledge, reasoning and coding",
       {kLowGeneral, kMediumGeneral, kHighMax, kXhighGeneral},
       "medium",
       false,
       ""},
      {"gpt-5-codex",
       "Optimized for codex.",
       {kLowLimited, kMediumDynamic, kHighMax},
       "medium",
       false,
       "gpt-5.2-codex"},
      {"gpt-5.1-codex",
       "Optimized for codex.",
       {kLowLimited, kMediumDynamic, kHighMax},
       "medium",
       true,
       "gpt-5.2-codex"},
      {"gpt-5.1",
       "Broad world knowledge with strong general reasoning.",
       {kLowGeneral, kMediumGeneral, kHighMax},
       "medium",
       true,
       "gpt-5.2"},
      {"gpt-5-codex-mini",
       "Optimized for codex. Cheaper, faster, but less capable.",
       {kMediumDynamic, kHighMax},
       "medium",
       true,
       "gpt-5.1-codex-mini"},
      {"gpt-5",
       "Broad world knowledge with strong general reasoning.",
       {kMinimalGeneral, kLowGeneral, kMediumGeneral, kHighMax},
       "medium",
       true,
       "gpt-5.2"},
  };
  return k;
}

// The text for an effort no source describes.
std::string standard_effort_description(std::string_view effort) {
  static const std::map<std::string_view, std::string_view> k = {
      {"none", "No reasoning"},          {"minimal", kMinimalGeneral.description},
      {"low", kLowFast.description},     {"medium", kMediumBalanced.description},
      {"high", kHighDeeper.description}, {"xhigh", kXhighDeeper.description},
  };
  auto it = k.find(effort);
  return it == k.end() ? std::string() : std::string(it->second);
}

// Whether a slug no source describes is probably a reasoning model.
bool looks_like_reasoning_model(std::string_view slug) {
  for (std::string_view prefix : {"gpt-5", "o1", "o3", "o4"}) {
    if (slug.starts_with(prefix)) return true;
  }
  return slug.find("codex") != std::string_view::npos;
}

// --- parsing ---------------------------------------------------------------------------------

std::optional<std::string> string_field(const json& entry, const char* key) {
  auto it = entry.find(key);
  if (it == entry.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::string> non_empty_string_field(const json& entry, const char* key) {
  auto s = string_field(entry, key);
  if (s && s->empty()) return std::nullopt;
  return s;
}

ProviderModel parse_codex_entry(const json& entry, std::string slug) {
  ProviderModel m;
  m.slug = std::move(slug);
  m.display_name = non_empty_string_field(entry, "display_name");
  m.description = string_field(entry, "description");
  m.default_reasoning_effort = non_empty_string_field(entry, "default_reasoning_level");
  if (auto levels = entry.find("supported_reasoning_levels");
      levels != entry.end() && levels->is_array()) {
    for (const auto& level : *levels) {
      v2::ReasoningEffortOption option;
      if (level.is_string()) {  // seen in the wild: a bare list of effort names
        option.reasoningEffort = level.get<std::string>();
      } else if (level.is_object()) {
        option.reasoningEffort = string_field(level, "effort").value_or("");
        option.description = string_field(level, "description").value_or("");
      } else {
        continue;
      }
      if (!option.reasoningEffort.empty()) {
        m.supported_reasoning_efforts.push_back(std::move(option));
      }
    }
  }
  if (auto visibility = string_field(entry, "visibility")) {
    if (*visibility == "list") {
      m.hidden = false;
    } else if (*visibility == "hide" || *visibility == "none") {
      m.hidden = true;
    }
  }
  if (auto upgrade = entry.find("upgrade"); upgrade != entry.end()) {
    if (upgrade->is_string() && !upgrade->get<std::string>().empty()) {
      m.upgrade = upgrade->get<std::string>();
    } else if (upgrade->is_object()) {
      m.upgrade = non_empty_string_field(*upgrade, "model");
    }
  }
  return m;
}

std::string describe(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    default:
      return "a number";
  }
}

// --- merging ---------------------------------------------------------------------------------

// What is known of one slug, field by field; earlier sources fill first.
struct Merged {
  std::string slug;
  std::optional<std::string> display_name;
  std::optional<std::string> description;
  std::optional<std::string> default_effort;
  std::optional<std::vector<v2::ReasoningEffortOption>> efforts;
  std::optional<std::vector<std::string>> config_effort_names;  // from [models.<slug>]
  std::map<std::string, std::string> effort_descriptions;       // from any source, first wins
  std::optional<bool> hidden;
  std::optional<bool> config_hidden;
  std::optional<std::string> upgrade;
};

template <class T>
void fill(std::optional<T>& slot, const std::optional<T>& value) {
  if (!slot && value) slot = value;
}

void fill_efforts(Merged& m, const std::vector<v2::ReasoningEffortOption>& efforts) {
  for (const auto& e : efforts) {
    if (!e.description.empty()) m.effort_descriptions.emplace(e.reasoningEffort, e.description);
  }
  if (!m.efforts && !efforts.empty()) m.efforts = efforts;
}

void merge_config(Merged& m, const config::ModelConfig& c) {
  fill(m.display_name, c.display_name);
  fill(m.description, c.description);
  fill(m.default_effort, c.default_reasoning_effort);
  fill(m.config_effort_names, c.supported_reasoning_efforts);
  fill(m.hidden, c.hidden);
  fill(m.config_hidden, c.hidden);
  fill(m.upgrade, c.upgrade);
}

void merge_fetched(Merged& m, const ProviderModel& p) {
  fill(m.display_name, p.display_name);
  fill(m.description, p.description);
  fill(m.default_effort, p.default_reasoning_effort);
  fill_efforts(m, p.supported_reasoning_efforts);
  fill(m.hidden, p.hidden);
  fill(m.upgrade, p.upgrade);
}

void merge_builtin(Merged& m, const BuiltinModel& b) {
  fill(m.display_name, std::optional<std::string>(std::string(b.slug)));
  fill(m.description, std::optional<std::string>(std::string(b.description)));
  fill(m.default_effort, std::optional<std::string>(std::string(b.default_effort)));
  std::vector<v2::ReasoningEffortOption> efforts;
  for (const auto& e : b.efforts) {
    efforts.push_back({std::string(e.effort), std::string(e.description)});
  }
  fill_efforts(m, efforts);
  fill(m.hidden, std::optional<bool>(b.hidden));
  if (!b.upgrade.empty()) fill(m.upgrade, std::optional<std::string>(std::string(b.upgrade)));
}

v2::Model finish(const Merged& m, const std::string& provider_name, bool is_default) {
  v2::Model out;
  out.id = m.slug;
  out.model = m.slug;
  out.displayName = m.display_name.value_or(m.slug);
  out.description = m.description.value_or(fmt::format("Served by {}", provider_name));
  if (m.config_effort_names) {
    for (const auto& name : *m.config_effort_names) {
      if (name.empty()) continue;
      auto known = m.effort_descriptions.find(name);
      out.supportedReasoningEfforts.push_back({name, known != m.effort_descriptions.end()
                                                         ? known->second
                                                         : standard_effort_description(name)});
    }
  } else if (m.efforts) {
    out.supportedReasoningEfforts = *m.efforts;
  } else if (looks_like_reasoning_model(m.slug)) {
    for (const char* name : {"low", "medium", "high"}) {
      out.supportedReasoningEfforts.push_back({name, standard_effort_description(name)});
    }
  }
  if (m.default_effort && !m.default_effort->empty()) {
    out.defaultReasoningEffort = *m.default_effort;
  } else {
    const auto& efforts = out.supportedReasoningEfforts;
    auto medium = std::find_if(efforts.begin(), efforts.end(),
                               [](const auto& e) { return e.reasoningEffort == "medium"; });
    out.defaultReasoningEffort = medium != efforts.end() ? "medium"
                                 : efforts.empty()       ? "none"
                                                         : efforts.front().reasoningEffort;
  }
  out.hidden = is_default ? m.config_hidden.value_or(false) : m.hidden.value_or(false);
  out.isDefault = is_default;
  out.upgrade = m.upgrade;
  return out;
}

}  // namespace

Result<std::vector<ProviderModel>, std::string> parse_provider_models(std::string_view body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::string("models: the body is not JSON");
  if (!doc.is_object()) {
    return fmt::format(
        "models: expected an object with a \"data\" (OpenAI) or \"models\" (Codex) array, got {}",
        describe(doc));
  }
  const bool codex = doc.contains("models");
  const char* key = codex ? "models" : "data";
  auto list = doc.find(key);
  if (list == doc.end()) {
    return std::string(
        "models: expected an object with a \"data\" (OpenAI) or \"models\" (Codex) array, got "
        "neither");
  }
  if (!list->is_array()) {
    return fmt::format("models.{}: expected an array, got {}", key, describe(*list));
  }
  std::vector<ProviderModel> out;
  std::set<std::string> seen;
  for (const auto& entry : *list) {
    if (!entry.is_object()) continue;
    auto slug = non_empty_string_field(entry, codex ? "slug" : "id");
    if (!slug || !seen.insert(*slug).second) continue;
    if (codex) {
      out.push_back(parse_codex_entry(entry, std::move(*slug)));
    } else {
      ProviderModel m;
      m.slug = std::move(*slug);
      out.push_back(std::move(m));
    }
  }
  return out;
}

std::vector<v2::Model> model_catalog(const config::SpoolConfig& config,
                                     const std::string& provider_id,
                                     const std::vector<ProviderModel>* fetched) {
  std::vector<std::string> order;
  std::map<std::string, Merged> by_slug;
  auto slot = [&](const std::string& slug) -> Merged& {
    auto [it, added] = by_slug.try_emplace(slug);
    if (added) {
      it->second.slug = slug;
      order.push_back(slug);
    }
    return it->second;
  };

  // Slots are made in listing order (config, built-in, fetched) while fields are filled in
  // precedence order (config, fetched, built-in): the built-in slugs are slotted before the
  // fetched models are merged, and filled after.
  for (const auto& [slug, model] : config.models) {
    if (slug.empty()) continue;
    if (model.provider.value_or(config.model_provider) == provider_id) {
      merge_config(slot(slug), model);
    }
  }
  const bool builtin = provider_id == kOpenAiProvider;
  if (builtin) {
    for (const auto& b : builtin_models()) slot(std::string(b.slug));
  }
  if (fetched) {
    for (const auto& p : *fetched) {
      if (!p.slug.empty()) merge_fetched(slot(p.slug), p);
    }
  }
  if (builtin) {
    for (const auto& b : builtin_models()) merge_builtin(by_slug.at(std::string(b.slug)), b);
  }

  std::string default_slug;
  if (provider_id == config.model_provider && !config.model.empty()) {
    default_slug = config.model;
    slot(default_slug);
    std::stable_partition(order.begin(), order.end(),
                          [&](const std::string& s) { return s == default_slug; });
  }

  std::string provider_name = provider_id;
  if (auto p = config.model_providers.find(provider_id);
      p != config.model_providers.end() && !p->second.name.empty()) {
    provider_name = p->second.name;
  }

  std::vector<v2::Model> out;
  out.reserve(order.size());
  for (const auto& slug : order) {
    out.push_back(finish(by_slug.at(slug), provider_name, slug == default_slug));
  }
  return out;
}

Result<v2::ModelListResponse, std::string> page_models(const std::vector<v2::Model>& all,
                                                       const v2::ModelListParams& params) {
  std::vector<const v2::Model*> visible;
  for (const auto& m : all) {
    if (!m.hidden || params.includeHidden.value_or(false)) visible.push_back(&m);
  }

  std::size_t start = 0;
  if (params.cursor) {
    const std::string& c = *params.cursor;
    auto [end, ec] = std::from_chars(c.data(), c.data() + c.size(), start);
    const bool digits_only = !c.empty() && std::all_of(c.begin(), c.end(), [](char ch) {
      return ch >= '0' && ch <= '9';
    });
    if (!digits_only || ec != std::errc() || end != c.data() + c.size()) {
      return fmt::format(
          "params.cursor: expected a model index from a previous nextCursor, got \"{}\"", c);
    }
    if (start > visible.size()) {
      return fmt::format("params.cursor: {} is beyond the end of the list ({} models)", start,
                         visible.size());
    }
  }

  const std::size_t rest = visible.size() - start;
  std::size_t count = params.limit ? std::max<std::size_t>(*params.limit, 1) : rest;
  count = std::min(count, rest);

  v2::ModelListResponse page;
  for (std::size_t i = start; i < start + count; ++i) page.data.push_back(*visible[i]);
  if (start + count < visible.size()) page.nextCursor = std::to_string(start + count);
  return page;
}

}  // namespace spool::rpc
