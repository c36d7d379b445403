// `spool import` and `spool export`: Codex rollout files in and out.
#pragma once

namespace CLI {
class App;
}

namespace spool::app {

void add_import_command(CLI::App& parent);
void add_export_command(CLI::App& parent);

}  // namespace spool::app
