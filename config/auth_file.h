// $SPOOL_HOME/auth.json: the stored sign-in (an API key, or the tokens of a ChatGPT sign-in),
// in the Codex CLI's own format, so a Codex ~/.codex/auth.json can be copied over and read:
//
//   {"auth_mode": "apikey" | "chatgpt",
//    "OPENAI_API_KEY": string | null,
//    "tokens": {"id_token", "access_token", "refresh_token", "account_id"} | null,
//    "last_refresh": RFC 3339 UTC string | null}
//
// The file holds secrets: it is written 0600 in a 0700 directory, and a file that other
// users can read or write is refused rather than used. No message from here ever contains a
// key or a token. This file only reads and writes; signing in and refreshing are elsewhere.
//
// Threading: plain blocking file I/O; the functions share no state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "base/result.h"

namespace spool::config {

struct ChatgptTokens {
  std::string id_token;  // the JWT as issued
  std::string access_token;
  std::string refresh_token;
  std::optional<std::string> account_id;  // the ChatGPT account (workspace) the tokens are for
};

enum class AuthMode { ApiKey, Chatgpt };

struct StoredAuth {
  AuthMode mode = AuthMode::ApiKey;
  std::string api_key;  // OPENAI_API_KEY; empty is written as null
  std::optional<ChatgptTokens> tokens;
  std::optional<std::int64_t> last_refresh_ms;  // UTC epoch ms of the last token refresh
};

// Reads `file`. nullopt when it does not exist. Codex's older files have no auth_mode: it is
// chatgpt when "tokens" is an object, else apikey when OPENAI_API_KEY is a non-empty string.
// Errors, each naming the file and never containing a key or token: not a regular file;
// readable or writable by group or others (refused without reading it: "... is readable by
// other users (mode 0644); run chmod 600 <file> or sign in again"); not JSON; a field of the
// wrong type; an unknown auth_mode; apikey mode with an empty key; chatgpt mode without
// tokens (or with an empty id_token or access_token); a last_refresh that is not RFC 3339.
Result<std::optional<StoredAuth>, std::string> load_auth(const std::filesystem::path& file);

// Writes `auth` to `file` atomically: a temporary file in the same directory, created with
// open(O_CREAT | O_EXCL, 0600) and set to exactly 0600 whatever the umask, is written,
// fsync'd and renamed over `file`, then the directory is fsync'd. Missing directories are
// created 0700. Errors name the file and the errno text; the temporary file never outlives
// a failure.
Result<void, std::string> save_auth(const std::filesystem::path& file, const StoredAuth& auth);

// Removes `file` (sign-out). true when a file was removed, false when there was none.
Result<bool, std::string> remove_auth(const std::filesystem::path& file);

}  // namespace spool::config
