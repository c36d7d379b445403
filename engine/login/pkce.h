// PKCE (RFC 7636) for the browser sign-in, and the base64url and random-string helpers it
// needs. SHA-256 and the random bytes come from OpenSSL's libcrypto; nothing here does I/O
// beyond asking the OS for randomness.
//
// Threading: every function is pure or thread-safe (RAND_bytes is).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace spool::engine::login {

// base64url (RFC 4648 §5) of `bytes`, without "=" padding.
std::string base64url_encode(std::string_view bytes);

// Decodes base64url, with or without "=" padding. nullopt when `text` has a character
// outside the base64url alphabet (including "+", "/" and whitespace), misplaced padding, or
// an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

// `n_bytes` random bytes from the OS's CSPRNG (RAND_bytes), base64url-encoded. Aborts the
// process when no randomness can be had: a sign-in must never run on guessable values.
std::string random_urlsafe(std::size_t n_bytes);

struct Pkce {
  std::string verifier;   // kept by the client, sent with the token exchange
  std::string challenge;  // base64url(SHA-256(verifier)), sent in the authorization URL
};

// The S256 challenge of `verifier`: base64url(SHA-256(verifier)).
std::string pkce_challenge(std::string_view verifier);

// A fresh pair: verifier = random_urlsafe(64) (86 characters), challenge of it.
Pkce make_pkce();

}  // namespace spool::engine::login
