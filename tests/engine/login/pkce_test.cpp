// PKCE, base64url and the random strings of the browser sign-in (engine/login/pkce.h).
#include "engine/login/pkce.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using namespace spool::engine::login;

TEST_CASE("the S256 challenge matches RFC 7636 appendix B", "[login]") {
  CHECK(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") ==
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST_CASE("base64url encodes without padding in the URL-safe alphabet", "[login]") {
  // RFC 4648 §10 vectors, padding stripped.
  CHECK(base64url_encode("") == "");
  CHECK(base64url_encode("f") == "Zg");
  CHECK(base64url_encode("fo") == "Zm8");
  CHECK(base64url_encode("foo") == "Zm9v");
  CHECK(base64url_encode("foob") == "Zm9vYg");
  CHECK(base64url_encode("fooba") == "Zm9vYmE");
  CHECK(base64url_encode("foobar") == "Zm9vYmFy");
  CHECK(base64url_encode(std::string("\xfb\xff\xbf", 3)) == "-_-_");
  // RFC 7636 appendix B: the octets of the example verifier.
  const unsigned char octets[] = {116, 24,  223, 180, 151, 153, 224, 37,  79,  250, 96,
                                  125, 216, 173, 187, 186, 22,  212, 37,  77,  105, 214,
                                  191, 240, 91,  88,  5,   88,  83,  132, 141, 121};
  CHECK(base64url_encode(std::string(reinterpret_cast<const char*>(octets), sizeof octets)) ==
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
}

TEST_CASE("base64url decodes with or without padding", "[login]") {
  CHECK(base64url_decode("") == std::string());
  CHECK(base64url_decode("Zg") == std::string("f"));
  CHECK(base64url_decode("Zg==") == std::string("f"));
  CHECK(base64url_decode("Zm8") == std::string("fo"));
  CHECK(base64url_decode("Zm8=") == std::string("fo"));
  CHECK(base64url_decode("Zm9vYmFy") == std::string("foobar"));
  CHECK(base64url_decode("-_-_") == std::string("\xfb\xff\xbf", 3));
  CHECK(base64url_decode("AAAA") == std::string(3, '\0'));
}

TEST_CASE("base64url rejects bad input", "[login]") {
  CHECK_FALSE(base64url_decode("Z"));        // impossible length
  CHECK_FALSE(base64url_decode("Zm9vY"));    // ditto
  CHECK_FALSE(base64url_decode("Zg="));      // padding that does not complete a quantum
  CHECK_FALSE(base64url_decode("Zg==="));    // too much padding
  CHECK_FALSE(base64url_decode("Z=g="));     // padding in the middle
  CHECK_FALSE(base64url_decode("+/+/"));     // classic base64, not base64url
  CHECK_FALSE(base64url_decode("Zm9v Yg"));  // whitespace
  CHECK_FALSE(base64url_decode("Zm9v\n"));
  CHECK_FALSE(base64url_decode("Zm9v.Yg"));
  CHECK_FALSE(base64url_decode(std::string("Zm\0v", 4)));
}

TEST_CASE("random_urlsafe gives distinct URL-safe strings of the right length", "[login]") {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string s = random_urlsafe(32);
    CHECK(s.size() == 43);
    CHECK(s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    CHECK(base64url_decode(s)->size() == 32);
    seen.insert(s);
  }
  CHECK(seen.size() == 50);
  CHECK(random_urlsafe(0).empty());
}

TEST_CASE("make_pkce pairs a 64-byte verifier with its challenge", "[login]") {
  Pkce a = make_pkce();
  Pkce b = make_pkce();
  CHECK(a.verifier.size() == 86);  // within RFC 7636's 43..128 characters
  CHECK(a.challenge == pkce_challenge(a.verifier));
  CHECK(a.challenge.size() == 43);
  CHECK(a.verifier != b.verifier);
}
