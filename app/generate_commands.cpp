// The protocol exports: both write deterministic output (sorted types, sorted keys) into
// --out, creating it, so the result can be diffed and committed by clients.
#include "app/generate_commands.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

#include "protocol/export.h"

namespace spool::app {
namespace {

int write(const std::string& out, const std::vector<protocol::ExportedFile>& files,
          const char* what) {
  const std::string error = protocol::write_files(out, files);
  if (!error.empty()) {
    fmt::print(stderr, "spool {}: {}\n", what, error);
    return 1;
  }
  fmt::print(stderr, "spool {}: wrote {} files to {}\n", what, files.size(), out);
  return 0;
}

}  // namespace

void add_generate_commands(CLI::App& parent) {
  auto schema_out = std::make_shared<std::string>();
  CLI::App* schema = parent.add_subcommand(
      "generate-json-schema",
      "Write the protocol's JSON Schema: one file per top-level type and a bundle");
  schema->add_option("--out", *schema_out, "Output directory")->required();
  schema->callback([schema_out] {
    throw CLI::RuntimeError(write(*schema_out, protocol::export_json_schema(),
                                  "generate-json-schema"));
  });

  auto ts_out = std::make_shared<std::string>();
  CLI::App* ts = parent.add_subcommand(
      "generate-ts", "Write the protocol's TypeScript definitions: one .ts file per type");
  ts->add_option("--out", *ts_out, "Output directory")->required();
  ts->callback([ts_out] {
    throw CLI::RuntimeError(write(*ts_out, protocol::export_typescript(), "generate-ts"));
  });
}

}  // namespace spool::app
