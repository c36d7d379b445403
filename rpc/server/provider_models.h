// ProviderModels: the model lists providers answer at GET {base_url}/models, fetched on the
// loop through the server's HttpClient and cached, for model/list.
//
// A list is kept for kFreshMs after a successful fetch; after a failure (an HTTP error, a
// body that does not parse, a timeout, no credentials) the provider is not asked again for
// kRetryMs, and model/list serves the configured and built-in models alone meanwhile.
// Requests for one provider while its fetch runs wait for that fetch. A provider at
// api.openai.com is not asked: its /models lists the whole API (embeddings, speech, ...),
// and the built-in catalog describes the models a coding agent uses.
//
// Threading: loop thread only. Callbacks run on the loop, possibly from inside get().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/http_client.h"
#include "rpc/server/model_catalog.h"

namespace spool::rpc {

class AppServer;

class ProviderModels {
 public:
  static constexpr std::int64_t kFreshMs = 5 * 60 * 1000;
  static constexpr std::int64_t kRetryMs = 30 * 1000;
  static constexpr long kTimeoutMs = 5000;

  explicit ProviderModels(AppServer& server);
  ~ProviderModels();  // fetches still running end unheard; their waiters are not called
  ProviderModels(const ProviderModels&) = delete;
  ProviderModels& operator=(const ProviderModels&) = delete;

  // `done` gets the provider's list, or null when it has none to offer now.
  using Done = std::function<void(const std::vector<ProviderModel>*)>;
  void get(const std::string& provider_id, Done done);

 private:
  struct Entry {
    std::optional<std::vector<ProviderModel>> models;  // null after a failure
    std::int64_t fetched_at_ms = 0;
    bool fetching = false;
    std::vector<Done> waiters;
  };
  void finish(const std::string& provider_id, std::optional<std::vector<ProviderModel>> models);

  AppServer& server_;
  std::map<std::string, Entry> entries_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace spool::rpc
