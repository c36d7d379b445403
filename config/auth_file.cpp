// See auth_file.h. Reading opens the file first and checks what was opened (fstat), so the
// permission check and the read are about the same file. Writing never leaves a moment where
// the secret sits in a file wider than 0600, or where a crash leaves a torn auth.json.
#include "config/auth_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>
#include <vector>

#include "base/time.h"

namespace spool::config {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxAuthFileBytes = 1 << 20;

std::string errno_text(int err) { return std::generic_category().message(err); }

// Closes a descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now and reports close()'s errno (0 when it succeeded).
  int close_now() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

std::string_view json_type(const nlohmann::json& j) {
  if (j.is_null()) return "null";
  if (j.is_string()) return "a string";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_array()) return "an array";
  return "an object";
}

// Reads an optional string member: absent and null are nullopt. `error` is set (naming the
// member and the type found, never the value) when it is something else.
std::optional<std::string> optional_string(const nlohmann::json& object, const char* name,
                                           std::string_view owner, std::string& error) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    error = fmt::format("{}{} must be a string or null, not {}", owner, name, json_type(*it));
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::string required_string(const nlohmann::json& object, const char* name, std::string_view owner,
                            std::string& error) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    error = fmt::format("{}{} must be a string, not {}", owner, name,
                        it == object.end() ? "missing" : json_type(*it));
    return {};
  }
  return it->get<std::string>();
}

// The file's contents decoded, or a message saying what is wrong (without the file name).
Result<StoredAuth, std::string> decode(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  // nlohmann's own error messages quote the bytes around the error, which may be a secret.
  if (j.is_discarded()) return fail(std::string("not valid JSON"));
  if (!j.is_object()) return fail(fmt::format("must hold a JSON object, not {}", json_type(j)));
  std::string error;
  StoredAuth auth;

  std::optional<std::string> mode = optional_string(j, "auth_mode", "", error);
  std::optional<std::string> key = optional_string(j, "OPENAI_API_KEY", "", error);
  if (!error.empty()) return fail(std::move(error));
  auth.api_key = key.value_or("");

  if (auto it = j.find("tokens"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      return fail(fmt::format("tokens must be an object or null, not {}", json_type(*it)));
    }
    ChatgptTokens t;
    t.id_token = required_string(*it, "id_token", "tokens.", error);
    if (error.empty()) t.access_token = required_string(*it, "access_token", "tokens.", error);
    if (error.empty()) t.refresh_token = required_string(*it, "refresh_token", "tokens.", error);
    if (error.empty()) t.account_id = optional_string(*it, "account_id", "tokens.", error);
    if (!error.empty()) return fail(std::move(error));
    auth.tokens = std::move(t);
  }

  if (auto last = optional_string(j, "last_refresh", "", error)) {
    auth.last_refresh_ms = parse_rfc3339_ms(*last);
    if (!auth.last_refresh_ms) return fail(std::string("last_refresh is not an RFC 3339 time"));
  }
  if (!error.empty()) return fail(std::move(error));

  if (mode) {
    if (*mode == "apikey") {
      auth.mode = AuthMode::ApiKey;
    } else if (*mode == "chatgpt") {
      auth.mode = AuthMode::Chatgpt;
    } else {
      return fail(std::string("auth_mode must be \"apikey\" or \"chatgpt\""));
    }
  } else if (auth.tokens) {
    auth.mode = AuthMode::Chatgpt;  // Codex's files from before auth_mode existed
  } else if (!auth.api_key.empty()) {
    auth.mode = AuthMode::ApiKey;
  } else {
    return fail(std::string("has neither an OPENAI_API_KEY nor tokens"));
  }

  if (auth.mode == AuthMode::ApiKey && auth.api_key.empty()) {
    return fail(std::string("auth_mode is \"apikey\" but OPENAI_API_KEY is empty or missing"));
  }
  if (auth.mode == AuthMode::Chatgpt) {
    if (!auth.tokens) return fail(std::string("auth_mode is \"chatgpt\" but there are no tokens"));
    if (auth.tokens->id_token.empty() || auth.tokens->access_token.empty()) {
      return fail(std::string("tokens.id_token and tokens.access_token must not be empty"));
    }
  }
  return auth;
}

std::string encode(const StoredAuth& auth) {
  // Codex's field order (serde writes the struct's order).
  nlohmann::ordered_json j;
  j["auth_mode"] = auth.mode == AuthMode::Chatgpt ? "chatgpt" : "apikey";
  j["OPENAI_API_KEY"] =
      auth.api_key.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(auth.api_key);
  if (auth.tokens) {
    nlohmann::ordered_json t;
    t["id_token"] = auth.tokens->id_token;
    t["access_token"] = auth.tokens->access_token;
    t["refresh_token"] = auth.tokens->refresh_token;
    t["account_id"] = auth.tokens->account_id ? nlohmann::ordered_json(*auth.tokens->account_id)
                                              : nlohmann::ordered_json(nullptr);
    j["tokens"] = std::move(t);
  } else {
    j["tokens"] = nullptr;
  }
  j["last_refresh"] = auth.last_refresh_ms
                          ? nlohmann::ordered_json(format_rfc3339_ms(*auth.last_refresh_ms))
                          : nlohmann::ordered_json(nullptr);
  return j.dump(2) + "\n";
}

// Creates `dir` and its missing parents, each 0700.
Result<void, std::string> make_directories(const fs::path& dir, const fs::path& file) {
  std::vector<fs::path> missing;
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) break;
    if (errno != ENOENT) {
      return fail(
          fmt::format("cannot write {}: {}: {}", file.string(), p.string(), errno_text(errno)));
    }
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return fail(fmt::format("cannot write {}: cannot create {}: {}", file.string(), it->string(),
                              errno_text(errno)));
    }
  }
  return {};
}

// fsync()s a directory so that a rename or unlink in it is durable.
int sync_directory(const fs::path& dir) {
  Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return errno;
  if (::fsync(fd.get()) != 0) return errno;
  return fd.close_now();
}

std::string octal_mode(mode_t mode) { return fmt::format("{:04o}", mode & 07777); }

}  // namespace

Result<std::optional<StoredAuth>, std::string> load_auth(const fs::path& file) {
  const std::string name = file.string();
  // O_NONBLOCK: opening a FIFO must not hang; it is refused below as not a regular file.
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<StoredAuth>();
    return fail(fmt::format("cannot read {}: {}", name, errno_text(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(fmt::format("cannot read {}: {}", name, errno_text(errno)));
  }
  if (!S_ISREG(st.st_mode)) return fail(fmt::format("{} is not a regular file", name));
  if (st.st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH)) {
    std::string_view what =
        st.st_mode & (S_IRGRP | S_IROTH) ? "readable by other users" : "writable by other users";
    return fail(fmt::format("{} is {} (mode {}); run chmod 600 {} or sign in again", name, what,
                            octal_mode(st.st_mode), name));
  }
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxAuthFileBytes) {
    return fail(fmt::format("{} is too large to be an auth.json ({} bytes)", name, st.st_size));
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(fmt::format("cannot read {}: {}", name, errno_text(errno)));
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxAuthFileBytes) {
      return fail(fmt::format("{} is too large to be an auth.json", name));
    }
  }
  auto decoded = decode(text);
  if (!decoded.ok()) return fail(fmt::format("{}: {}", name, decoded.error()));
  return std::optional<StoredAuth>(std::move(decoded).value());
}

Result<void, std::string> save_auth(const fs::path& file, const StoredAuth& auth) {
  const std::string name = file.string();
  const fs::path dir = file.parent_path();
  if (!dir.empty()) {
    if (auto made = make_directories(dir, file); !made.ok()) return made;
  }
  // A name no other writer (another process, or another thread here) uses at the same time.
  static std::atomic<unsigned> counter{0};
  fs::path temp = file;
  temp += fmt::format(".tmp-{}-{}", ::getpid(), counter.fetch_add(1));

  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) return fail(fmt::format("cannot write {}: {}", name, errno_text(errno)));
  auto fail_and_unlink = [&](int err) -> Result<void, std::string> {
    ::unlink(temp.c_str());
    return fail(fmt::format("cannot write {}: {}", name, errno_text(err)));
  };
  // The umask can only narrow 0600; make the mode exact anyway (never wider, never narrower).
  if (::fchmod(fd.get(), 0600) != 0) return fail_and_unlink(errno);
  const std::string bytes = encode(auth);
  std::size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_and_unlink(errno);
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail_and_unlink(errno);
  if (int err = fd.close_now(); err != 0) return fail_and_unlink(err);
  if (::rename(temp.c_str(), file.c_str()) != 0) return fail_and_unlink(errno);
  if (int err = sync_directory(dir); err != 0) {
    return fail(fmt::format("cannot write {}: syncing its directory: {}", name, errno_text(err)));
  }
  return {};
}

Result<bool, std::string> remove_auth(const fs::path& file) {
  if (::unlink(file.c_str()) != 0) {
    if (errno == ENOENT) return false;
    return fail(fmt::format("cannot remove {}: {}", file.string(), errno_text(errno)));
  }
  // Durable sign-out; a failure here does not bring the file back, so it is not an error.
  (void)sync_directory(file.parent_path());
  return true;
}

}  // namespace spool::config
