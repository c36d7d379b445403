// `spool generate-json-schema` and `spool generate-ts`: export the protocol for clients.
#pragma once

namespace CLI {
class App;
}

namespace spool::app {

void add_generate_commands(CLI::App& parent);

}  // namespace spool::app
