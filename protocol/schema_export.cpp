// JSON Schema (draft-07) export: one definition per declared type, references as
// "#/definitions/<ns>/<Name>", method unions keyed by method name.
#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>

#include "protocol/export.h"
#include "protocol/methods.h"

namespace spool::protocol {
namespace {

using nlohmann::json;

constexpr const char* kDraft07 = "http://json-schema.org/draft-07/schema#";

json schema_of(const TypeRef& r);

json nullable(json inner) {
  if (inner.empty()) return inner;  // any JSON value already admits null
  if (inner.contains("type") && inner["type"].is_string()) {  // {"type": ["string", "null"]}
    inner["type"] = json::array({inner["type"], "null"});
    return inner;
  }
  return json{{"anyOf", json::array({inner, json{{"type", "null"}}})}};
}

json schema_of(const TypeRef& r) {
  switch (r.kind) {
    case TypeRef::Kind::String: return {{"type", "string"}};
    case TypeRef::Kind::Bool: return {{"type", "boolean"}};
    case TypeRef::Kind::Integer: {
      json j{{"type", "integer"}};
      if (!r.format.empty()) j["format"] = r.format;
      if (r.format.starts_with("uint")) j["minimum"] = 0;
      return j;
    }
    case TypeRef::Kind::Number: return {{"type", "number"}, {"format", "double"}};
    case TypeRef::Kind::Json: return json::object();
    case TypeRef::Kind::Array: return {{"type", "array"}, {"items", schema_of(*r.inner)}};
    case TypeRef::Kind::Map:
      return {{"type", "object"}, {"additionalProperties", schema_of(*r.inner)}};
    case TypeRef::Kind::Nullable: return nullable(schema_of(*r.inner));
    case TypeRef::Kind::Named: return {{"$ref", schema_ref(r.named())}};
  }
  return json::object();
}

json definition_of(const TypeDesc& d) {
  json j;
  j["title"] = d.name;
  switch (d.kind) {
    case TypeDesc::Kind::Struct: {
      j["type"] = "object";
      json props = json::object();
      json required = json::array();
      if (!d.tag.empty()) {
        props["type"] = {{"type", "string"}, {"enum", json::array({d.tag})}};
        required.push_back("type");
      }
      for (const auto& f : d.fields) {
        props[f.name] = schema_of(f.type);
        if (f.type.kind != TypeRef::Kind::Nullable && !f.defaulted) required.push_back(f.name);
      }
      j["properties"] = std::move(props);
      j["required"] = std::move(required);
      break;
    }
    case TypeDesc::Kind::Enum:
      j["type"] = "string";
      j["enum"] = d.enum_values;
      break;
    case TypeDesc::Kind::Union: {
      json alts = json::array();
      json tags = json::array();
      for (const auto& a : d.alternatives) {
        alts.push_back(schema_of(a));
        tags.push_back(a.named().tag);
      }
      if (d.open) {
        alts.push_back({{"title", "Unknown" + d.name},
                        {"description", "A variant this version of Spool does not know, kept whole."},
                        {"type", "object"},
                        {"properties", {{"type", {{"type", "string"}, {"not", {{"enum", tags}}}}}}},
                        {"required", json::array({"type"})}});
      }
      j["oneOf"] = std::move(alts);
      break;
    }
    case TypeDesc::Kind::Custom: {
      json custom = json::parse(d.custom_schema);
      for (auto it = custom.begin(); it != custom.end(); ++it) j[it.key()] = it.value();
      break;
    }
  }
  return j;
}

// "thread/start" -> "ThreadStart"; "item/agentMessage/delta" -> "ItemAgentMessageDelta".
std::string pascal_method(std::string_view method) {
  std::string out;
  bool upper = true;
  for (char c : method) {
    if (c == '/' || c == '_' || c == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

// A method union: oneOf objects {id?, method: const, params?}.
json method_union(const std::string& title, const std::vector<MethodDesc>& methods, bool with_id,
                  std::string_view suffix) {
  json alts = json::array();
  for (const auto& m : methods) {
    json props = json::object();
    json required = json::array();
    if (with_id) {
      props["id"] = {{"$ref", "#/definitions/RequestId"}};
      required.push_back("id");
    }
    props["method"] = {{"type", "string"}, {"enum", json::array({std::string(m.method)})}};
    required.push_back("method");
    if (m.params) {
      props["params"] = schema_of(*m.params);
      if (m.params->kind != TypeRef::Kind::Nullable) required.push_back("params");
    } else {
      props["params"] = {{"type", "null"}};
    }
    alts.push_back({{"title", pascal_method(m.method) + std::string(suffix)},
                    {"type", "object"},
                    {"properties", std::move(props)},
                    {"required", std::move(required)}});
  }
  return {{"title", title}, {"oneOf", std::move(alts)}};
}

struct MethodUnion {
  const char* name;
  const std::vector<MethodDesc>& (*table)();
  bool with_id;
  const char* suffix;
};

const std::vector<MethodUnion>& method_unions() {
  static const std::vector<MethodUnion> k = {
      {"ClientRequest", &client_requests, true, "Request"},
      {"ClientNotification", &client_notifications, false, "Notification"},
      {"ServerNotification", &server_notifications, false, "Notification"},
      {"ServerRequest", &server_requests, true, "Request"},
  };
  return k;
}

// Puts definition `def` of `d` at its place in a definitions object.
void place(json& definitions, const TypeDesc& d, json def) {
  if (d.ns.empty()) {
    definitions[d.name] = std::move(def);
  } else {
    definitions[d.ns][d.name] = std::move(def);
  }
}

// The definitions `d` needs, `d` included, in the bundle's layout.
json closure_definitions(const TypeDesc& root) {
  std::set<std::string> seen;
  json defs = json::object();
  std::vector<const TypeDesc*> stack{&root};
  auto push_ref = [&](const TypeRef& r, auto& self) -> void {
    if (r.inner) self(*r.inner, self);
    if (r.kind == TypeRef::Kind::Named) stack.push_back(&r.named());
  };
  while (!stack.empty()) {
    const TypeDesc* d = stack.back();
    stack.pop_back();
    if (!seen.insert(d->qualified_name()).second) continue;
    place(defs, *d, definition_of(*d));
    for (const auto& f : d->fields) push_ref(f.type, push_ref);
    for (const auto& a : d->alternatives) push_ref(a, push_ref);
  }
  return defs;
}

std::string dump(const json& j) { return j.dump(2) + "\n"; }

}  // namespace

std::string schema_ref(const TypeDesc& d) {
  return d.ns.empty() ? "#/definitions/" + d.name : "#/definitions/" + d.ns + "/" + d.name;
}

json schema_bundle() {
  json defs = json::object();
  for (const TypeDesc* d : all_types()) place(defs, *d, definition_of(*d));
  for (const auto& u : method_unions()) {
    defs[u.name] = method_union(u.name, u.table(), u.with_id, u.suffix);
  }
  return {{"$schema", kDraft07}, {"title", "SpoolAppServerProtocol"}, {"definitions", defs}};
}

std::vector<ExportedFile> export_json_schema() {
  std::vector<ExportedFile> files;
  const json bundle = schema_bundle();
  files.push_back({"spool_app_server_protocol.schemas.json", dump(bundle)});
  for (const TypeDesc* d : root_types()) {
    json file = definition_of(*d);
    file["$schema"] = kDraft07;
    file["definitions"] = closure_definitions(*d);
    files.push_back({d->ns.empty() ? d->name + ".json" : d->ns + "/" + d->name + ".json",
                     dump(file)});
  }
  // A method union references params of every method: give it the whole bundle's definitions.
  for (const auto& u : method_unions()) {
    json file = bundle["definitions"][u.name];
    file["$schema"] = kDraft07;
    json defs = bundle["definitions"];
    for (const auto& v : method_unions()) defs.erase(v.name);
    file["definitions"] = std::move(defs);
    files.push_back({std::string(u.name) + ".json", dump(file)});
  }
  std::sort(files.begin(), files.end(),
            [](const ExportedFile& a, const ExportedFile& b) { return a.path < b.path; });
  return files;
}

std::string write_files(const std::string& dir, const std::vector<ExportedFile>& files) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const auto& f : files) {
    const fs::path p = fs::path(dir) / f.path;
    fs::create_directories(p.parent_path(), ec);
    if (ec) return fmt::format("cannot create {}: {}", p.parent_path().string(), ec.message());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << f.content;
    out.close();
    if (!out) return fmt::format("cannot write {}", p.string());
  }
  return "";
}

}  // namespace spool::protocol
