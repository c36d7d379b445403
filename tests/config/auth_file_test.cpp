// $SPOOL_HOME/auth.json (config/auth_file.h): Codex's format both ways, the permission
// checks, atomic 0600 writes, and messages that never carry a secret.
#include "config/auth_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "support/temp_dir.h"

using spool::config::AuthMode;
using spool::config::ChatgptTokens;
using spool::config::load_auth;
using spool::config::remove_auth;
using spool::config::save_auth;
using spool::config::StoredAuth;
using spool::test::TempDir;
using spool::test::write_file;

namespace fs = std::filesystem;

namespace {

constexpr const char* kCanary = "sk-CANARY-7f3e9b1d";

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Writes `text` to `p` with exactly `mode`.
void write_with_mode(const fs::path& p, const std::string& text, mode_t mode) {
  write_file(p, text);
  REQUIRE(::chmod(p.c_str(), mode) == 0);
}

std::string load_error(const fs::path& p) {
  auto r = load_auth(p);
  if (r.ok()) FAIL("loaded, but expected an error");
  return r.error();
}

StoredAuth load_ok(const fs::path& p) {
  auto r = load_auth(p);
  if (!r.ok()) FAIL("unexpected error: " << r.error());
  REQUIRE(r->has_value());
  return **r;
}

}  // namespace

TEST_CASE("an API key round-trips", "[auth]") {
  TempDir dir;
  fs::path file = dir.path() / "auth.json";
  StoredAuth in;
  in.mode = AuthMode::ApiKey;
  in.api_key = kCanary;
  REQUIRE(save_auth(file, in).ok());
  StoredAuth out = load_ok(file);
  CHECK(out.mode == AuthMode::ApiKey);
  CHECK(out.api_key == kCanary);
  CHECK_FALSE(out.tokens);
  CHECK_FALSE(out.last_refresh_ms);
  CHECK(spool::test::read_file(file) ==
        std::string("{\n  \"auth_mode\": \"apikey\",\n  \"OPENAI_API_KEY\": \"") + kCanary +
            "\",\n  \"tokens\": null,\n  \"last_refresh\": null\n}\n");
}

TEST_CASE("ChatGPT tokens round-trip", "[auth]") {
  TempDir dir;
  fs::path file = dir.path() / "auth.json";
  StoredAuth in;
  in.mode = AuthMode::Chatgpt;
  in.tokens = ChatgptTokens{"header.payload.", "access-1", "refresh-1", "account-1"};
  in.last_refresh_ms = 1795501124087;
  REQUIRE(save_auth(file, in).ok());
  StoredAuth out = load_ok(file);
  CHECK(out.mode == AuthMode::Chatgpt);
  CHECK(out.api_key.empty());
  REQUIRE(out.tokens);
  CHECK(out.tokens->id_token == "header.payload.");
  CHECK(out.tokens->access_token == "access-1");
  CHECK(out.tokens->refresh_token == "refresh-1");
  CHECK(out.tokens->account_id == "account-1");
  CHECK(out.last_refresh_ms == 1795501124087);

  SECTION("without an account id") {
    in.tokens->account_id.reset();
    REQUIRE(save_auth(file, in).ok());
    CHECK_FALSE(load_ok(file).tokens->account_id);
  }
}

TEST_CASE("a written file is 0600 even with umask 0, in a new 0700 directory", "[auth]") {
  TempDir dir;
  fs::path file = dir.path() / "home" / ".spool" / "auth.json";
  mode_t old = ::umask(0);
  StoredAuth in;
  in.api_key = kCanary;
  auto saved = save_auth(file, in);
  ::umask(old);
  REQUIRE(saved.ok());
  CHECK(mode_of(file) == 0600);
  CHECK(mode_of(file.parent_path()) == 0700);
  CHECK(mode_of(file.parent_path().parent_path()) == 0700);
}

TEST_CASE("saving replaces the file atomically and leaves no temporary file", "[auth]") {
  TempDir dir;
  fs::path file = dir.path() / "auth.json";
  write_with_mode(file, "old contents", 0644);
  StoredAuth in;
  in.api_key = "sk-new";
  REQUIRE(save_auth(file, in).ok());
  CHECK(mode_of(file) == 0600);  // a new file, not the old one rewritten
  CHECK(load_ok(file).api_key == "sk-new");
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    ++entries;
    CHECK(e.path().filename() == "auth.json");
  }
  CHECK(entries == 1);
}

TEST_CASE("a file other users can read or write is refused", "[auth]") {
  TempDir dir;
  fs::path file = dir.path() / "auth.json";
  const std::string text =
      std::string(R"({"auth_mode":"apikey","OPENAI_API_KEY":")") + kCanary + "\"}";
  write_with_mode(file, text, 0644);
  CHECK(load_error(file) == file.string() +
                                " is readable by other users (mode 0644); run chmod 600 " +
                                file.string() + " or sign in again");
  write_with_mode(file, text, 0640);
  CHECK(load_error(file) == file.string() +
                                " is readable by other users (mode 0640); run chmod 600 " +
                                file.string() + " or sign in again");
  write_with_mode(file, text, 0620);
  CHECK(load_error(file).find("is writable by other users (mode 0620)") != std::string::npos);
  write_with_mode(file, text, 0600);
  CHECK(load_ok(file).api_key == kCanary);
  write_with_mode(file, text, 0400);
  CHECK(load_ok(file).api_key == kCanary);
}

TEST_CASE("a missing file is no sign-in", "[auth]") {
  TempDir dir;
  auto r = load_auth(dir.path() / "auth.json");
  REQUIRE(r.ok());
  CHECK_FALSE(r->has_value());
}

TEST_CASE("a directory is not an auth file", "[auth]") {
  TempDir dir;
  fs::create_directory(dir.path() / "auth.json");
  ::chmod((dir.path() / "auth.json").c_str(), 0700);
  CHECK(load_error(dir.path() / "auth.json") ==
        (dir.path() / "auth.json").string() + " is not a regular file");
}

TEST_CASE("Codex's auth.json without auth_mode reads", "[auth]") {
  TempDir dir;
  fs::path file = dir.path() / "auth.json";

  SECTION("tokens make it a ChatGPT sign-in") {
    write_with_mode(file, R"({
  "OPENAI_API_KEY": null,
  "tokens": {
    "id_token": "eyJhbGciOiJub25lIn0.e30.",
    "access_token": "at",
    "refresh_token": "rt",
    "account_id": "acc"
  },
  "last_refresh": "2025-08-07T12:34:56.123456789Z"
})",
                    0600);
    StoredAuth a = load_ok(file);
    CHECK(a.mode == AuthMode::Chatgpt);
    REQUIRE(a.tokens);
    CHECK(a.tokens->account_id == "acc");
    CHECK(a.last_refresh_ms == 1754570096123);
  }
  SECTION("a key alone makes it an API-key sign-in") {
    write_with_mode(file, std::string(R"({"OPENAI_API_KEY": ")") + kCanary + "\"}", 0600);
    StoredAuth a = load_ok(file);
    CHECK(a.mode == AuthMode::ApiKey);
    CHECK(a.api_key == kCanary);
  }
  SECTION("a token without account_id, and a key beside the tokens") {
    write_with_mode(file, R"({"auth_mode":"chatgpt","OPENAI_API_KEY":"sk-x",
      "tokens":{"id_token":"a.b.c","access_token":"at","refresh_token":"rt"}})",
                    0600);
    StoredAuth a = load_ok(file);
    CHECK(a.mode == AuthMode::Chatgpt);
    CHECK(a.api_key == "sk-x");
    CHECK_FALSE(a.tokens->account_id);
  }
}

TEST_CASE("bad files are errors that name the file and never contain the key", "[auth]") {
  TempDir dir;
  fs::path file = dir.path() / "auth.json";
  const std::string k = kCanary;
  struct Case {
    std::string text;
    std::string expected;  // a part of the message
  };
  const Case cases[] = {
      {"{\"OPENAI_API_KEY\": \"" + k, "not valid JSON"},
      {k, "not valid JSON"},
      {"[\"" + k + "\"]", "must hold a JSON object, not an array"},
      {"{\"auth_mode\": \"" + k + "\"}", "auth_mode must be \"apikey\" or \"chatgpt\""},
      {"{\"auth_mode\": \"apikey\", \"OPENAI_API_KEY\": [\"" + k + "\"]}",
       "OPENAI_API_KEY must be a string or null, not an array"},
      {"{\"auth_mode\": \"apikey\", \"OPENAI_API_KEY\": \"\"}", "OPENAI_API_KEY is empty"},
      {"{\"auth_mode\": \"apikey\"}", "OPENAI_API_KEY is empty or missing"},
      {"{\"auth_mode\": \"chatgpt\", \"OPENAI_API_KEY\": \"" + k + "\"}", "there are no tokens"},
      {"{\"tokens\": \"" + k + "\"}", "tokens must be an object or null, not a string"},
      {"{\"tokens\": {\"id_token\": 1, \"access_token\": \"" + k + "\"}}",
       "tokens.id_token must be a string, not a number"},
      {"{\"tokens\": {\"id_token\": \"" + k + "\", \"access_token\": \"" + k + "\"}}",
       "tokens.refresh_token must be a string, not missing"},
      {"{\"tokens\": {\"id_token\": \"\", \"access_token\": \"" + k +
           "\", \"refresh_token\": \"\"}}",
       "must not be empty"},
      {"{\"OPENAI_API_KEY\": \"" + k + "\", \"last_refresh\": \"" + k + "\"}",
       "last_refresh is not an RFC 3339 time"},
      {"{\"OPENAI_API_KEY\": \"" + k + "\", \"last_refresh\": 5}",
       "last_refresh must be a string or null"},
      {"{}", "has neither an OPENAI_API_KEY nor tokens"},
  };
  for (const Case& c : cases) {
    write_with_mode(file, c.text, 0600);
    std::string error = load_error(file);
    INFO(error);
    CHECK(error.rfind(file.string() + ": ", 0) == 0);
    CHECK(error.find(c.expected) != std::string::npos);
    CHECK(error.find("CANARY") == std::string::npos);
  }
}

TEST_CASE("remove_auth says whether there was a file", "[auth]") {
  TempDir dir;
  fs::path file = dir.path() / "auth.json";
  StoredAuth in;
  in.api_key = kCanary;
  REQUIRE(save_auth(file, in).ok());
  auto removed = remove_auth(file);
  REQUIRE(removed.ok());
  CHECK(*removed);
  CHECK_FALSE(fs::exists(file));
  auto again = remove_auth(file);
  REQUIRE(again.ok());
  CHECK_FALSE(*again);
}

TEST_CASE("a save that cannot write names the file and the reason", "[auth]") {
  TempDir dir;
  // A regular file where the directory should be: no user can write below it.
  write_file(dir.path() / "not-a-dir", "x");
  fs::path file = dir.path() / "not-a-dir" / "auth.json";
  StoredAuth in;
  in.api_key = kCanary;
  auto r = save_auth(file, in);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find(file.string()) != std::string::npos);
  CHECK(r.error().find("Not a directory") != std::string::npos);
  CHECK(r.error().find("CANARY") == std::string::npos);
}
