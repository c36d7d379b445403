// The v2 thread, turn and item types against the real Codex data: every thread/turn/item
// message of both wire transcripts decoded into them (0.169.0 exactly, 0.60.1 but for the
// listed seed-era differences), and each declaration checked against the Codex 0.169.0
// definition of the same name.
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocol/codec.h"
#include "protocol/describe.h"
#include "protocol/v2/common.h"
#include "protocol/v2/items.h"
#include "protocol/v2/thread.h"
#include "protocol/v2/thread_methods.h"
#include "protocol/v2/turn_methods.h"
#include "support/wire_check.h"

using namespace spool::protocol;
using namespace spool::protocol::v2;
using nlohmann::json;
using spool::test::check_wire;
using spool::test::decode_error;
using spool::test::decode_ok;


namespace {

// Decodes a message's params or result as T; on success, the value written back.
struct Outcome {
  bool ok = false;
  std::string error;
  json written;
};
using Decoder = std::function<Outcome(const json&)>;

template <class T>
Decoder decoder() {
  return [](const json& j) {
    auto r = decode_value<T>(j);
    if (!r.ok()) return Outcome{false, r.error().message(), nullptr};
    return Outcome{true, "", to_json_value(r.value())};
  };
}

const std::map<std::string, Decoder>& request_params() {
  static const std::map<std::string, Decoder> m = {
      {"thread/start", decoder<ThreadStartParams>()},
      {"thread/resume", decoder<ThreadResumeParams>()},
      {"thread/read", decoder<ThreadReadParams>()},
      {"thread/turns/list", decoder<ThreadTurnsListParams>()},
      {"thread/list", decoder<ThreadListParams>()},
      {"thread/archive", decoder<ThreadArchiveParams>()},
      {"thread/unarchive", decoder<ThreadUnarchiveParams>()},
      {"thread/name/set", decoder<ThreadSetNameParams>()},
      {"thread/delete", decoder<ThreadDeleteParams>()},
      {"thread/fork", decoder<ThreadForkParams>()},
      {"thread/revert", decoder<ThreadRevertParams>()},
      {"thread/loaded/list", decoder<ThreadLoadedListParams>()},
      {"thread/unsubscribe", decoder<ThreadUnsubscribeParams>()},
      {"turn/start", decoder<TurnStartParams>()},
      {"turn/interrupt", decoder<TurnInterruptParams>()},
  };
  return m;
}

const std::map<std::string, Decoder>& request_results() {
  static const std::map<std::string, Decoder> m = {
      {"thread/start", decoder<ThreadStartResponse>()},
      {"thread/resume", decoder<ThreadResumeResponse>()},
      {"thread/read", decoder<ThreadReadResponse>()},
      {"thread/turns/list", decoder<ThreadTurnsListResponse>()},
      {"thread/list", decoder<ThreadListResponse>()},
      {"thread/archive", decoder<ThreadArchiveResponse>()},
      {"thread/unarchive", decoder<ThreadUnarchiveResponse>()},
      {"thread/name/set", decoder<ThreadSetNameResponse>()},
      {"thread/delete", decoder<ThreadDeleteResponse>()},
      {"thread/fork", decoder<ThreadForkResponse>()},
      {"thread/revert", decoder<ThreadRevertResponse>()},
      {"thread/loaded/list", decoder<ThreadLoadedListResponse>()},
      {"thread/unsubscribe", decoder<ThreadUnsubscribeResponse>()},
      {"turn/start", decoder<TurnStartResponse>()},
      {"turn/interrupt", decoder<TurnInterruptResponse>()},
  };
  return m;
}

const std::map<std::string, Decoder>& notification_params() {
  static const std::map<std::string, Decoder> m = {
      {"thread/started", decoder<ThreadStartedNotification>()},
      {"thread/archived", decoder<ThreadArchivedNotification>()},
      {"thread/unarchived", decoder<ThreadUnarchivedNotification>()},
      {"thread/deleted", decoder<ThreadDeletedNotification>()},
      {"thread/name/updated", decoder<ThreadNameUpdatedNotification>()},
      {"thread/status/changed", decoder<ThreadStatusChangedNotification>()},
      {"thread/tokenUsage/updated", decoder<ThreadTokenUsageUpdatedNotification>()},
      {"thread/compacted", decoder<ContextCompactedNotification>()},
      {"turn/started", decoder<TurnStartedNotification>()},
      {"turn/completed", decoder<TurnCompletedNotification>()},
      {"item/started", decoder<ItemStartedNotification>()},
      {"item/completed", decoder<ItemCompletedNotification>()},
      {"item/agentMessage/delta", decoder<AgentMessageDeltaNotification>()},
      {"item/reasoning/summaryTextDelta", decoder<ReasoningSummaryTextDeltaNotification>()},
      {"item/reasoning/summaryPartAdded", decoder<ReasoningSummaryPartAddedNotification>()},
      {"item/reasoning/textDelta", decoder<ReasoningTextDeltaNotification>()},
      {"item/commandExecution/outputDelta", decoder<CommandExecutionOutputDeltaNotification>()},
      {"error", decoder<ErrorNotification>()},
      {"warning", decoder<WarningNotification>()},
      {"serverRequest/resolved", decoder<ServerRequestResolvedNotification>()},
  };
  return m;
}

// What Spool writes back must be what Codex wrote, field for field, for every field both
// have (a field Codex left out is null or its default in ours). Returns the first
// difference.
std::string first_difference(const json& ours, const json& theirs, const std::string& path) {
  if (ours.is_object() && theirs.is_object()) {
    for (auto it = ours.begin(); it != ours.end(); ++it) {
      const auto t = theirs.find(it.key());
      if (t == theirs.end()) continue;
      auto d = first_difference(*it, *t, path + "." + it.key());
      if (!d.empty()) return d;
    }
    return "";
  }
  if (ours.is_array() && theirs.is_array()) {
    if (ours.size() != theirs.size()) return path + ": array sizes differ";
    for (std::size_t i = 0; i < ours.size(); ++i) {
      auto d = first_difference(ours[i], theirs[i], path + "[" + std::to_string(i) + "]");
      if (!d.empty()) return d;
    }
    return "";
  }
  return ours == theirs ? "" : path + ": " + ours.dump() + " != " + theirs.dump();
}

struct TranscriptReport {
  int decoded = 0;                // messages of ours that decoded
  int rejected_as_codex_did = 0;  // requests Codex answered "Invalid request" that we reject too
  std::vector<std::string> failures;  // "<what>: <error>"
};

// Decodes every message of the transcript that belongs to these types. A request Codex
// rejected as an invalid request must fail to decode; everything else must decode and, when
// `compare_written`, write back what Codex wrote. Failures are reported as
// "<what>: <error>" for the caller to hold against its known seed-era differences.
TranscriptReport decode_transcript(const std::string& file, bool compare_written) {
  std::ifstream in(file);
  REQUIRE(in.good());
  TranscriptReport report;
  std::map<std::pair<std::string, std::string>, json> requests;  // (session, id) -> request
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    const json record = json::parse(line);
    if (!record.contains("msg")) continue;  // a raw (malformed) frame
    const json& msg = record["msg"];
    const std::string session = record["session"];
    const bool from_client = record["from"] == "client";
    const bool has_method = msg.contains("method") && msg["method"].is_string();
    const json empty = nullptr;
    const json& params = msg.contains("params") ? msg["params"] : empty;

    auto check = [&](const Decoder& decode, const json& value, const std::string& what,
                     bool must_fail) {
      const Outcome o = decode(value);
      if (must_fail) {
        if (o.ok)
          report.failures.push_back(what + ": decoded, but Codex rejected it");
        else
          ++report.rejected_as_codex_did;
        return;
      }
      if (!o.ok) {
        report.failures.push_back(what + ": " + o.error);
        return;
      }
      ++report.decoded;
      if (compare_written) {
        const std::string d = first_difference(o.written, value, what);
        if (!d.empty()) report.failures.push_back("written back differently: " + d);
      }
    };

    // The turns and items inside a message, on their own: a seed-era Thread or
    // notification that fails as a whole still shows whether these decode.
    auto check_parts = [&](const json& value, const std::string& what) {
      if (!value.is_object()) return;
      if (value.contains("item"))
        check(decoder<ThreadItem>(), value["item"], what + "#item", false);
      if (value.contains("turn")) check(decoder<Turn>(), value["turn"], what + "#turn", false);
      if (value.contains("thread") && value["thread"].contains("turns"))
        for (const json& t : value["thread"]["turns"])
          check(decoder<Turn>(), t, what + "#turn", false);
    };

    if (from_client && has_method && msg.contains("id")) {
      requests[{session, msg["id"].dump()}] = msg;
    } else if (!from_client && has_method && !msg.contains("id")) {
      const std::string method = msg["method"];
      const auto it = notification_params().find(method);
      if (it == notification_params().end()) continue;
      check(it->second, params, method, false);
      check_parts(params, method);
    } else if (!from_client && !has_method && msg.contains("id")) {
      const auto req = requests.find({session, msg["id"].dump()});
      if (req == requests.end()) continue;
      const std::string method = req->second["method"];
      const auto p = request_params().find(method);
      if (p == request_params().end()) continue;
      const json& req_params = req->second.contains("params") ? req->second["params"] : empty;
      const bool invalid = msg.contains("error") &&
                           msg["error"].value("message", "").rfind("Invalid request", 0) == 0;
      check(p->second, req_params, method + " params", invalid);
      if (msg.contains("result")) {
        check(request_results().at(method), msg["result"], method + " result", false);
        check_parts(msg["result"], method + " result");
      }
    }
  }
  CHECK(lines > 300);
  return report;
}

}  // namespace

TEST_CASE("every thread/turn/item message of Codex 0.169.0 decodes and writes back the same",
          "[protocol][v2]") {
  const auto report = decode_transcript(
      std::string(SPOOL_TEST_DATA) + "/codex-0.169.0/wire-transcript.jsonl", true);
  std::string failures;
  for (const auto& f : report.failures) failures += f + "\n";
  INFO(failures);
  CHECK(report.failures.empty());
  CHECK(report.decoded > 300);
  // thread/list and thread/resume with null params, thread/resume {}, turn/start without
  // input, thread/list limit "ten", turn/start with a bogus input type.
  CHECK(report.rejected_as_codex_did == 6);
}

// Codex 0.60.1 wrote a smaller Thread, Turn and notifications without threadId/turnId; the
// types follow 0.169.0, which Spool writes, so those messages do not decode. Each known
// difference is listed with its reason, and each must still occur (the list cannot rot).
TEST_CASE("Codex 0.60.1 messages decode but for the known seed-era differences", "[protocol][v2]") {
  const std::map<std::string, std::string> known = {
      // Thread had only id, preview, modelProvider, createdAt, path and turns (and the
      // thread/start and thread/resume results had no approvalsReviewer).
      {"thread/started: thread.sessionId: missing required field", "0.60.1 Thread"},
      {"thread/start result: thread.sessionId: missing required field", "0.60.1 Thread"},
      {"thread/resume result: thread.sessionId: missing required field", "0.60.1 Thread"},
      {"thread/list result: data[0].sessionId: missing required field", "0.60.1 Thread"},
      // Turn and item notifications had no threadId/turnId (nor startedAtMs/completedAtMs).
      {"turn/started: threadId: missing required field", "0.60.1 notification"},
      {"turn/completed: threadId: missing required field", "0.60.1 notification"},
      {"item/started: threadId: missing required field", "0.60.1 notification"},
      {"item/completed: threadId: missing required field", "0.60.1 notification"},
      {"item/agentMessage/delta: threadId: missing required field", "0.60.1 notification"},
      {"item/reasoning/summaryTextDelta: threadId: missing required field", "0.60.1 notification"},
      {"item/reasoning/summaryPartAdded: threadId: missing required field", "0.60.1 notification"},
      {"item/commandExecution/outputDelta: threadId: missing required field",
       "0.60.1 notification"},
  };
  const auto report = decode_transcript(
      std::string(SPOOL_TEST_DATA) + "/codex-0.60.1/wire-transcript.jsonl", false);
  std::set<std::string> hit;
  std::string unexpected;
  for (const auto& f : report.failures) {
    if (known.count(f)) {
      hit.insert(f);
    } else {
      unexpected += f + "\n";
    }
  }
  INFO("unexpected failures:\n" << unexpected);
  CHECK(unexpected.empty());
  for (const auto& [failure, reason] : known) {
    INFO(failure << " (" << reason << ")");
    CHECK(hit.count(failure) == 1);
  }
  CHECK(report.decoded > 120);
  CHECK(report.rejected_as_codex_did == 6);
}

// --- the declarations against the Codex 0.169.0 schema ------------------------------------

namespace {

// Checks every v2 type reachable from the thread/turn methods against the Codex definition
// of the same name (a union alternative: the oneOf entry of that title): each field exists
// there; it is optional exactly when Codex allows null, Defaulted exactly when Codex
// neither requires it nor allows null; Codex's required fields are all there; enum values
// are Codex's. Listed exceptions are the deliberate differences documented in the headers.
class SchemaConformance {
 public:
  explicit SchemaConformance(json codex)
      : codex_(std::move(codex)), v2_(codex_["definitions"]["v2"]) {}

  void walk(const TypeRef& r) {
    if (r.inner) walk(*r.inner);
    if (r.kind == TypeRef::Kind::Named) visit(r.named(), nullptr);
  }

  std::vector<std::string> problems;
  std::set<std::string> checked;

 private:
  static bool allows_null(const json& prop) {
    if (prop.is_boolean()) return prop.get<bool>();
    if (prop.contains("type")) {
      const json& t = prop["type"];
      return t == "null" || (t.is_array() && std::find(t.begin(), t.end(), "null") != t.end());
    }
    for (const char* k : {"anyOf", "oneOf"})
      if (prop.contains(k))
        for (const json& alt : prop[k])
          if (allows_null(alt)) return true;
    // No type, $ref or composition at all: any value.
    return !prop.contains("$ref") && !prop.contains("allOf") && !prop.contains("enum");
  }

  static void collect_enum(const json& def, std::set<std::string>& out) {
    if (def.contains("enum"))
      for (const json& v : def["enum"]) out.insert(v.get<std::string>());
    for (const char* k : {"anyOf", "oneOf"})
      if (def.contains(k))
        for (const json& alt : def[k]) collect_enum(alt, out);
  }

  const json* find_alternative(const json& union_def, const std::string& title) {
    for (const char* k : {"oneOf", "anyOf"})
      if (union_def.contains(k))
        for (const json& alt : union_def[k])
          if (alt.value("title", "") == title) return &alt;
    return nullptr;
  }

  void visit(const TypeDesc& d, const json* union_def) {
    if (d.ns != "v2" || d.kind == TypeDesc::Kind::Custom) return;
    if (!checked.insert(d.name).second) return;
    const json* def = v2_.contains(d.name) ? &v2_[d.name] : nullptr;
    if (!def && union_def) def = find_alternative(*union_def, d.name);
    if (!def) {
      problems.push_back(d.name + ": no Codex definition or union alternative of that name");
      return;
    }
    switch (d.kind) {
      case TypeDesc::Kind::Enum: {
        std::set<std::string> allowed;
        collect_enum(*def, allowed);
        for (const auto& v : d.enum_values)
          if (!allowed.count(v) && !exception(d.name + "=" + v))
            problems.push_back(d.name + ": value \"" + v + "\" is not Codex's");
        break;
      }
      case TypeDesc::Kind::Union:
        for (const auto& a : d.alternatives) visit(a.named(), def);
        break;
      case TypeDesc::Kind::Struct:
        check_struct(d, *def, union_def);
        for (const auto& f : d.fields) walk(f.type);
        break;
      case TypeDesc::Kind::Custom:
        break;
    }
  }

  void check_struct(const TypeDesc& d, const json& def, const json* union_def) {
    // Properties: the definition's, those of its anyOf branches (ImageUserInput's url), and
    // those the union declares for every alternative (ThreadItem's startedAtMs).
    json props = def.value("properties", json::object());
    if (def.contains("anyOf"))
      for (const json& branch : def["anyOf"])
        props.update(branch.value("properties", json::object()));
    if (union_def) props.update(union_def->value("properties", json::object()));
    const json required = def.value("required", json::array());
    auto is_required = [&](const std::string& n) {
      return std::find(required.begin(), required.end(), n) != required.end();
    };
    if (!d.tag.empty()) {
      const json tag_enum =
          props.contains("type") ? props["type"].value("enum", json::array()) : json::array();
      if (tag_enum != json::array({d.tag}))
        problems.push_back(d.name + ": tag \"" + d.tag + "\" is not Codex's");
    }
    std::set<std::string> ours;
    for (const auto& f : d.fields) {
      const std::string what = d.name + "." + f.name;
      ours.insert(f.name);
      if (!props.contains(f.name)) {
        if (!exception(what)) problems.push_back(what + ": Codex has no such field");
        continue;
      }
      const bool nullable = allows_null(props[f.name]);
      const bool optional = f.type.kind == TypeRef::Kind::Nullable;
      const bool any = f.type.kind == TypeRef::Kind::Json;  // holds null itself
      if (optional != nullable && !any && !exception(what))
        problems.push_back(what +
                           (nullable ? ": Codex allows null" : ": Codex does not allow null"));
      if (!nullable && f.defaulted == is_required(f.name) && !exception(what))
        problems.push_back(what + (f.defaulted ? ": Codex requires it"
                                               : ": Codex does not require it (Defaulted)"));
    }
    for (const json& r : required) {
      const std::string n = r.get<std::string>();
      if (n != "type" && !ours.count(n))
        problems.push_back(d.name + "." + n + ": required by Codex, missing");
    }
  }

  static bool exception(const std::string& what) {
    static const std::set<std::string> known = {
        "ImageUserInput.url",         // Codex: url or fileId; Spool requires url
        "AudioUserInput.url",
        "ThreadResumeParams.path",    // 0.60.1's resume-by-rollout-file, still read
    };
    return known.count(what) > 0;
  }

  json codex_;
  const json& v2_;
};

}  // namespace

TEST_CASE("the v2 thread/turn/item declarations match the Codex 0.169.0 definitions",
          "[protocol][v2]") {
  std::ifstream in(std::string(SPOOL_TEST_DATA) +
                   "/codex-schema/0.169.0/codex_app_server_protocol.schemas.json");
  REQUIRE(in.good());
  SchemaConformance c(json::parse(in));
  for (const TypeRef& r : {type_ref<ThreadStartParams>(),
                           type_ref<ThreadStartResponse>(),
                           type_ref<ThreadResumeParams>(),
                           type_ref<ThreadResumeResponse>(),
                           type_ref<ThreadReadParams>(),
                           type_ref<ThreadReadResponse>(),
                           type_ref<ThreadTurnsListParams>(),
                           type_ref<ThreadTurnsListResponse>(),
                           type_ref<ThreadListParams>(),
                           type_ref<ThreadListResponse>(),
                           type_ref<ThreadArchiveParams>(),
                           type_ref<ThreadArchiveResponse>(),
                           type_ref<ThreadUnarchiveParams>(),
                           type_ref<ThreadUnarchiveResponse>(),
                           type_ref<ThreadSetNameParams>(),
                           type_ref<ThreadSetNameResponse>(),
                           type_ref<ThreadDeleteParams>(),
                           type_ref<ThreadDeleteResponse>(),
                           type_ref<ThreadForkParams>(),
                           type_ref<ThreadForkResponse>(),
                           type_ref<ThreadRevertParams>(),
                           type_ref<ThreadRevertResponse>(),
                           type_ref<ThreadLoadedListParams>(),
                           type_ref<ThreadLoadedListResponse>(),
                           type_ref<ThreadUnsubscribeParams>(),
                           type_ref<ThreadUnsubscribeResponse>(),
                           type_ref<ThreadStartedNotification>(),
                           type_ref<ThreadArchivedNotification>(),
                           type_ref<ThreadUnarchivedNotification>(),
                           type_ref<ThreadDeletedNotification>(),
                           type_ref<ThreadNameUpdatedNotification>(),
                           type_ref<ThreadStatusChangedNotification>(),
                           type_ref<ThreadTokenUsageUpdatedNotification>(),
                           type_ref<ContextCompactedNotification>(),
                           type_ref<TurnStartParams>(),
                           type_ref<TurnStartResponse>(),
                           type_ref<TurnInterruptParams>(),
                           type_ref<TurnInterruptResponse>(),
                           type_ref<TurnStartedNotification>(),
                           type_ref<TurnCompletedNotification>(),
                           type_ref<ItemStartedNotification>(),
                           type_ref<ItemCompletedNotification>(),
                           type_ref<AgentMessageDeltaNotification>(),
                           type_ref<ReasoningSummaryTextDeltaNotification>(),
                           type_ref<ReasoningSummaryPartAddedNotification>(),
                           type_ref<ReasoningTextDeltaNotification>(),
                           type_ref<CommandExecutionOutputDeltaNotification>(),
                           type_ref<ErrorNotification>(),
                           type_ref<WarningNotification>(),
                           type_ref<ServerRequestResolvedNotification>()}) {
    c.walk(r);
  }
  std::string problems;
  for (const auto& p : c.problems) problems += p + "\n";
  INFO(problems);
  CHECK(c.problems.empty());
  CHECK(c.checked.size() > 100);
}
