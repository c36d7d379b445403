// Runs a command line through /bin/sh and captures its exit code, stdout and stderr.
#pragma once

#include <string>

namespace spool::test {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `command` is passed to /bin/sh -c as is; quote arguments yourself.
ProcessResult run_shell(const std::string& command);

// Single-quotes `s` for /bin/sh.
std::string shell_quote(const std::string& s);

}  // namespace spool::test
