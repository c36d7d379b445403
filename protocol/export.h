// The JSON Schema and TypeScript exports of the protocol, derived from the declarations.
//
// Both walk the same set of types: every params/result type of the method tables, the
// method unions, the JSON-RPC envelope, and the core rollout types, plus everything they
// reference. Output is deterministic: types sorted by namespace and name, keys sorted.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "protocol/describe.h"

namespace spool::protocol {

struct ExportedFile {
  std::string path;     // relative to the output directory: "v2/Thread.json"
  std::string content;  // ends with a newline
};

// The types exported at the top level (one file each), sorted by qualified name.
std::vector<const TypeDesc*> root_types();
// Every named type reachable from the roots, sorted by qualified name.
std::vector<const TypeDesc*> all_types();

// "#/definitions/Name" or "#/definitions/v2/Name".
std::string schema_ref(const TypeDesc& d);
// The bundle: {"$schema", "title", "definitions": {root..., "v2": {...}, "core": {...}}},
// including the method unions ClientRequest, ClientNotification, ServerNotification,
// ServerRequest (keyed by method name).
nlohmann::json schema_bundle();
// spool_app_server_protocol.schemas.json plus one self-contained file per root type and
// per method union.
std::vector<ExportedFile> export_json_schema();

// One .ts file per type (v2/ for v2 types, core/ for core types), JsonValue.ts, the method
// unions, and index.ts files that re-export them (`export * as v2 from "./v2"`).
std::vector<ExportedFile> export_typescript();

// Writes files under `dir` (creating directories). Returns an error message or "".
std::string write_files(const std::string& dir, const std::vector<ExportedFile>& files);

}  // namespace spool::protocol
