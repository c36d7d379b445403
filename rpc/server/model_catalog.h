// What model/list serves: the models a provider offers, merged from config.toml's
// [models.<slug>] tables, a built-in catalog of the OpenAI models the Codex CLI offers, and
// the provider's own GET {base_url}/models answer; and Codex's way of paging through them.
//
// Everything here is pure (no I/O, no clock): the handler fetches /models, loads the config
// and calls these. It is not the place that decides which model a turn runs with
// (thread_settings.h does that).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/spool_config.h"
#include "protocol/v2/model.h"

namespace spool::rpc {

// One model from a provider's GET {base_url}/models answer. Unset fields are unknown.
struct ProviderModel {
  std::string slug;  // never empty
  std::optional<std::string> display_name;
  std::optional<std::string> description;
  std::optional<std::string> default_reasoning_effort;
  std::optional<std::string> upgrade;  // the slug of a recommended newer model
  // Empty: unknown (OpenAI's shape never says).
  std::vector<protocol::v2::ReasoningEffortOption> supported_reasoning_efforts;
  std::optional<bool> hidden;  // Codex's visibility: "list" -> false, "hide"/"none" -> true
};

// Parses a GET /models body. Two shapes are understood:
//  - OpenAI's {"object": "list", "data": [{"id": "gpt-5", ...}]}: only the id is used;
//  - the Codex backend's {"models": [{"slug", "display_name", "description",
//    "default_reasoning_level", "supported_reasoning_levels": [{"effort", "description"}],
//    "visibility": "list" | "hide" | "none", "upgrade": {"model": ...} | "slug" | null}]}
//    (a body with both keys is read as Codex's).
// Entries without a usable (non-empty string) id / slug are skipped, as are later duplicates;
// fields of the wrong type are ignored. Errors (the body is not JSON, not an object, has
// neither list, or the list is not an array) say what was wrong, e.g.
//   "models: expected an object with a \"data\" (OpenAI) or \"models\" (Codex) array, got an
//   array".
Result<std::vector<ProviderModel>, std::string> parse_provider_models(std::string_view body);

// The models offered for provider `provider_id`, merged from:
//  1. [models.<slug>] tables of `config` whose provider (unset: config.model_provider) is
//     provider_id;
//  2. `fetched`, the provider's GET /models answer (null: the provider did not answer);
//  3. the built-in catalog, when provider_id is the built-in OpenAI provider ("openai").
// For each field of one slug the first source above that sets it wins. What no source sets:
//  - displayName: the slug; description: "Served by <provider name>";
//  - supportedReasoningEfforts (config lists efforts by name; descriptions come from the
//    other sources, else a standard text per effort): low/medium/high when the slug looks
//    like a reasoning model (gpt-5*, o1*, o3*, o4*, or contains "codex"), else none;
//  - defaultReasoningEffort: "medium" when supported, else the first supported effort, else
//    "none" (Codex's value for a model without reasoning; the schema wants a non-empty
//    string);
//  - hidden: false; upgrade: null.
// id == model == slug. isDefault is true for exactly one model, config.model, when
// provider_id == config.model_provider (it is added when no source lists it), and that model
// is never hidden unless its own [models.<slug>] table says hidden = true.
// Order: the default model first, then config models in slug order, then the built-in order,
// then the fetched order; each slug once.
std::vector<protocol::v2::Model> model_catalog(const config::SpoolConfig& config,
                                               const std::string& provider_id,
                                               const std::vector<ProviderModel>* fetched);

// One page of `all`, Codex's way. Hidden models are left out first unless
// params.includeHidden. The cursor is the decimal index, into what is left, of the page's
// first model; limit unset means all the rest, and limit 0 is treated as 1 (as Codex does).
// nextCursor is null on the last page. A cursor equal to the number of models gives an empty
// last page. Errors are -32602 messages naming the field:
//   "params.cursor: expected a model index from a previous nextCursor, got \"abc\""
//   "params.cursor: 12 is beyond the end of the list (5 models)"
Result<protocol::v2::ModelListResponse, std::string> page_models(
    const std::vector<protocol::v2::Model>& all, const protocol::v2::ModelListParams& params);

}  // namespace spool::rpc
