// SocketListener and the connection core over real sockets: echo with concurrent clients
// (Unix and loopback TCP), CRLF, oversized lines, output order, back-pressure, peer EOF,
// a peer that vanished, stale / live / foreign socket files, loopback-only TCP.
#include "rpc/transport/socket_listener.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "rpc/transport/harness.h"
#include "rpc/transport/socket_client.h"
#include "support/temp_dir.h"

using spool::rpc::Connection;
using spool::test::ClientSocket;
using spool::test::Harness;
using spool::test::TempDir;

namespace {

// A connect function for the listener under test, usable from client threads.
std::function<ClientSocket()> connector(const Harness& h, const std::string& unix_path) {
  if (!unix_path.empty()) return [unix_path] { return ClientSocket::connect_unix(unix_path); };
  const int port = h.listener->port();
  const bool v6 = h.listener->address().starts_with("tcp:[");
  return [port, v6] { return ClientSocket::connect_tcp(v6 ? "::1" : "127.0.0.1", port); };
}

std::string numbered(int i) { return "line " + std::to_string(i); }

// Line i of the ordering test: mostly short, every 1000th longer than a read or write chunk.
std::string ordered_line(int i) {
  const std::size_t pad = i % 1000 == 0 ? 200 * 1024 : static_cast<std::size_t>(i % 97) * 3;
  return numbered(i) + " " + std::string(pad, 'p');
}

// The three kinds of listener every stream test runs on. IPv6 is skipped where the host
// has no ::1.
struct Endpoint {
  std::string address;
  std::string unix_path;  // "" for tcp
};

std::vector<Endpoint> endpoints(const TempDir& dir) {
  return {{"unix:" + dir.file("s.sock"), dir.file("s.sock")},
          {"tcp:127.0.0.1:0", ""},
          {"tcp:[::1]:0", ""}};
}

// Starts `h` on `ep`; false (with a warning) if ::1 is not available here.
bool start(Harness& h, const Endpoint& ep,
           std::size_t cap = spool::rpc::LineFramer::kDefaultMaxLineBytes) {
  const std::string error = h.listen(ep.address, cap);
  if (!error.empty() && ep.address.starts_with("tcp:[::1]")) {
    WARN("no IPv6 loopback here: " << error);
    return false;
  }
  REQUIRE(error == "");
  return true;
}

}  // namespace

TEST_CASE("transport: socket listener: echo with several concurrent clients", "[transport]") {
  TempDir dir;
  for (const Endpoint& ep : endpoints(dir)) {
    INFO(ep.address);
    Harness h;
    if (!start(h, ep)) continue;
    if (ep.unix_path.empty()) {
      CHECK(h.listener->port() > 0);
      CHECK(h.listener->address().ends_with(":" + std::to_string(h.listener->port())));
    } else {
      CHECK(h.listener->port() == 0);
      CHECK(h.listener->address() == ep.address);
    }
    constexpr int kClients = 5, kLines = 200;
    auto connect = connector(h, ep.unix_path);
    std::vector<std::vector<std::string>> replies(kClients);
    std::vector<std::string> errors(kClients);
    h.run_with_client([&] {
      std::vector<std::thread> clients;
      for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
          ClientSocket s = connect();
          if (!s.ok()) {
            errors[c] = "connect: " + s.error();
            return;
          }
          // Interleave writes and reads so the clients really are concurrent.
          for (int i = 0; i < kLines; ++i) {
            if (!s.write_all("c" + std::to_string(c) + " " + numbered(i) + "\n")) {
              errors[c] = "write failed";
              return;
            }
            if (i % 10 == 9) {
              for (int k = 0; k < 10; ++k) replies[c].push_back(s.read_line().value_or("<eof>"));
            }
          }
          s.shutdown_write();
          const std::string rest = s.read_to_eof();
          if (!rest.empty()) errors[c] = "unexpected bytes after the replies: " + rest;
        });
      }
      for (auto& t : clients) t.join();
    });
    CHECK_FALSE(h.timed_out);
    for (int c = 0; c < kClients; ++c) {
      CHECK(errors[c] == "");
      REQUIRE(replies[c].size() == kLines);
      for (int i = 0; i < kLines; ++i) {
        REQUIRE(replies[c][i] == "c" + std::to_string(c) + " " + numbered(i));
      }
    }
    CHECK(h.record.created == kClients);
    CHECK(h.record.eofs == kClients);
    CHECK(h.record.closed == kClients);
    CHECK(h.record.destroyed == kClients);
    CHECK(h.listener->open_connections() == 0);
  }
}

TEST_CASE("transport: socket listener: CRLF line endings and a last line without newline",
          "[transport]") {
  TempDir dir;
  Harness h;
  REQUIRE(h.listen("unix:" + dir.file("s.sock")) == "");
  std::string got;
  h.run_with_client([&] {
    ClientSocket s = ClientSocket::connect_unix(dir.file("s.sock"));
    s.write_all("{\"a\":1}\r\n\r\n{\"b\":2}\r\n{\"c\":3}");
    s.shutdown_write();
    got = s.read_to_eof();
  });
  CHECK(got == "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
  CHECK(h.record.events == std::vector<std::string>{"line:{\"a\":1}", "line:{\"b\":2}",
                                                    "line:{\"c\":3}", "eof", "closed"});
}

TEST_CASE("transport: socket listener: an oversized line is reported once and framing resumes",
          "[transport]") {
  TempDir dir;
  Harness h;
  constexpr std::size_t kCap = 1024;
  REQUIRE(h.listen("unix:" + dir.file("s.sock"), kCap) == "");
  std::string got;
  h.run_with_client([&] {
    ClientSocket s = ClientSocket::connect_unix(dir.file("s.sock"));
    s.write_all("before\n");
    // 1 MiB without a newline, in many writes (so many reads), then the next line.
    const std::string chunk(16 * 1024, 'x');
    for (int i = 0; i < 64; ++i) s.write_all(chunk);
    s.write_all("\nafter\n");
    // A line of exactly the cap is still a line.
    s.write_all(std::string(kCap, 'y') + "\n");
    s.shutdown_write();
    got = s.read_to_eof();
  });
  CHECK(got == "before\nafter\n" + std::string(kCap, 'y') + "\n");
  CHECK(h.record.oversized == 1);
  REQUIRE(h.record.events.size() == 6);
  CHECK(h.record.events[0] == "line:before");
  CHECK(h.record.events[1] == "oversized:1024");
  CHECK(h.record.events[2] == "line:after");
}

TEST_CASE("transport: socket listener: many sends arrive whole and in order", "[transport]") {
  TempDir dir;
  Harness h;
  constexpr int kCount = 20000;
  h.script.on_line = [](Connection& c, std::string_view line) {
    if (line != "go") return;
    // Lines of varied length, some longer than one read or write chunk.
    for (int i = 0; i < kCount; ++i) {
      c.send(ordered_line(i) + "\n");
    }
  };
  REQUIRE(h.listen("tcp:127.0.0.1:0") == "");
  const int port = h.listener->port();
  std::vector<std::string> got;
  h.run_with_client([&] {
    ClientSocket s = ClientSocket::connect_tcp("127.0.0.1", port);
    s.write_all("go\n");
    s.shutdown_write();
    while (auto line = s.read_line()) got.push_back(*line);
  });
  REQUIRE(got.size() == kCount);
  for (int i = 0; i < kCount; ++i) {
    REQUIRE(got[i] == ordered_line(i));
  }
}

TEST_CASE("transport: socket listener: back-pressure stops reading until the client reads",
          "[transport]") {
  TempDir dir;
  Harness h;
  constexpr int kRequests = 1000;
  constexpr std::size_t kRequestBytes = 4 * 1024, kReplyBytes = 32 * 1024;
  // Each request gets a reply 8 times its size: 32 MiB of replies in all.
  h.script.on_line = [](Connection& c, std::string_view line) {
    std::string reply(line.substr(0, 6));
    reply.resize(kReplyBytes - 1, 'r');
    c.send(reply + "\n");
  };
  REQUIRE(h.listen("unix:" + dir.file("s.sock")) == "");
  std::vector<std::string> got;
  bool write_ok = false;
  h.run_with_client([&] {
    ClientSocket s = ClientSocket::connect_unix(dir.file("s.sock"));
    std::thread writer([&] {
      bool ok = true;
      for (int i = 0; i < kRequests && ok; ++i) {
        char id[8];
        std::snprintf(id, sizeof id, "%06d", i);
        std::string request(id);
        request.resize(kRequestBytes - 1, 'q');
        ok = s.write_all(request + "\n");
      }
      s.shutdown_write();
      write_ok = ok;
    });
    // Not reading yet: the server must fill its queue past the high watermark and pause.
    for (int i = 0; i < 10000 && !h.record.went_over_high; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // Give a server that kept reading the time to show it (queued_bytes would keep growing).
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    while (auto line = s.read_line()) got.push_back(*line);
    writer.join();
  });
  CHECK_FALSE(h.timed_out);
  CHECK(write_ok);
  CHECK(h.record.went_over_high);
  // Bounded by the high watermark plus the replies to one read (64 KiB of requests).
  CHECK(h.record.max_queued <= spool::rpc::kHighWatermarkBytes + (std::size_t{1} << 20));
  CHECK(h.record.drained >= 1);
  REQUIRE(got.size() == kRequests);
  for (int i = 0; i < kRequests; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "%06d", i);
    REQUIRE(got[i].substr(0, 6) == id);
    REQUIRE(got[i].size() == kReplyBytes - 1);
  }
}

TEST_CASE(
    "transport: socket listener: peer EOF, then queued output is still delivered before close",
    "[transport]") {
  TempDir dir;
  for (const Endpoint& ep : endpoints(dir)) {
    INFO(ep.address);
    Harness h;
    if (!start(h, ep)) continue;
    h.script.on_eof = [](Connection& c) {
      for (int i = 0; i < 3000; ++i)
        c.send("tail " + std::to_string(i) + std::string(500, '.') + "\n");
      c.close();
      c.send("ignored after close\n");
    };
    auto connect = connector(h, ep.unix_path);
    std::string got;
    h.run_with_client([&] {
      ClientSocket s = connect();
      s.write_all("a\nb");
      s.shutdown_write();
      got = s.read_to_eof();
    });
    std::string expected = "a\nb\n";
    for (int i = 0; i < 3000; ++i)
      expected += "tail " + std::to_string(i) + std::string(500, '.') + "\n";
    CHECK(got == expected);
    CHECK(h.record.events == std::vector<std::string>{"line:a", "line:b", "eof", "closed"});
    CHECK(h.record.destroyed == 1);
  }
}

TEST_CASE("transport: socket listener: writing to a peer that vanished ends in on_closed",
          "[transport]") {
  TempDir dir;
  for (const Endpoint& ep : endpoints(dir)) {
    for (bool reset : {false, true}) {
      INFO(ep.address << (reset ? " (reset)" : " (close)"));
      Harness h;
      if (!start(h, ep)) continue;
      // Keeps writing and never calls close(): only the write error can end the connection.
      h.script.on_line = [](Connection& c, std::string_view) {
        for (int i = 0; i < 64; ++i) c.send(std::string(64 * 1024, 'z') + "\n");
      };
      h.script.on_eof = [](Connection& c) {
        for (int i = 0; i < 64; ++i) c.send(std::string(64 * 1024, 'z') + "\n");
      };
      h.script.on_closed = [&h](Connection&) { h.finish(); };
      auto connect = connector(h, ep.unix_path);
      std::thread client([&] {
        ClientSocket s = connect();
        s.write_all("go\n");
        s.read_line();  // the server is writing now
        if (reset) {
          s.reset();
        } else {
          s.close();
        }
      });
      h.run(std::chrono::seconds(10));
      client.join();
      CHECK_FALSE(h.timed_out);
      CHECK(h.record.closed == 1);
      CHECK(h.record.destroyed == 1);
    }
  }
}

TEST_CASE("transport: socket listener: close_all closes every open connection", "[transport]") {
  TempDir dir;
  Harness h;
  h.script.on_eof = nullptr;  // connections stay open until close_all
  REQUIRE(h.listen("unix:" + dir.file("s.sock")) == "");
  constexpr int kClients = 4;
  std::vector<std::string> got(kClients);
  std::size_t open_before = 0;
  std::thread client([&] {
    std::vector<ClientSocket> sockets;
    for (int c = 0; c < kClients; ++c) {
      sockets.push_back(ClientSocket::connect_unix(dir.file("s.sock")));
      sockets.back().write_all("hello " + std::to_string(c) + "\n");
      sockets.back().read_line();  // the echo: the connection exists on the server now
    }
    h.loop.post([&] {
      open_before = h.listener->open_connections();
      h.listener->close_all([&] { h.loop.stop(); });
    });
    for (int c = 0; c < kClients; ++c) got[c] = sockets[c].read_to_eof();  // EOF from close_all
  });
  h.run(std::chrono::seconds(10));
  client.join();
  CHECK_FALSE(h.timed_out);
  CHECK(open_before == kClients);
  CHECK(h.listener->open_connections() == 0);
  CHECK(h.record.closed == kClients);
  for (const std::string& g : got) CHECK(g == "");
  CHECK_FALSE(std::filesystem::exists(dir.file("s.sock")));  // removed when accepting stopped
}

TEST_CASE("transport: socket listener: unix socket files", "[transport]") {
  TempDir dir;
  const std::string path = dir.file("s.sock");

  SECTION("mode 0600 while listening, removed when closed") {
    Harness h;
    REQUIRE(h.listen("unix:" + path) == "");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 0777) == 0600);
    h.loop.post([&] { h.finish(); });
    h.run();
    CHECK_FALSE(std::filesystem::exists(path));
  }

  SECTION("a stale socket file is replaced") {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0);
    ::close(fd);  // the file stays, with nobody behind it
    REQUIRE(std::filesystem::exists(path));
    Harness h;
    REQUIRE(h.listen("unix:" + path) == "");
    std::string reply;
    h.run_with_client([&] {
      ClientSocket s = ClientSocket::connect_unix(path);
      s.write_all("ping\n");
      reply = s.read_line().value_or("<none>");
    });
    CHECK(reply == "ping");
  }

  SECTION("a live socket is refused, and left alone") {
    Harness first;
    REQUIRE(first.listen("unix:" + path) == "");
    Harness second;
    const std::string error = second.listen("unix:" + path);
    CHECK(error == "unix:" + path + ": another server is listening on this socket");
    std::string reply;
    first.run_with_client([&] {
      ClientSocket s = ClientSocket::connect_unix(path);
      s.write_all("still here\n");
      reply = s.read_line().value_or("<none>");
    });
    CHECK(reply == "still here");
    second.loop.post([&] { second.finish(); });
    second.run();
  }

  SECTION("a file that is not a socket is refused, and left alone") {
    spool::test::write_file(path, "precious");
    Harness h;
    CHECK(h.listen("unix:" + path) == "unix:" + path + ": exists and is not a socket");
    CHECK(spool::test::read_file(path) == "precious");
    h.loop.post([&] { h.finish(); });
    h.run();
  }

  SECTION("a missing directory is an error naming the address") {
    Harness h;
    const std::string address = "unix:" + dir.file("no/such/dir/s.sock");
    const std::string error = h.listen(address);
    CHECK(error.starts_with(address + ": "));
    h.loop.post([&] { h.finish(); });
    h.run();
  }
}

TEST_CASE("transport: socket listener: only loopback TCP, and malformed addresses", "[transport]") {
  Harness h;
  for (const char* address : {"tcp:0.0.0.0:0", "tcp:192.168.1.1:4000", "tcp:example.com:80",
                              "tcp:[::]:0", "tcp:[::ffff:127.0.0.1]:0"}) {
    INFO(address);
    const std::string error = h.listen(address);
    CHECK(error == std::string(address) +
                       ": only loopback addresses are allowed (127.0.0.1, localhost, [::1])");
  }
  for (const char* address :
       {"", "127.0.0.1:80", "udp:127.0.0.1:53", "tcp:127.0.0.1",
        "tcp:127.0.0.1:", "tcp:127.0.0.1:http", "tcp:127.0.0.1:65536", "tcp:[::1]80", "unix:"}) {
    INFO(address);
    const std::string error = h.listen(address);
    CHECK(error.starts_with(std::string(address) + ": "));
  }
  CHECK(h.listener == nullptr);
  h.loop.post([&] { h.finish(); });
  h.run();
}

TEST_CASE("transport: socket listener: localhost binds 127.0.0.1", "[transport]") {
  Harness h;
  REQUIRE(h.listen("tcp:localhost:0") == "");
  CHECK(h.listener->address() == "tcp:127.0.0.1:" + std::to_string(h.listener->port()));
  const int port = h.listener->port();
  std::string reply;
  h.run_with_client([&] {
    ClientSocket s = ClientSocket::connect_tcp("127.0.0.1", port);
    s.write_all("hi\n");
    reply = s.read_line().value_or("<none>");
  });
  CHECK(reply == "hi");
}

TEST_CASE("transport: socket listener: handlers may close from on_line; later lines are dropped",
          "[transport]") {
  TempDir dir;
  Harness h;
  h.script.on_line = [](Connection& c, std::string_view line) {
    c.send(std::string(line) + "\n");
    if (line == "close") {
      c.close();
      c.close();  // idempotent
    }
  };
  REQUIRE(h.listen("unix:" + dir.file("s.sock")) == "");
  std::string got;
  h.run_with_client([&] {
    ClientSocket s = ClientSocket::connect_unix(dir.file("s.sock"));
    s.write_all("a\nclose\nb\nc\n");  // one write: most likely one read
    got = s.read_to_eof();
  });
  CHECK(got == "a\nclose\n");
  CHECK(h.record.events == std::vector<std::string>{"line:a", "line:close", "closed"});
}

TEST_CASE("transport: socket listener: a refused session or a throwing handler closes",
          "[transport]") {
  TempDir dir;
  SECTION("the factory returns null") {
    Harness h;
    h.refuse_sessions = true;
    REQUIRE(h.listen("unix:" + dir.file("s.sock")) == "");
    std::string got = "<not run>";
    h.run_with_client([&] {
      ClientSocket s = ClientSocket::connect_unix(dir.file("s.sock"));
      s.write_all("hello\n");
      got = s.read_to_eof();
    });
    CHECK(got == "");
    CHECK(h.record.created == 0);
    CHECK(h.listener->open_connections() == 0);
  }
  SECTION("on_line throws") {
    Harness h;
    h.script.on_line = [](Connection& c, std::string_view line) {
      if (line == "throw") throw std::runtime_error("boom");
      c.send(std::string(line) + "\n");
    };
    REQUIRE(h.listen("unix:" + dir.file("s.sock")) == "");
    std::string got = "<not run>";
    h.run_with_client([&] {
      ClientSocket s = ClientSocket::connect_unix(dir.file("s.sock"));
      s.write_all("ok\n");
      s.read_line();
      s.write_all("throw\nnever\n");
      got = s.read_to_eof();
    });
    CHECK(got == "");
    CHECK(h.record.events == std::vector<std::string>{"line:ok", "line:throw", "closed"});
    CHECK(h.record.destroyed == 1);
  }
}
