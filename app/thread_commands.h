// `spool list`, `spool show` and `spool rebuild`: the thread list and a thread's history
// for people, and rebuilding projections.
#pragma once

namespace CLI {
class App;
}

namespace spool::app {

void add_list_command(CLI::App& parent);
void add_rebuild_command(CLI::App& parent);
void add_show_command(CLI::App& parent);

}  // namespace spool::app
