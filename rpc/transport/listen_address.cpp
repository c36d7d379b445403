// ListenAddress: see listen_address.h.
#include "rpc/transport/listen_address.h"

#include <fmt/format.h>
#include <sys/un.h>

#include <string_view>

namespace spool::rpc::transport {

namespace {

constexpr std::string_view kUnixPrefix = "unix:";
constexpr std::string_view kTcpPrefix = "tcp:";

// sun_path holds the path and its terminating NUL.
constexpr std::size_t kMaxUnixPath = sizeof(sockaddr_un{}.sun_path) - 1;

Result<int, std::string> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::string("bad port");
  int port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::string("bad port");
    port = port * 10 + (c - '0');
  }
  if (port > 65535) return std::string("bad port (0 to 65535)");
  return port;
}

}  // namespace

Result<ListenAddress, std::string> parse_listen_address(const std::string& address) {
  const std::string_view text = address;
  auto error = [&](std::string_view why) { return fail(fmt::format("{}: {}", address, why)); };
  ListenAddress out;
  if (text.starts_with(kUnixPrefix)) {
    out.kind = ListenAddress::Kind::kUnix;
    out.path = std::string(text.substr(kUnixPrefix.size()));
    if (out.path.empty()) return error("empty socket path");
    if (out.path.size() > kMaxUnixPath) {
      return error(fmt::format("socket path longer than {} bytes", kMaxUnixPath));
    }
    if (out.path.find('\0') != std::string::npos) return error("NUL in socket path");
    return out;
  }
  if (!text.starts_with(kTcpPrefix)) return error("expected unix:PATH or tcp:HOST:PORT");
  out.kind = ListenAddress::Kind::kTcp;
  const std::string_view rest = text.substr(kTcpPrefix.size());
  std::string_view host, port;
  if (rest.starts_with('[')) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos || rest.substr(close + 1, 1) != ":") {
      return error("expected tcp:[IPV6]:PORT");
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return error("expected tcp:HOST:PORT");
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  const bool bracketed = rest.starts_with('[');
  if (!bracketed && (host == "127.0.0.1" || host == "localhost")) {
    out.host = "127.0.0.1";
  } else if (bracketed && host == "::1") {
    out.host = "::1";
  } else {
    return error("only loopback addresses are allowed (127.0.0.1, localhost, [::1])");
  }
  auto parsed_port = parse_port(port);
  if (!parsed_port) return error(parsed_port.error());
  out.port = *parsed_port;
  return out;
}

std::string format_listen_address(const ListenAddress& address) {
  if (address.kind == ListenAddress::Kind::kUnix) return "unix:" + address.path;
  if (address.host.find(':') != std::string::npos) {
    return fmt::format("tcp:[{}]:{}", address.host, address.port);
  }
  return fmt::format("tcp:{}:{}", address.host, address.port);
}

}  // namespace spool::rpc::transport
