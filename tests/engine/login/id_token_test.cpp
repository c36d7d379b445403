// Reading the claims of a ChatGPT sign-in's id_token (engine/login/id_token.h).
#include "engine/login/id_token.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/login/pkce.h"

using namespace spool::engine::login;

namespace {

std::string jwt(const nlohmann::json& payload, const std::string& signature = "c2ln") {
  return base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
         base64url_encode(payload.dump()) + "." + signature;
}

}  // namespace

TEST_CASE("an id_token gives the e-mail, plan and ids", "[login]") {
  auto r = parse_id_token(jwt({{"email", "user@example.com"},
                               {"https://api.openai.com/auth",
                                {{"chatgpt_plan_type", "pro"},
                                 {"chatgpt_account_id", "acc-1"},
                                 {"chatgpt_user_id", "user-1"},
                                 {"user_id", "legacy"}}}}));
  REQUIRE(r.ok());
  CHECK(r->email == "user@example.com");
  CHECK(r->plan_type == "pro");
  CHECK(r->account_id == "acc-1");
  CHECK(r->user_id == "user-1");
}

TEST_CASE("user_id stands in for a missing chatgpt_user_id", "[login]") {
  auto r = parse_id_token(jwt({{"https://api.openai.com/auth", {{"user_id", "legacy"}}}}));
  REQUIRE(r.ok());
  CHECK(r->user_id == "legacy");
  CHECK_FALSE(r->email);
  CHECK_FALSE(r->plan_type);
  CHECK_FALSE(r->account_id);
}

TEST_CASE("missing or non-string claims are absent", "[login]") {
  auto r = parse_id_token(jwt({{"email", 7}, {"https://api.openai.com/auth", "not an object"}}));
  REQUIRE(r.ok());
  CHECK_FALSE(r->email);
  CHECK_FALSE(r->plan_type);
  auto empty = parse_id_token(jwt(nlohmann::json::object()));
  REQUIRE(empty.ok());
  CHECK_FALSE(empty->email);
}

TEST_CASE("an unsigned token with an empty signature reads", "[login]") {
  auto r = parse_id_token(jwt({{"email", "a@b.c"}}, ""));
  REQUIRE(r.ok());
  CHECK(r->email == "a@b.c");
}

TEST_CASE("a payload with padding reads", "[login]") {
  std::string payload = base64url_encode(R"({"email":"ab@c.d"})");
  while (payload.size() % 4 != 0) payload += '=';
  auto r = parse_id_token("eyJhbGciOiJub25lIn0." + payload + ".");
  REQUIRE(r.ok());
  CHECK(r->email == "ab@c.d");
}

TEST_CASE("a token that is not a JWT is an error that does not echo it", "[login]") {
  const std::string secret_json = R"({"email":"SECRET-CANARY"})";
  const std::string secret = base64url_encode(secret_json);
  const std::string header = base64url_encode(R"({"alg":"none"})");
  for (const std::string& bad : {
           std::string(""), std::string("SECRET-CANARY"),
           header + "." + secret,                                         // two parts
           header + "." + secret + ".sig.more",                           // four parts
           "." + secret + ".sig",                                         // empty header
           header + ".." + "sig",                                         // empty payload
           header + ".SECRET+CANARY.sig",                                 // not base64url
           header + "." + base64url_encode("[1,2]") + ".sig",             // not an object
           header + "." + base64url_encode("{\"SECRET-CANARY") + ".sig",  // not JSON
           header + "." + secret + ".s!g",                                // bad signature chars
       }) {
    auto r = parse_id_token(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().find("SECRET") == std::string::npos);
    CHECK(r.error().find("CANARY") == std::string::npos);
  }
}
