// model/list: config [models.*], the built-in catalog and the provider's GET /models,
// merged by model_catalog() and paged by page_models().
#include "rpc/server/model_handlers.h"

#include <fmt/format.h>

#include "protocol/codec.h"
#include "protocol/v2/model.h"
#include "rpc/server/model_catalog.h"
#include "rpc/server/provider_models.h"
#include "rpc/server/session.h"
#include "rpc/server/thread_handler_support.h"

namespace spool::rpc {
namespace {

namespace v2 = protocol::v2;
using nlohmann::json;

void model_list(Session& session, const json& params, Reply reply) {
  v2::ModelListParams p;
  if (!decode_params(params, p, reply)) return;
  AppServer& server = session.server();
  const config::SpoolConfig& cfg = server.info().config;
  const std::string provider = p.modelProvider.value_or(cfg.model_provider);
  if (!cfg.model_providers.contains(provider)) {
    std::vector<std::string_view> known;
    for (const auto& [id, _] : cfg.model_providers) known.push_back(id);
    return reply(invalid_params(
        fmt::format("params.modelProvider: no provider {} is configured; known providers: {}",
                    json(provider).dump(), fmt::join(known, ", "))));
  }
  server.provider_models().get(
      provider, [&server, provider, p = std::move(p),
                 r = share(std::move(reply))](const std::vector<ProviderModel>* fetched) {
        auto page = page_models(model_catalog(server.info().config, provider, fetched), p);
        if (!page) return (*r)(invalid_params(page.error()));
        (*r)(protocol::to_json_value(page.value()));
      });
}

}  // namespace

void register_model_handlers(Session& session, MessageRouter& router) {
  router.add("model/list",
             [&session](const json& p, Reply r) { model_list(session, p, std::move(r)); });
}

}  // namespace spool::rpc
