// model/list: the models a client may pick, each with the reasoning efforts it supports.
// Reasoning efforts are plain strings: Codex 0.169 made ReasoningEffort a free non-empty
// string ("low", "medium", "high", "xhigh", ...) where 0.60.1 had a closed enum.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/codec.h"

namespace spool::protocol::v2 {

// NOLINTBEGIN(readability-identifier-naming): wire names

// A kind of user input a model accepts.
enum class InputModality { Text, Image, Audio };
SPOOL_ENUM(InputModality, "v2", Entry{InputModality::Text, "text"},
           Entry{InputModality::Image, "image"}, Entry{InputModality::Audio, "audio"})

// Reasoning efforts default to "medium": Codex's ReasoningEffort must not be empty.
struct ReasoningEffortOption {
  std::string reasoningEffort = "medium";  // Codex ReasoningEffort: a non-empty string
  std::string description;
};
SPOOL_STRUCT(ReasoningEffortOption, "v2", reasoningEffort, description)

// Codex 0.169 fields not modelled: upgradeInfo, availabilityNux, availableAccessPrograms,
// serviceTiers / additionalSpeedTiers / defaultServiceTier (service tiers), modelSpecialty,
// multiAgentVersion and the deprecated supportsPersonality. 0.60.1 had no `hidden`.
struct Model {
  std::string id;
  std::string model;  // the slug to pass as `model` in thread/start and turn/start
  std::string displayName;
  std::string description;
  bool hidden = false;     // left out of the default picker (see ModelListParams.includeHidden)
  bool isDefault = false;  // the model used when a thread names none
  std::string defaultReasoningEffort = "medium";
  std::vector<ReasoningEffortOption> supportedReasoningEfforts;
  // Codex: optional, defaults to text and image; Spool always writes it.
  std::vector<InputModality> inputModalities{InputModality::Text, InputModality::Image};
  std::optional<std::string> upgrade;  // the slug of a recommended newer model
};
SPOOL_STRUCT(Model, "v2", id, model, displayName, description, hidden, isDefault,
             defaultReasoningEffort, supportedReasoningEfforts, inputModalities, upgrade)

struct ModelListParams {
  std::optional<std::string> cursor;  // from a previous ModelListResponse.nextCursor
  std::optional<std::uint32_t> limit;  // page size; null for the server's default
  std::optional<bool> includeHidden;   // include hidden models
  std::optional<std::string> modelProvider;  // list this provider's models, not the default's
};
SPOOL_STRUCT(ModelListParams, "v2", cursor, limit, includeHidden, modelProvider)

struct ModelListResponse {
  std::vector<Model> data;
  std::optional<std::string> nextCursor;  // null when there are no more models
};
SPOOL_STRUCT(ModelListResponse, "v2", data, nextCursor)

// NOLINTEND(readability-identifier-naming)

}  // namespace spool::protocol::v2
