// A client for the replay benchmark: spawns `spool serve` with pipes on stdin/stdout and
// talks JSON-RPC to it one request at a time, as an editor extension would.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"

namespace spool::bench {

struct ServerOptions {
  std::filesystem::path binary;  // the spool executable
  std::filesystem::path db;      // passed as --db
  std::filesystem::path home;    // SPOOL_HOME and HOME of the server (created when missing)
  std::filesystem::path log;     // the server's stderr goes here
  std::chrono::milliseconds timeout{120000};  // per request
};

class ServerClient {
 public:
  // Spawns the server and runs `initialize` (then sends `initialized`). The time from just
  // before the spawn to the initialize answer is initialize_ms().
  static Result<std::unique_ptr<ServerClient>, std::string> start(const ServerOptions& options);
  // Closes stdin and waits for the server to exit (killing it if it does not within 10 s).
  ~ServerClient();
  ServerClient(const ServerClient&) = delete;
  ServerClient& operator=(const ServerClient&) = delete;

  // Sends one request and blocks until its response (notifications in between are
  // skipped). Returns the "result" member; an error response or a timeout is a failure.
  Result<nlohmann::json, std::string> call(const std::string& method, const nlohmann::json& params);
  // As call(), but returns the whole response object: {"id", "result"} or {"id", "error"}.
  // Only a timeout or the server closing its output is a failure.
  Result<nlohmann::json, std::string> request(const std::string& method,
                                              const nlohmann::json& params);
  // Sends a notification (no answer is awaited).
  Result<bool, std::string> notify(const std::string& method);
  // True while the server has not exited.
  bool alive();

  double initialize_ms() const { return initialize_ms_; }
  // The last call()'s latency: from just before its request was written to the moment the
  // whole response line had arrived (the client's own parse of it not included).
  double last_call_ms() const { return last_call_ms_; }
  // The server's peak resident set (VmHWM) so far, in bytes; 0 when unreadable.
  std::int64_t peak_rss_bytes() const;
  // Closes stdin and waits for exit; returns the exit status (as from waitpid: 0 is a clean
  // exit 0) or -1.
  int stop();

 private:
  ServerClient(pid_t pid, int in_fd, int out_fd, std::chrono::milliseconds timeout);
  // Reads the next line into *line; false (with *error set) on timeout or end of output.
  bool read_line(std::string* line, std::string* error);
  Result<bool, std::string> send(const nlohmann::json& message);
  // Collects the server's exit status once it has exited (waiting for it when `block`);
  // true once collected.
  bool reap(bool block);

  pid_t pid_;
  int in_fd_;   // the server's stdin (we write)
  int out_fd_;  // the server's stdout (we read)
  std::chrono::milliseconds timeout_;
  std::string buffer_;  // bytes read past the last line returned
  std::int64_t next_id_ = 1;
  double initialize_ms_ = 0;
  double last_call_ms_ = 0;
  bool reaped_ = false;
  int exit_status_ = -1;  // as from waitpid, once reaped_
};

}  // namespace spool::bench
