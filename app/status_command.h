// `spool status`: who is signed in, the configured model, and the newest rate limits the
// model provider reported, for people (app/status_report.h renders it).
#pragma once

namespace CLI {
class App;
}

namespace spool::app {

void add_status_command(CLI::App& parent);

}  // namespace spool::app
