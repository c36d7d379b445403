// parse_listen_address / format_listen_address: the accepted forms and the error messages.
#include "rpc/transport/listen_address.h"

#include <catch2/catch.hpp>
#include <string>

using spool::rpc::transport::format_listen_address;
using spool::rpc::transport::ListenAddress;
using spool::rpc::transport::parse_listen_address;

TEST_CASE("transport: listen address: accepted forms", "[transport]") {
  auto u = parse_listen_address("unix:/run/spool.sock");
  REQUIRE(u.ok());
  CHECK(u->kind == ListenAddress::Kind::kUnix);
  CHECK(u->path == "/run/spool.sock");
  CHECK(format_listen_address(*u) == "unix:/run/spool.sock");

  auto t = parse_listen_address("tcp:127.0.0.1:4500");
  REQUIRE(t.ok());
  CHECK(t->kind == ListenAddress::Kind::kTcp);
  CHECK(t->host == "127.0.0.1");
  CHECK(t->port == 4500);
  CHECK(format_listen_address(*t) == "tcp:127.0.0.1:4500");

  auto l = parse_listen_address("tcp:localhost:0");
  REQUIRE(l.ok());
  CHECK(l->host == "127.0.0.1");
  CHECK(l->port == 0);

  auto v6 = parse_listen_address("tcp:[::1]:65535");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 65535);
  CHECK(format_listen_address(*v6) == "tcp:[::1]:65535");
}

TEST_CASE("transport: listen address: errors name the address and the reason", "[transport]") {
  const auto error = [](const std::string& a) {
    auto r = parse_listen_address(a);
    REQUIRE_FALSE(r.ok());
    return r.error();
  };
  CHECK(error("tcp:0.0.0.0:80") ==
        "tcp:0.0.0.0:80: only loopback addresses are allowed (127.0.0.1, localhost, [::1])");
  CHECK(error("tcp:::1:80") ==
        "tcp:::1:80: only loopback addresses are allowed (127.0.0.1, localhost, [::1])");
  CHECK(error("tcp:127.0.0.1:80x") == "tcp:127.0.0.1:80x: bad port");
  CHECK(error("tcp:127.0.0.1:99999") == "tcp:127.0.0.1:99999: bad port (0 to 65535)");
  CHECK(error("tcp:127.0.0.1:-1") == "tcp:127.0.0.1:-1: bad port");
  CHECK(error("tcp:127.0.0.1") == "tcp:127.0.0.1: expected tcp:HOST:PORT");
  CHECK(error("tcp:[::1:80") == "tcp:[::1:80: expected tcp:[IPV6]:PORT");
  CHECK(error("unix:") == "unix:: empty socket path");
  CHECK(error("unix:/" + std::string(200, 'x')).ends_with(": socket path longer than 107 bytes"));
  CHECK(error("http://localhost") == "http://localhost: expected unix:PATH or tcp:HOST:PORT");
}
