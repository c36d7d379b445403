// See pkce.h. OpenSSL only speaks classic base64 ("+/" and "=" padding), so base64url is
// classic base64 with the two characters swapped and the padding stripped or restored.
#include "engine/login/pkce.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <climits>
#include <cstdlib>
#include <vector>

#include "base/log.h"

namespace spool::engine::login {
namespace {

bool is_base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  if (bytes.empty()) return {};
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');  // + the NUL EVP_EncodeBlock writes
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  // Padding, when present, must complete the last quantum exactly.
  std::size_t end = text.size();
  while (end > 0 && text[end - 1] == '=') --end;
  std::size_t padding = text.size() - end;
  if (padding > 0 && (padding > 2 || text.size() % 4 != 0)) return std::nullopt;
  std::string_view body = text.substr(0, end);
  if (body.size() % 4 == 1 || body.size() > INT_MAX / 2) return std::nullopt;
  std::string classic;
  classic.reserve(body.size() + 3);
  for (char c : body) {
    if (!is_base64url_char(c)) return std::nullopt;
    classic.push_back(c == '-' ? '+' : c == '_' ? '/' : c);
  }
  std::size_t added = (4 - classic.size() % 4) % 4;
  classic.append(added, '=');
  if (classic.empty()) return std::string();
  std::string out(classic.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(classic.data()),
                          static_cast<int>(classic.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes; drop them.
  out.resize(static_cast<std::size_t>(n) - added);
  return out;
}

std::string random_urlsafe(std::size_t n_bytes) {
  std::string bytes(n_bytes, '\0');
  if (n_bytes > 0 &&
      (n_bytes > INT_MAX || RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                                       static_cast<int>(n_bytes)) != 1)) {
    log::error("login: the system's random number generator failed (RAND_bytes)");
    std::abort();
  }
  return base64url_encode(bytes);
}

std::string pkce_challenge(std::string_view verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int length = 0;
  if (EVP_Digest(verifier.data(), verifier.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    log::error("login: SHA-256 failed (EVP_Digest)");
    std::abort();
  }
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

Pkce make_pkce() {
  Pkce p;
  p.verifier = random_urlsafe(64);
  p.challenge = pkce_challenge(p.verifier);
  return p;
}

}  // namespace spool::engine::login
