// Spool's settings file, $SPOOL_HOME/config.toml, read with Codex's key names.
//
// A Codex ~/.codex/config.toml works unchanged: the keys Spool knows (model, model_provider,
// approval_policy, sandbox_mode, model_reasoning_effort, [model_providers.<id>]) are checked
// strictly, and every other key is ignored with a warning that names it and its position.
// This file only reads settings; finding $SPOOL_HOME and acting on the settings is the app's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace spool::config {

// One [model_providers.<id>] table: where and how to reach a Responses API.
struct ModelProviderConfig {
  std::string id;                      // the table's key, e.g. "openai" or "mock"
  std::string name;                    // for people; defaults to the id
  std::string base_url;                // e.g. "https://api.openai.com/v1"; defaults to that
  std::optional<std::string> env_key;  // environment variable holding the API key
  std::string wire_api = "responses";  // the only one Spool speaks
  std::map<std::string, std::string> query_params;      // appended to every request URL
  std::map<std::string, std::string> http_headers;      // header name -> value
  std::map<std::string, std::string> env_http_headers;  // header name -> environment variable
  int request_max_retries = 4;
  int stream_max_retries = 5;
  std::int64_t stream_idle_timeout_ms = 300000;
  // Whether requests authenticate with the OpenAI sign-in stored by account/login/start
  // (auth.json) when env_key is unset or empty. Codex's key; true for the built-in "openai".
  bool requires_openai_auth = false;
};

// One [models.<slug>] table: a model model/list offers (Spool's key; Codex has none).
// Unset fields are filled from the built-in catalog or the provider's GET /models.
struct ModelConfig {
  std::string slug;                        // the table's key: what thread/start's model names
  std::optional<std::string> provider;     // a key of model_providers; unset: model_provider
  std::optional<std::string> display_name;
  std::optional<std::string> description;
  std::optional<std::string> default_reasoning_effort;
  std::optional<std::vector<std::string>> supported_reasoning_efforts;
  std::optional<bool> hidden;
  std::optional<std::string> upgrade;      // the slug of a recommended newer model
};

inline constexpr std::string_view kDefaultLoginIssuer = "https://auth.openai.com";
inline constexpr std::string_view kDefaultLoginClientId = "app_EMoamEEZ73f0CkXaXp7hrann";
inline constexpr int kDefaultLoginCallbackPort = 1455;

struct SpoolConfig {
  std::string model;
  std::string model_provider;   // a key of model_providers
  std::string approval_policy;  // untrusted | on-failure | on-request | never
  std::string sandbox_mode;     // read-only | workspace-write | danger-full-access
  std::optional<std::string>
      model_reasoning_effort;  // none | minimal | low | medium | high | xhigh
  std::map<std::string, ModelProviderConfig> model_providers;  // always holds "openai"
  std::map<std::string, ModelConfig> models;                   // [models.<slug>], by slug
  // The ChatGPT sign-in (account/login/start {type: "chatgpt"}): the OAuth issuer, the
  // client id registered with it, and the 127.0.0.1 port of the callback server (0: any
  // free port). Spool's keys: login_issuer, login_client_id, login_callback_port.
  std::string login_issuer{kDefaultLoginIssuer};
  std::string login_client_id{kDefaultLoginClientId};
  int login_callback_port = kDefaultLoginCallbackPort;
  // Where feedback/upload posts reports (JSON); unset: stored only. Spool's key.
  std::optional<std::string> feedback_url;
  // One line per ignored key: "<file>:<line>:<column>: unknown key 'tui.animations', ignored".
  std::vector<std::string> warnings;
  std::optional<std::string> source_path;  // the file read; unset when there was none
};

inline constexpr std::string_view kDefaultModel = "gpt-5-codex";
inline constexpr std::string_view kDefaultProvider = "openai";
inline constexpr std::string_view kOpenAiBaseUrl = "https://api.openai.com/v1";

// The settings when there is no file: model gpt-5-codex on the built-in "openai" provider,
// approval_policy on-request, sandbox_mode read-only, no reasoning effort.
SpoolConfig default_config();

// Reads `file`. A missing file gives default_config(); an unreadable one is an error. Errors
// name the file, line, column and key, e.g.
//   /h/.spool/config.toml:3:19: approval_policy: expected one of untrusted, on-failure,
//   on-request, never, got "sometimes"
// A [model_providers.<id>] table replaces any built-in provider of that id as a whole. A
// model_provider naming no known provider is an error.
Result<SpoolConfig, std::string> load_config(const std::filesystem::path& file);

// The same from text; `source_name` stands for the file in messages and in source_path.
Result<SpoolConfig, std::string> parse_config(std::string_view toml_text,
                                              std::string_view source_name);

}  // namespace spool::config
