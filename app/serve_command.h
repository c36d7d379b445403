// `spool serve`: the app-server. JSON-RPC (Codex app-server v2) over stdin/stdout, or over
// a Unix socket or loopback TCP port with --listen.
#pragma once

namespace CLI {
class App;
}

namespace spool::app {

void add_serve_command(CLI::App& parent);

}  // namespace spool::app
