// ListenAddress: a parsed `--listen` address (see socket_listener.h for the forms).
// Internal to rpc/transport; no I/O here.
#pragma once

#include <string>

#include "base/result.h"

namespace spool::rpc::transport {

struct ListenAddress {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string path;  // kUnix: the socket file
  std::string host;  // kTcp: "127.0.0.1" or "::1" (localhost becomes 127.0.0.1)
  int port = 0;      // kTcp: 0 to 65535
};

// Parses "unix:PATH" or "tcp:HOST:PORT". Errors start with the address as given
// ("tcp:0.0.0.0:80: only loopback addresses are allowed (127.0.0.1, localhost, [::1])").
Result<ListenAddress, std::string> parse_listen_address(const std::string& address);

// The address in its canonical form: "unix:PATH", "tcp:127.0.0.1:PORT", "tcp:[::1]:PORT".
std::string format_listen_address(const ListenAddress& address);

}  // namespace spool::rpc::transport
