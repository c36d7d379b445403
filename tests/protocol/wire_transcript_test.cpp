// The messages the real Codex app-server and its client exchanged (the fixtures'
// wire-transcript.jsonl of both versions) decode through Spool's method tables: params of
// requests and notifications, results of responses (matched to their request by id).
//
// What clients send must decode in both versions' spellings, except requests Codex itself
// rejected (Spool rejects them too). What the server sent must decode in the current
// version; the seed-era server shapes are not Spool's input and are only counted.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>

#include "protocol/jsonrpc.h"
#include "protocol/methods.h"

using namespace spool::protocol;
using nlohmann::json;

namespace {

struct Tally {
  int decoded = 0;
  std::set<std::string> unmodelled;  // methods Spool does not serve or send
  std::vector<std::string> failures;
  std::vector<std::string> seed_server_differences;  // counted, not failures
  // Requests that did not decode, by (session, id): fine if Codex answered them with an error.
  std::map<std::pair<std::string, std::string>, std::string> undecodable_requests;
};

// Decodes `params` as the method's params type; returns the error, or "".
std::string decode_params(const MethodDesc& m, const json& msg) {
  const json params = msg.contains("params") ? msg["params"] : json(nullptr);
  if (!m.params) {
    const bool none = params.is_null() || (params.is_object() && params.empty());
    return none ? "" : "expected no params";
  }
  const TypeRef* ref = &*m.params;
  if (ref->kind == TypeRef::Kind::Nullable) {
    if (params.is_null()) return "";
    ref = ref->inner.get();
  }
  std::string error;
  ref->named().roundtrip(params, &error);
  return error;
}

Tally decode_transcript(const std::string& path, bool seed_era) {
  Tally t;
  std::ifstream in(path);
  REQUIRE(in.good());
  // (session, from, id) -> method of the pending request, to type its response.
  std::map<std::tuple<std::string, std::string, std::string>, std::string> pending;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const json rec = json::parse(line);
    if (!rec.contains("msg")) continue;  // a raw line the client sent that was not JSON
    const json& msg = rec["msg"];
    const std::string session = rec.value("session", "");
    const std::string from = rec["from"];
    const std::string where = path.substr(path.rfind("/codex-") + 1) + ":" + std::to_string(n);
    const bool from_client = from == "client";
    if (msg.contains("method") && msg["method"].is_string()) {
      const std::string method = msg["method"];
      const bool is_request = msg.contains("id");
      const auto& table = from_client ? (is_request ? client_requests() : client_notifications())
                                      : (is_request ? server_requests() : server_notifications());
      const MethodDesc* m = find_method(table, method);
      if (!m) {
        t.unmodelled.insert(std::string(from_client ? "client " : "server ") + method);
        continue;
      }
      const std::string error = decode_params(*m, msg);
      ++t.decoded;
      if (is_request) pending[{session, from, msg["id"].dump()}] = method;
      if (error.empty()) continue;
      const std::string problem = where + " " + method + " params: " + error;
      if (from_client && is_request) {
        t.undecodable_requests[{session, msg["id"].dump()}] = problem;
      } else if (!from_client && seed_era) {
        t.seed_server_differences.push_back(problem);
      } else {
        t.failures.push_back(problem);
      }
    } else if (msg.contains("result") || msg.contains("error")) {
      const std::string asker = from_client ? "server" : "client";
      const auto it = pending.find({session, asker, msg.value("id", json()).dump()});
      const std::string id = msg.value("id", json()).dump();
      if (msg.contains("error")) {
        auto e = decode_value<JSONRPCError>(msg);
        if (!e) t.failures.push_back(where + " error: " + e.error().message());
        ++t.decoded;
        t.undecodable_requests.erase({session, id});  // Codex rejected it too
        continue;
      }
      if (const auto bad = t.undecodable_requests.find({session, id});
          !from_client && bad != t.undecodable_requests.end()) {
        t.failures.push_back(bad->second + " (Codex accepted it)");
        t.undecodable_requests.erase(bad);
      }
      if (it == pending.end()) continue;  // a response to a request Spool does not model
      const auto& table = from_client ? server_requests() : client_requests();
      const MethodDesc* m = find_method(table, it->second);
      std::string error;
      m->result->named().roundtrip(msg["result"], &error);
      ++t.decoded;
      if (error.empty()) continue;
      const std::string problem = where + " result of " + it->second + ": " + error;
      if (!from_client && seed_era) {
        t.seed_server_differences.push_back(problem);
      } else {
        t.failures.push_back(problem);
      }
    }
  }
  return t;
}

}  // namespace

TEST_CASE("every modelled message of the Codex wire transcripts decodes", "[protocol][wire]") {
  for (const std::string version : {"0.169.0", "0.60.1"}) {
    const Tally t = decode_transcript(
        std::string(SPOOL_TEST_DATA) + "/codex-" + version + "/wire-transcript.jsonl",
        version == "0.60.1");
    std::string unmodelled;
    for (const auto& u : t.unmodelled) unmodelled += " " + u;
    INFO("Codex " << version);
    for (const auto& f : t.failures) FAIL_CHECK(f);
    for (const auto& [_, f] : t.undecodable_requests) FAIL_CHECK(f << " (never answered)");
    CHECK(t.decoded > 50);
    WARN("Codex " << version << ": " << t.decoded << " messages decoded; "
                  << t.seed_server_differences.size()
                  << " seed-era server messages differ from the current shapes; not modelled:"
                  << unmodelled);
  }
}
