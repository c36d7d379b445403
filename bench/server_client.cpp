#include "bench/server_client.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

extern char** environ;

namespace spool::bench {
namespace {

using clock_type = std::chrono::steady_clock;

bool write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

ServerClient::ServerClient(pid_t pid, int in_fd, int out_fd, std::chrono::milliseconds timeout)
    : pid_(pid), in_fd_(in_fd), out_fd_(out_fd), timeout_(timeout) {}

Result<std::unique_ptr<ServerClient>, std::string> ServerClient::start(const ServerOptions& o) {
  std::error_code ec;
  std::filesystem::create_directories(o.home, ec);
  // The server's environment: ours, with its homes pointed into the work directory so it
  // reads no settings of the person running the benchmark.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    const std::string_view v(*e);
    if (v.starts_with("SPOOL_HOME=") || v.starts_with("HOME=") || v.starts_with("CODEX_HOME="))
      continue;
    env_strings.emplace_back(v);
  }
  env_strings.push_back("SPOOL_HOME=" + o.home.string());
  env_strings.push_back("HOME=" + o.home.string());
  env_strings.push_back("CODEX_HOME=" + (o.home / "no-codex-home").string());
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> arg_strings = {o.binary.string(), "serve", "--db", o.db.string()};
  std::vector<char*> argv;
  for (auto& s : arg_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  int to_child[2], from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0) return fail(std::string("pipe failed"));
  if (::pipe2(from_child, O_CLOEXEC) != 0) {
    ::close(to_child[0]);
    ::close(to_child[1]);
    return fail(std::string("pipe failed"));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, o.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  const auto start = clock_type::now();
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, o.binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(to_child[0]);
  ::close(from_child[1]);
  if (rc != 0) {
    ::close(to_child[1]);
    ::close(from_child[0]);
    return fail(fmt::format("cannot start {}: {}", o.binary.string(), std::strerror(rc)));
  }
  std::unique_ptr<ServerClient> client(
      new ServerClient(pid, to_child[1], from_child[0], o.timeout));
  auto init =
      client->call("initialize", {{"clientInfo", {{"name", "spool-bench"}, {"version", "0.0.1"}}}});
  if (!init) return fail("initialize: " + init.error());
  client->initialize_ms_ =
      std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
  auto sent = client->notify("initialized");
  if (!sent) return fail(sent.error());
  return client;
}

ServerClient::~ServerClient() { stop(); }

bool ServerClient::reap(bool block) {
  if (reaped_) return true;
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (r == 0) return false;
  reaped_ = true;
  exit_status_ = r == pid_ ? status : -1;
  return true;
}

int ServerClient::stop() {
  if (in_fd_ >= 0) ::close(in_fd_);
  in_fd_ = -1;
  const auto deadline = clock_type::now() + std::chrono::seconds(10);
  while (!reap(false)) {
    if (pid_ <= 0) break;
    if (clock_type::now() > deadline) {
      ::kill(pid_, SIGKILL);
      reap(true);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  out_fd_ = -1;
  return exit_status_;
}

Result<bool, std::string> ServerClient::send(const nlohmann::json& message) {
  if (!write_all(in_fd_, message.dump() + "\n"))
    return fail(std::string("the server closed its input"));
  return true;
}

bool ServerClient::read_line(std::string* line, std::string* error) {
  const auto deadline = clock_type::now() + timeout_;
  std::size_t scanned = 0;
  while (true) {
    const auto nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos) {
      line->assign(buffer_, 0, nl);
      buffer_.erase(0, nl + 1);
      return true;
    }
    scanned = buffer_.size();
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
    if (left <= 0) {
      *error = "timed out waiting for the server";
      return false;
    }
    pollfd p{out_fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char chunk[1 << 16];
    const ssize_t n = ::read(out_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "the server closed its output";
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

Result<nlohmann::json, std::string> ServerClient::call(const std::string& method,
                                                       const nlohmann::json& params) {
  auto msg = request(method, params);
  if (!msg) return fail(msg.error());
  if (msg->contains("error")) return fail(fmt::format("{}: {}", method, (*msg)["error"].dump()));
  return msg->value("result", nlohmann::json());
}

Result<bool, std::string> ServerClient::notify(const std::string& method) {
  return send({{"jsonrpc", "2.0"}, {"method", method}});
}

bool ServerClient::alive() { return pid_ > 0 && !reap(false); }

Result<nlohmann::json, std::string> ServerClient::request(const std::string& method,
                                                          const nlohmann::json& params) {
  const std::int64_t id = next_id_++;
  const std::string request =
      nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump() +
      "\n";
  const auto start = clock_type::now();
  if (!write_all(in_fd_, request)) return fail(std::string("the server closed its input"));
  while (true) {
    std::string line, error;
    if (!read_line(&line, &error)) return fail(error);
    last_call_ms_ = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
    auto msg = nlohmann::json::parse(line, nullptr, false);
    if (msg.is_discarded() || !msg.is_object()) continue;
    if (!msg.contains("id") || msg["id"] != id || msg.contains("method")) continue;  // not ours
    return msg;
  }
}

std::int64_t ServerClient::peak_rss_bytes() const {
  std::ifstream in(fmt::format("/proc/{}/status", pid_));
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("VmHWM:")) return std::stoll(line.substr(6)) * 1024;  // "  1234 kB"
  }
  return 0;
}

}  // namespace spool::bench
