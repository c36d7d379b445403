// Tests of rpc/server/model_catalog: GET /models parsing (OpenAI's and Codex's shapes), the
// merge of config, fetched and built-in models, and model/list paging.
#include "rpc/server/model_catalog.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "protocol/codec.h"

namespace spool::rpc {
namespace {

namespace v2 = protocol::v2;
using nlohmann::json;

config::SpoolConfig config_with_mock() {
  auto c = config::default_config();
  config::ModelProviderConfig mock;
  mock.id = "mock";
  mock.name = "Mock Provider";
  mock.base_url = "http://127.0.0.1:1/v1";
  c.model_providers["mock"] = mock;
  return c;
}

const v2::Model* find(const std::vector<v2::Model>& models, const std::string& slug) {
  auto it = std::find_if(models.begin(), models.end(),
                         [&](const v2::Model& m) { return m.model == slug; });
  return it == models.end() ? nullptr : &*it;
}

std::vector<std::string> slugs(const std::vector<v2::Model>& models) {
  std::vector<std::string> out;
  for (const auto& m : models) out.push_back(m.model);
  return out;
}

std::vector<std::string> efforts(const v2::Model& m) {
  std::vector<std::string> out;
  for (const auto& e : m.supportedReasoningEfforts) out.push_back(e.reasoningEffort);
  return out;
}

std::size_t default_count(const std::vector<v2::Model>& models) {
  return std::count_if(models.begin(), models.end(), [](const auto& m) { return m.isDefault; });
}

TEST_CASE("parse_provider_models reads OpenAI's list shape", "[models]") {
  auto r = parse_provider_models(R"({"object":"list","data":[
      {"id":"mock-model","object":"model","created":0,"owned_by":"spool-tests"},
      {"id":""}, {"object":"model"}, 7, {"id":42},
      {"id":"mock-reasoner-codex","object":"model"},
      {"id":"mock-model"}]})");
  REQUIRE(r);
  REQUIRE(r.value().size() == 2);
  CHECK(r.value()[0].slug == "mock-model");
  CHECK_FALSE(r.value()[0].display_name);
  CHECK_FALSE(r.value()[0].hidden);
  CHECK(r.value()[0].supported_reasoning_efforts.empty());
  CHECK(r.value()[1].slug == "mock-reasoner-codex");
}

TEST_CASE("parse_provider_models reads the Codex backend's shape", "[models]") {
  auto r = parse_provider_models(R"({"models":[
      {"slug":"gpt-x","display_name":"GPT X","description":"The x model.",
       "default_reasoning_level":"high",
       "supported_reasoning_levels":[{"effort":"low","description":"Quick"},
                                     {"effort":"high","description":"Deep"},
                                     {"effort":""}, 3],
       "visibility":"list","upgrade":{"model":"gpt-y","migration_markdown":"..."},
       "priority":1,"base_instructions":"..."},
      {"slug":"gpt-old","display_name":"gpt-old","description":null,"visibility":"hide",
       "supported_reasoning_levels":["medium"],"upgrade":"gpt-x"},
      {"slug":"gpt-none","visibility":"none","upgrade":null},
      {"display_name":"no slug"}]})");
  REQUIRE(r);
  const auto& m = r.value();
  REQUIRE(m.size() == 3);
  CHECK(m[0].slug == "gpt-x");
  CHECK(m[0].display_name == "GPT X");
  CHECK(m[0].description == "The x model.");
  CHECK(m[0].default_reasoning_effort == "high");
  REQUIRE(m[0].supported_reasoning_efforts.size() == 2);
  CHECK(m[0].supported_reasoning_efforts[0].reasoningEffort == "low");
  CHECK(m[0].supported_reasoning_efforts[0].description == "Quick");
  CHECK(m[0].supported_reasoning_efforts[1].reasoningEffort == "high");
  CHECK(m[0].hidden == false);
  CHECK(m[0].upgrade == "gpt-y");
  CHECK(m[1].hidden == true);
  CHECK_FALSE(m[1].description);
  CHECK(m[1].upgrade == "gpt-x");
  REQUIRE(m[1].supported_reasoning_efforts.size() == 1);
  CHECK(m[1].supported_reasoning_efforts[0].reasoningEffort == "medium");
  CHECK(m[2].hidden == true);
  CHECK_FALSE(m[2].upgrade);
  CHECK_FALSE(m[2].default_reasoning_effort);
}

TEST_CASE("parse_provider_models says what is wrong with a bad body", "[models]") {
  auto bad = [](std::string_view body) {
    auto r = parse_provider_models(body);
    REQUIRE_FALSE(r);
    return r.error();
  };
  CHECK_THAT(bad("{not json"), Catch::Contains("not JSON"));
  CHECK_THAT(bad(""), Catch::Contains("not JSON"));
  CHECK_THAT(bad("[1,2]"), Catch::Contains("got an array"));
  CHECK_THAT(bad(R"({"object":"list"})"), Catch::Contains("\"data\" (OpenAI)"));
  CHECK_THAT(bad(R"({"object":"list"})"), Catch::Contains("got neither"));
  CHECK(bad(R"({"data":{"id":"x"}})") == "models.data: expected an array, got an object");
  CHECK(bad(R"({"models":null})") == "models.models: expected an array, got null");
  // An empty list is fine.
  auto empty = parse_provider_models(R"({"data":[]})");
  REQUIRE(empty);
  CHECK(empty.value().empty());
}

TEST_CASE("the built-in OpenAI catalog: default first, Codex's models after it", "[models]") {
  const auto c = config::default_config();
  const auto models = model_catalog(c, "openai", nullptr);
  REQUIRE(models.size() >= 5);
  CHECK(models[0].model == config::kDefaultModel);
  CHECK(models[0].isDefault);
  CHECK_FALSE(models[0].hidden);
  CHECK(default_count(models) == 1);
  CHECK(efforts(models[0]) == std::vector<std::string>{"low", "medium", "high"});
  CHECK(models[0].defaultReasoningEffort == "medium");
  CHECK(models[0].description == "Optimized for codex.");

  const auto* codex52 = find(models, "gpt-5.2-codex");
  REQUIRE(codex52);
  CHECK(codex52->displayName == "gpt-5.2-codex");
  CHECK(efforts(*codex52) == std::vector<std::string>{"low", "medium", "high", "xhigh"});
  CHECK_FALSE(codex52->hidden);
  const auto* gpt5 = find(models, "gpt-5");
  REQUIRE(gpt5);
  CHECK(gpt5->hidden);
  CHECK(efforts(*gpt5).front() == "minimal");
  CHECK(gpt5->upgrade.has_value());

  for (const auto& m : models) {
    CHECK(m.id == m.model);
    CHECK_FALSE(m.displayName.empty());
    CHECK_FALSE(m.description.empty());
    CHECK_FALSE(m.defaultReasoningEffort.empty());
    for (const auto& e : m.supportedReasoningEfforts) CHECK_FALSE(e.description.empty());
  }
  std::set<std::string> unique;
  for (const auto& s : slugs(models)) CHECK(unique.insert(s).second);
}

TEST_CASE("config wins over fetched, fetched over built-in", "[models]") {
  auto c = config::default_config();
  config::ModelConfig cfg;
  cfg.slug = "gpt-5.2-codex";
  cfg.display_name = "Configured name";
  cfg.supported_reasoning_efforts = std::vector<std::string>{"high", "xhigh", "turbo"};
  cfg.default_reasoning_effort = "high";
  c.models[cfg.slug] = cfg;

  std::vector<ProviderModel> fetched(2);
  fetched[0].slug = "gpt-5.2-codex";
  fetched[0].display_name = "Fetched name";
  fetched[0].description = "Fetched description";
  fetched[0].supported_reasoning_efforts = {{"high", "Fetched high"}, {"low", "Fetched low"}};
  fetched[0].hidden = true;
  fetched[1].slug = "gpt-5";
  fetched[1].description = "Fetched gpt-5";

  const auto models = model_catalog(c, "openai", &fetched);
  const auto* m = find(models, "gpt-5.2-codex");
  REQUIRE(m);
  CHECK(m->displayName == "Configured name");         // config
  CHECK(m->description == "Fetched description");     // fetched, over the built-in
  CHECK(m->defaultReasoningEffort == "high");         // config
  CHECK(m->hidden);                                   // fetched, over the built-in
  REQUIRE(m->supportedReasoningEfforts.size() == 3);  // config's names...
  CHECK(m->supportedReasoningEfforts[0].description == "Fetched high");  // ...fetched text
  CHECK(m->supportedReasoningEfforts[1].description ==
        "Extra high reasoning depth for complex problems");  // built-in text
  CHECK(m->supportedReasoningEfforts[2].reasoningEffort == "turbo");
  CHECK(m->supportedReasoningEfforts[2].description.empty());

  const auto* gpt5 = find(models, "gpt-5");
  REQUIRE(gpt5);
  CHECK(gpt5->description == "Fetched gpt-5");
  CHECK(efforts(*gpt5).front() == "minimal");  // fetched efforts unknown: built-in ones
  CHECK(gpt5->displayName == "gpt-5");
}

TEST_CASE("models known only from the provider get defaults", "[models]") {
  auto c = config_with_mock();
  c.model_provider = "mock";
  c.model = "mock-model";
  auto fetched = parse_provider_models(R"({"object":"list","data":[
      {"id":"mock-model"},{"id":"mock-reasoner-codex"},{"id":"o3-mini"}]})");
  REQUIRE(fetched);
  const auto models = model_catalog(c, "mock", &fetched.value());
  CHECK(slugs(models) == std::vector<std::string>{"mock-model", "mock-reasoner-codex", "o3-mini"});
  const auto& plain = models[0];
  CHECK(plain.isDefault);
  CHECK(plain.displayName == "mock-model");
  CHECK(plain.description == "Served by Mock Provider");
  CHECK(plain.supportedReasoningEfforts.empty());
  CHECK(plain.defaultReasoningEffort == "none");
  CHECK_FALSE(plain.hidden);
  CHECK_FALSE(plain.upgrade);
  for (const auto* slug : {"mock-reasoner-codex", "o3-mini"}) {
    const auto* m = find(models, slug);
    REQUIRE(m);
    CHECK(efforts(*m) == std::vector<std::string>{"low", "medium", "high"});
    CHECK(m->defaultReasoningEffort == "medium");
    CHECK_FALSE(m->isDefault);
  }
  // No built-in models for a provider other than "openai".
  CHECK_FALSE(find(models, "gpt-5.2-codex"));
}

TEST_CASE("order: default, config by slug, built-in, fetched; each once", "[models]") {
  auto c = config_with_mock();
  c.model = "zeta-default";
  for (const char* slug : {"b-config", "a-config", "gpt-5"}) {
    config::ModelConfig m;
    m.slug = slug;
    c.models[slug] = m;
  }
  config::ModelConfig elsewhere;
  elsewhere.slug = "mock-only";
  elsewhere.provider = "mock";
  c.models["mock-only"] = elsewhere;

  std::vector<ProviderModel> fetched(3);
  fetched[0].slug = "fetched-1";
  fetched[1].slug = "a-config";
  fetched[2].slug = "gpt-5.2-codex";
  const auto models = model_catalog(c, "openai", &fetched);
  auto s = slugs(models);
  REQUIRE(s.size() >= 6);
  CHECK(s[0] == "zeta-default");  // not listed anywhere: added first
  CHECK(s[1] == "a-config");
  CHECK(s[2] == "b-config");
  CHECK(s[3] == "gpt-5");
  CHECK(s[4] == "gpt-5.2-codex");  // then the built-in order
  CHECK(s.back() == "fetched-1");
  CHECK(std::count(s.begin(), s.end(), "gpt-5") == 1);
  CHECK(std::count(s.begin(), s.end(), "a-config") == 1);
  CHECK_FALSE(find(models, "mock-only"));
  CHECK(default_count(models) == 1);
  CHECK(models[0].isDefault);
  CHECK(models[0].description == "Served by OpenAI");  // the provider's name

  // The same config, listed for the mock provider: only its own model, no default.
  const auto mock = model_catalog(c, "mock", nullptr);
  CHECK(slugs(mock) == std::vector<std::string>{"mock-only"});
  CHECK(default_count(mock) == 0);
}

TEST_CASE("the default model is listed first and shown unless config hides it", "[models]") {
  auto c = config::default_config();
  c.model = "gpt-5";  // hidden in the built-in catalog
  auto models = model_catalog(c, "openai", nullptr);
  CHECK(models[0].model == "gpt-5");
  CHECK(models[0].isDefault);
  CHECK_FALSE(models[0].hidden);
  CHECK(default_count(models) == 1);
  CHECK_FALSE(find(models, std::string(config::kDefaultModel))->isDefault);

  config::ModelConfig hide;
  hide.slug = "gpt-5";
  hide.hidden = true;
  c.models["gpt-5"] = hide;
  models = model_catalog(c, "openai", nullptr);
  CHECK(models[0].hidden);
}

std::vector<v2::Model> numbered(int n, std::set<int> hidden = {}) {
  std::vector<v2::Model> out;
  for (int i = 0; i < n; ++i) {
    v2::Model m;
    m.id = m.model = "m" + std::to_string(i);
    m.hidden = hidden.count(i) > 0;
    out.push_back(m);
  }
  return out;
}

TEST_CASE("paging reaches every model exactly once", "[models]") {
  const auto all = numbered(7, {2, 5});
  for (bool include_hidden : {false, true}) {
    for (std::uint32_t limit : {1u, 2u, 3u, 5u, 7u, 100u}) {
      v2::ModelListParams p;
      p.limit = limit;
      p.includeHidden = include_hidden;
      std::vector<std::string> seen;
      for (int guard = 0; guard < 20; ++guard) {
        auto page = page_models(all, p);
        REQUIRE(page);
        CHECK(page.value().data.size() <= limit);
        for (const auto& m : page.value().data) seen.push_back(m.model);
        if (!page.value().nextCursor) break;
        p.cursor = page.value().nextCursor;
      }
      std::vector<std::string> want;
      for (const auto& m : all) {
        if (include_hidden || !m.hidden) want.push_back(m.model);
      }
      INFO("limit " << limit << " includeHidden " << include_hidden);
      CHECK(seen == want);
    }
  }
}

TEST_CASE("paging: limits, hidden models and the last page", "[models]") {
  const auto all = numbered(4, {1});
  v2::ModelListParams p;
  auto page = page_models(all, p);  // no limit: everything visible, one page
  REQUIRE(page);
  CHECK(slugs(page.value().data) == std::vector<std::string>{"m0", "m2", "m3"});
  CHECK_FALSE(page.value().nextCursor);

  p.includeHidden = true;
  p.limit = 0;  // treated as 1
  page = page_models(all, p);
  REQUIRE(page);
  CHECK(slugs(page.value().data) == std::vector<std::string>{"m0"});
  CHECK(page.value().nextCursor == "1");

  p.limit.reset();
  p.cursor = "1";  // the rest
  page = page_models(all, p);
  REQUIRE(page);
  CHECK(slugs(page.value().data) == std::vector<std::string>{"m1", "m2", "m3"});
  CHECK_FALSE(page.value().nextCursor);

  p.cursor = "4";  // the end: an empty last page
  page = page_models(all, p);
  REQUIRE(page);
  CHECK(page.value().data.empty());
  CHECK_FALSE(page.value().nextCursor);

  page = page_models({}, {});
  REQUIRE(page);
  CHECK(page.value().data.empty());
  CHECK_FALSE(page.value().nextCursor);
}

TEST_CASE("a bad cursor names the field and what was expected", "[models]") {
  const auto all = numbered(3);
  for (const char* bad : {"abc", "", "-1", "+1", "1x", " 1", "1.0", "99999999999999999999999"}) {
    v2::ModelListParams p;
    p.cursor = bad;
    auto page = page_models(all, p);
    INFO("cursor " << bad);
    REQUIRE_FALSE(page);
    CHECK_THAT(page.error(),
               Catch::StartsWith("params.cursor: expected a model index from a previous "
                                 "nextCursor, got \"" +
                                 std::string(bad) + "\""));
  }
  v2::ModelListParams p;
  p.cursor = "4";
  auto page = page_models(all, p);
  REQUIRE_FALSE(page);
  CHECK(page.error() == "params.cursor: 4 is beyond the end of the list (3 models)");
  // Beyond the end of what is visible, even though hidden models make the list longer.
  auto hidden = numbered(3, {0, 1});
  p.cursor = "2";
  CHECK_FALSE(page_models(hidden, p));
}

json load_schema_definitions() {
  std::ifstream in(std::string(SPOOL_TEST_DATA) +
                   "/codex-schema/0.169.0/codex_app_server_protocol.schemas.json");
  REQUIRE(in);
  return json::parse(in)["definitions"]["v2"];
}

bool has_type(const json& value, const json& schema) {
  if (!schema.contains("type")) return true;  // $ref and the like: not checked here
  auto matches = [&](const std::string& t) {
    return (t == "string" && value.is_string()) || (t == "boolean" && value.is_boolean()) ||
           (t == "array" && value.is_array()) || (t == "object" && value.is_object()) ||
           (t == "null" && value.is_null()) || (t == "integer" && value.is_number_integer());
  };
  const auto& type = schema["type"];
  if (type.is_string()) return matches(type.get<std::string>());
  return std::any_of(type.begin(), type.end(), [&](const json& t) { return matches(t); });
}

TEST_CASE("encoded models carry every field the 0.169 schema requires", "[models]") {
  const json defs = load_schema_definitions();
  const json& model_schema = defs["Model"];
  const json& option_schema = defs["ReasoningEffortOption"];
  REQUIRE(model_schema["required"].size() >= 8);

  auto c = config_with_mock();
  std::vector<ProviderModel> fetched(1);
  fetched[0].slug = "plain-model";
  auto models = model_catalog(c, "openai", &fetched);
  REQUIRE(find(models, "plain-model"));

  v2::ModelListResponse response;
  response.data = models;
  const json encoded = protocol::to_json_value(response);
  REQUIRE(encoded["data"].size() == models.size());
  CHECK(encoded["nextCursor"].is_null());
  for (const auto& m : encoded["data"]) {
    INFO(m.dump());
    for (const auto& field : model_schema["required"]) {
      const auto name = field.get<std::string>();
      REQUIRE(m.contains(name));
      CHECK(has_type(m[name], model_schema["properties"][name]));
    }
    CHECK(m["defaultReasoningEffort"].is_string());
    CHECK_FALSE(m["defaultReasoningEffort"].get<std::string>().empty());
    CHECK((m["upgrade"].is_null() || m["upgrade"].is_string()));
    for (const auto& option : m["supportedReasoningEfforts"]) {
      for (const auto& field : option_schema["required"]) {
        CHECK(option.contains(field.get<std::string>()));
      }
      CHECK_FALSE(option["reasoningEffort"].get<std::string>().empty());
    }
  }
  // And what was written decodes back to the same models.
  auto back = protocol::decode_value<v2::ModelListResponse>(encoded);
  REQUIRE(back);
  CHECK(protocol::to_json_value(back.value()) == encoded);
}

}  // namespace
}  // namespace spool::rpc
