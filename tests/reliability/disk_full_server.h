// A `spool serve` child for the disk-full test: pipes on stdin/stdout, one JSON-RPC request
// at a time, and the whole response (result or error) handed back.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace spool::test {

class ServedProcess {
 public:
  // Spawns `binary serve --db db` with SPOOL_HOME and HOME set to `home`, stderr to `log`.
  // Throws std::runtime_error when it cannot start.
  ServedProcess(const std::string& binary, const std::string& db, const std::string& home,
                const std::string& log);
  ~ServedProcess();  // stop()
  ServedProcess(const ServedProcess&) = delete;
  ServedProcess& operator=(const ServedProcess&) = delete;

  // Sends a request and returns its response object ({"id", "result"} or {"id", "error"}),
  // skipping notifications; nullopt when the server closed its output or 30 s passed.
  std::optional<nlohmann::json> call(const std::string& method, const nlohmann::json& params);
  void notify(const std::string& method);
  // True while the child has not exited.
  bool alive();
  // Closes stdin, waits up to 10 s (then kills); returns the exit code, or -1 if killed.
  int stop();

 private:
  std::optional<std::string> read_line();

  pid_t pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  std::int64_t next_id_ = 1;
  std::optional<int> exit_code_;
};

}  // namespace spool::test
