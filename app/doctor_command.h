// `spool doctor`: opens the database and reports its health.
#pragma once

namespace CLI {
class App;
}

namespace spool::app {

void add_doctor_command(CLI::App& parent);

}  // namespace spool::app
