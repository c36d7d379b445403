// Tests over the exported protocol as a whole: conventions, determinism, round trips of
// every type, validation of samples of every type against Spool's own schema and against
// the Codex schema definition of the same name (ajv), and the TypeScript compiling (tsc).
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "protocol/export.h"
#include "protocol/methods.h"
#include "support/protocol_samples.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

using namespace spool;
using namespace spool::protocol;
using nlohmann::json;

namespace {

const std::string kData = SPOOL_TEST_DATA;
const std::string kSource = SPOOL_SOURCE_DIR;

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

std::string node_modules_bin(const std::string& tool) {
  return kSource + "/node_modules/.bin/" + tool;
}

}  // namespace

TEST_CASE("the exports are deterministic", "[protocol][export]") {
  const auto a = export_json_schema();
  const auto b = export_json_schema();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].path == b[i].path);
    CHECK(a[i].content == b[i].content);
  }
  CHECK(export_typescript().size() == export_typescript().size());
  const auto t1 = export_typescript();
  const auto t2 = export_typescript();
  for (std::size_t i = 0; i < t1.size(); ++i) CHECK(t1[i].content == t2[i].content);
}

TEST_CASE("the schema bundle equals the committed golden copy", "[protocol][export]") {
  // Clients generate code from this file: any change to it should be a visible diff.
  // To accept a change: SPOOL_UPDATE_GOLDEN=1 build/tests/protocol_tests "[export]"
  const std::string golden = kSource + "/tests/protocol/golden/spool_app_server_protocol.schemas.json";
  std::string current;
  for (const auto& f : export_json_schema())
    if (f.path == "spool_app_server_protocol.schemas.json") current = f.content;
  REQUIRE_FALSE(current.empty());
  if (std::getenv("SPOOL_UPDATE_GOLDEN")) std::ofstream(golden) << current;
  CHECK(current == test::read_file(golden));
}

TEST_CASE("type names are plain and unique per namespace", "[protocol][export]") {
  const std::regex plain("^[A-Z][A-Za-z0-9]*[A-Za-z]$");
  std::set<std::string> seen;
  for (const TypeDesc* d : all_types()) {
    INFO(d->qualified_name());
    CHECK(std::regex_match(d->name, plain));  // no Option<...>, no generated Foo1
    CHECK((d->ns.empty() || d->ns == "v2" || d->ns == "core"));
    CHECK(seen.insert(d->qualified_name()).second);
  }
  CHECK(seen.size() > 50);
}

TEST_CASE("field names are camelCase on v2 types and snake_case on core types",
          "[protocol][export]") {
  const std::regex camel("^[a-z][a-zA-Z0-9]*$");
  const std::regex snake("^[a-z][a-z0-9_]*$");
  for (const TypeDesc* d : all_types()) {
    for (const auto& f : d->fields) {
      INFO(d->qualified_name() << "." << f.name);
      if (d->ns == "core") {
        CHECK(std::regex_match(f.name, snake));
      } else {
        CHECK(std::regex_match(f.name, camel));
      }
    }
  }
}

TEST_CASE("every union alternative carries a distinct type tag", "[protocol][export]") {
  for (const TypeDesc* d : all_types()) {
    if (d->kind != TypeDesc::Kind::Union) continue;
    INFO(d->qualified_name());
    std::set<std::string> tags;
    REQUIRE_FALSE(d->alternatives.empty());
    for (const auto& a : d->alternatives) {
      const TypeDesc& alt = a.named();
      CHECK(alt.kind == TypeDesc::Kind::Struct);
      CHECK_FALSE(alt.tag.empty());
      CHECK(tags.insert(alt.tag).second);
    }
  }
}

TEST_CASE("optional fields are nullable, defaulted ones not required, all others required",
          "[protocol][export]") {
  const json bundle = schema_bundle();
  const json& defs = bundle["definitions"];
  for (const TypeDesc* d : all_types()) {
    if (d->kind != TypeDesc::Kind::Struct) continue;
    const json& def = d->ns.empty() ? defs[d->name] : defs[d->ns][d->name];
    const json& required = def["required"];
    for (const auto& f : d->fields) {
      INFO(d->qualified_name() << "." << f.name);
      const bool is_required =
          std::find(required.begin(), required.end(), f.name) != required.end();
      CHECK(is_required == (f.type.kind != TypeRef::Kind::Nullable && !f.defaulted));
    }
  }
  // The method unions are keyed by method name.
  for (const char* u : {"ClientRequest", "ServerNotification", "ServerRequest", "ClientNotification"}) {
    INFO(u);
    REQUIRE(defs.contains(u));
    for (const auto& alt : defs[u]["oneOf"]) CHECK(alt["properties"]["method"]["enum"].size() == 1);
  }
  CHECK(defs["ClientRequest"]["oneOf"].size() == client_requests().size());
}

TEST_CASE("every type's samples decode and encode back unchanged", "[protocol][export]") {
  std::size_t checked = 0;
  for (const TypeDesc* d : all_types()) {
    for (const json& s : test::samples_of(*d)) {
      INFO(d->qualified_name() << " sample " << s.dump());
      std::string error;
      const json back = d->roundtrip(s, &error);
      CHECK(error.empty());
      CHECK(back == s);
      ++checked;
    }
  }
  WARN("round-tripped " << checked << " samples of " << all_types().size() << " types");
  CHECK(checked > all_types().size());
}

TEST_CASE("samples of every type validate against Spool's schema and Codex's (ajv)",
          "[protocol][export][node]") {
  test::TempDir dir;
  REQUIRE(write_files(dir.file("schema"), export_json_schema()).empty());
  json samples = json::array();
  for (const TypeDesc* d : all_types())
    for (const json& s : test::samples_of(*d))
      samples.push_back({{"ns", d->ns}, {"name", d->name}, {"value", s}});
  const json request = {
      {"spool_bundle", dir.file("schema/spool_app_server_protocol.schemas.json")},
      {"codex_bundles",
       json::array({{{"name", "0.169.0"},
                     {"path", kData + "/codex-schema/0.169.0/codex_app_server_protocol.schemas.json"},
                     {"ns_map", {{"", ""}, {"v2", "v2"}}}},
                    {{"name", "0.60.1"},
                     {"path", kData + "/codex-schema/0.60.1/codex_app_server_protocol.schemas.json"},
                     {"ns_map", {{"core", ""}}}}})},
      {"samples", samples}};
  std::ofstream(dir.file("request.json")) << request.dump();

  const auto r = test::run_shell(fmt::format("node {} {}",
                                             test::shell_quote(kSource + "/tests/tools/validate_samples.js"),
                                             test::shell_quote(dir.file("request.json"))));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json report = json::parse(r.out);
  // For updating codex_schema_differences.jsonl by hand: the whole report, on request.
  if (const char* dump = std::getenv("SPOOL_SCHEMA_REPORT")) std::ofstream(dump) << report.dump(1);
  CHECK(report["spool"]["checked"] == samples.size());
  INFO(report["spool"]["failures"].dump(1));
  CHECK(report["spool"]["failures"].empty());

  // Where Spool deliberately writes what the Codex schema does not allow, the sample is
  // listed with the reason; every other sample must be valid for Codex too, and every listed
  // difference must still occur (so the list cannot go stale).
  std::set<std::string> expected, actual;
  std::ifstream listed(kSource + "/tests/protocol/codex_schema_differences.jsonl");
  for (std::string line; std::getline(listed, line);) {
    if (line.empty()) continue;
    const json d = json::parse(line);
    REQUIRE_FALSE(d.value("reason", "").empty());
    expected.insert(d["bundle"].get<std::string>() + " " + d["type"].get<std::string>() + " " +
                    d["value"].dump());
  }
  std::string unexpected;
  for (const auto& f : report["codex"]["failures"]) {
    const std::string key =
        f["bundle"].get<std::string>() + " " + f["type"].get<std::string>() + " " + f["value"].dump();
    actual.insert(key);
    if (!expected.count(key)) unexpected += f.dump() + "\n";
  }
  INFO("samples Codex's schema rejects that are not listed as deliberate:\n" << unexpected);
  CHECK(unexpected.empty());
  for (const auto& e : expected) {
    INFO("listed as a difference but valid for Codex now: " << e);
    CHECK(actual.count(e) == 1);
  }
  CHECK(report["codex"]["checked"].get<int>() > 100);
  WARN("validated " << samples.size() << " samples against Spool's schema; "
                    << report["codex"]["checked"] << " against Codex's ("
                    << report["codex"]["by_bundle"].dump() << "); types Codex lacks: "
                    << report["codex"]["not_in_codex"].dump());
}

TEST_CASE("the generated TypeScript compiles with tsc --strict", "[protocol][export][node]") {
  test::TempDir dir;
  REQUIRE(write_files(dir.file("ts"), export_typescript()).empty());
  const std::string index = test::read_file(dir.path() / "ts" / "index.ts");
  CHECK_THAT(index, Catch::Contains("export * as v2 from \"./v2\";"));
  // Optional values are `name: T | null`, never `name?: T | null`.
  const std::regex optional_nullable(R"(^  [A-Za-z_$"][\w$"]*\?: .*\| null,$)");
  for (const auto& f : export_typescript()) {
    std::istringstream lines(f.content);
    for (std::string line; std::getline(lines, line);) {
      INFO(f.path << ": " << line);
      CHECK_FALSE(std::regex_match(line, optional_nullable));
    }
  }
  const auto r = test::run_shell(
      fmt::format("cd {} && {} --strict --noEmit --target es2020 --module commonjs index.ts",
                  test::shell_quote(dir.file("ts")), test::shell_quote(node_modules_bin("tsc"))));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("the Codex definitions Spool does not model are listed", "[protocol][export]") {
  const json codex =
      read_json(kData + "/codex-schema/0.169.0/codex_app_server_protocol.schemas.json")["definitions"];
  std::set<std::string> ours;
  for (const TypeDesc* d : all_types()) ours.insert(d->qualified_name());
  for (const char* u : {"ClientRequest", "ClientNotification", "ServerNotification", "ServerRequest"})
    ours.insert(u);
  std::vector<std::string> missing;
  for (auto it = codex.begin(); it != codex.end(); ++it) {
    if (it.key() == "v2") {
      for (auto v = it->begin(); v != it->end(); ++v)
        if (!ours.count("v2/" + v.key())) missing.push_back("v2/" + v.key());
    } else if (!ours.count(it.key())) {
      missing.push_back(it.key());
    }
  }
  std::sort(missing.begin(), missing.end());
  std::string listed_text = test::read_file(kSource + "/tests/protocol/codex_not_modelled.txt");
  std::vector<std::string> listed;
  std::istringstream lines(listed_text);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != '#') listed.push_back(line);
  std::string actual;
  for (const auto& m : missing) actual += m + "\n";
  INFO("Codex 0.169.0 definitions without a Spool type, one per line:\n" << actual);
  CHECK(listed == missing);
  WARN("Spool models " << ours.size() << " types; " << missing.size()
                       << " Codex 0.169.0 definitions are deliberately not modelled");
}
