// SocketListener: see socket_listener.h.
//
// The listening handle and the set of open connections live in Impl. Impl outlives the
// SocketListener when the listener is destroyed while handles are still closing: it then
// deletes itself once the listening handle and the last connection are gone (uvw's shape).
#include "rpc/transport/socket_listener.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/log.h"
#include "rpc/transport/listen_address.h"
#include "rpc/transport/stream_connection.h"
#include "rpc/transport/stream_io.h"

namespace spool::rpc {

using transport::ListenAddress;
using transport::StreamConnection;
using transport::StreamIo;

namespace {

constexpr int kBacklog = 128;

// What is at `path` before binding: nothing, a stale socket (removed here), or an error.
Result<void, std::string> clear_stale_socket(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return std::string(std::strerror(errno));
  }
  if (!S_ISSOCK(st.st_mode)) return std::string("exists and is not a socket");
  // A socket file: is anyone accepting on it? Non-blocking, so a full backlog cannot hang us.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string(std::strerror(errno));
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);  // length checked by the parser
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  const int err = errno;
  ::close(fd);
  if (rc == 0 || err == EAGAIN || err == EINPROGRESS) {
    return std::string("another server is listening on this socket");
  }
  if (err != ECONNREFUSED) return std::string(std::strerror(err));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return fmt::format("cannot remove the stale socket: {}", std::strerror(errno));
  }
  log::info("unix:{}: removed a stale socket file", path);
  return {};
}

}  // namespace

struct SocketListener::Impl {
  ListenAddress parsed;
  std::string address;  // as bound
  HandlerFactory factory;
  std::size_t max_line_bytes = 0;

  union Server {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  };
  Server server{};
  bool accepting = false;      // the server handle is open
  bool server_closed = false;  // its close callback has run
  // The socket file we created (kUnix), removed when accepting stops if still ours.
  bool own_file = false;
  dev_t file_dev = 0;
  ino_t file_ino = 0;

  std::unordered_set<StreamConnection*> connections;
  std::vector<std::function<void()>> on_all_closed;
  std::uint64_t accepted = 0;
  bool orphaned = false;  // the SocketListener is gone; delete once every handle has closed
  int in_callbacks = 0;   // running close_all callbacks, which may destroy the SocketListener

  Result<void, std::string> bind_and_listen(uv_loop_t* loop);
  void stop_accepting();
  void close_connections();
  void connection_gone(StreamConnection* c);
  void maybe_delete();

  static void on_connection(uv_stream_t* server, int status);
  static void on_server_closed(uv_handle_t* handle);
};

Result<void, std::string> SocketListener::Impl::bind_and_listen(uv_loop_t* loop) {
  if (parsed.kind == ListenAddress::Kind::kUnix) {
    uv_pipe_init(loop, &server.pipe, 0);
    server.handle.data = this;
    accepting = true;
    if (auto cleared = clear_stale_socket(parsed.path); !cleared) return std::move(cleared).error();
    if (const int rc = uv_pipe_bind(&server.pipe, parsed.path.c_str()); rc < 0) {
      return std::string(uv_strerror(rc));
    }
    struct stat st {};
    if (::stat(parsed.path.c_str(), &st) == 0) {
      own_file = true;
      file_dev = st.st_dev;
      file_ino = st.st_ino;
    }
    // Before listen(): until then nobody can connect, so there is no window at a wider mode.
    if (::chmod(parsed.path.c_str(), 0600) != 0) {
      return fmt::format("chmod 0600: {}", std::strerror(errno));
    }
  } else {
    uv_tcp_init(loop, &server.tcp);
    server.handle.data = this;
    accepting = true;
    sockaddr_storage sa{};
    int rc =
        parsed.host == "::1"
            ? uv_ip6_addr(parsed.host.c_str(), parsed.port, reinterpret_cast<sockaddr_in6*>(&sa))
            : uv_ip4_addr(parsed.host.c_str(), parsed.port, reinterpret_cast<sockaddr_in*>(&sa));
    if (rc == 0) rc = uv_tcp_bind(&server.tcp, reinterpret_cast<const sockaddr*>(&sa), 0);
    if (rc < 0) return std::string(uv_strerror(rc));
  }
  if (const int rc = uv_listen(&server.stream, kBacklog, on_connection); rc < 0) {
    return std::string(uv_strerror(rc));
  }
  if (parsed.kind == ListenAddress::Kind::kTcp) {
    sockaddr_storage bound{};
    int len = sizeof bound;
    if (const int rc = uv_tcp_getsockname(&server.tcp, reinterpret_cast<sockaddr*>(&bound), &len);
        rc < 0) {
      return std::string(uv_strerror(rc));
    }
    parsed.port = bound.ss_family == AF_INET6
                      ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                      : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  }
  address = transport::format_listen_address(parsed);
  return {};
}

void SocketListener::Impl::stop_accepting() {
  if (!accepting) return;
  accepting = false;
  uv_close(&server.handle, on_server_closed);
  if (own_file) {
    own_file = false;
    // Remove the file only if it is still the one we bound (a newer server may own the path).
    struct stat st {};
    if (::lstat(parsed.path.c_str(), &st) == 0 && st.st_dev == file_dev && st.st_ino == file_ino) {
      ::unlink(parsed.path.c_str());
    }
  }
}

void SocketListener::Impl::close_connections() {
  // close() never ends a connection synchronously, so the set is stable during the loop.
  for (StreamConnection* c : connections) c->close();
}

void SocketListener::Impl::connection_gone(StreamConnection* c) {
  connections.erase(c);
  if (connections.empty() && !on_all_closed.empty()) {
    auto callbacks = std::move(on_all_closed);
    on_all_closed.clear();
    ++in_callbacks;
    for (auto& cb : callbacks) {
      try {
        cb();
      } catch (const std::exception& e) {
        log::error("{}: the close_all callback threw: {}", address, e.what());
      }
    }
    --in_callbacks;
  }
  maybe_delete();
}

void SocketListener::Impl::maybe_delete() {
  if (orphaned && server_closed && connections.empty() && in_callbacks == 0) delete this;
}

void SocketListener::Impl::on_connection(uv_stream_t* server, int status) {
  auto* self = static_cast<Impl*>(server->data);
  if (status < 0) {
    log::error("{}: accept failed: {}", self->address, uv_strerror(status));
    return;
  }
  const bool is_unix = self->parsed.kind == ListenAddress::Kind::kUnix;
  auto io = StreamIo::accept(server, is_unix ? StreamIo::Kind::kPipe : StreamIo::Kind::kTcp);
  if (!io) {
    log::error("{}: {}", self->address, io.error());
    return;
  }
  try {  // no exception may escape into libuv
    ++self->accepted;
    std::string peer = is_unix ? fmt::format("{}#{}", self->address, self->accepted)
                               : "tcp:" + (*io)->tcp_peer_name();
    StreamConnection* c = StreamConnection::start(
        std::move(*io), std::move(peer), self->max_line_bytes, self->factory,
        [self](StreamConnection* gone) { self->connection_gone(gone); });
    self->connections.insert(c);
  } catch (const std::exception& e) {
    log::error("{}: cannot start a connection: {}", self->address, e.what());
  }
}

void SocketListener::Impl::on_server_closed(uv_handle_t* handle) {
  auto* self = static_cast<Impl*>(handle->data);
  self->server_closed = true;
  self->maybe_delete();
}

Result<std::unique_ptr<SocketListener>, std::string> SocketListener::listen(
    EventLoop& loop, const std::string& address, HandlerFactory factory,
    std::size_t max_line_bytes) {
  auto parsed = transport::parse_listen_address(address);
  if (!parsed) return fail(std::move(parsed).error());
  auto impl = std::make_unique<Impl>();
  impl->parsed = std::move(*parsed);
  impl->address = address;
  impl->factory = std::move(factory);
  impl->max_line_bytes = max_line_bytes;
  if (auto bound = impl->bind_and_listen(loop.uv()); !bound) {
    std::string message = fmt::format("{}: {}", address, bound.error());
    // The handle closes asynchronously; Impl deletes itself in its close callback.
    impl->orphaned = true;
    impl->stop_accepting();
    impl.release();
    return message;
  }
  log::verbose("listening on {}", impl->address);
  return std::unique_ptr<SocketListener>(new SocketListener(std::move(impl)));
}

SocketListener::SocketListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SocketListener::~SocketListener() {
  Impl* impl = impl_.release();
  impl->on_all_closed.clear();  // their captures may die with the listener's owner
  impl->stop_accepting();
  impl->close_connections();
  impl->orphaned = true;
  impl->maybe_delete();
}

const std::string& SocketListener::address() const { return impl_->address; }

int SocketListener::port() const {
  return impl_->parsed.kind == ListenAddress::Kind::kTcp ? impl_->parsed.port : 0;
}

void SocketListener::stop_accepting() { impl_->stop_accepting(); }

void SocketListener::close_all(std::function<void()> on_all_closed) {
  impl_->stop_accepting();
  if (impl_->connections.empty()) {
    if (on_all_closed) on_all_closed();
    return;
  }
  if (on_all_closed) impl_->on_all_closed.push_back(std::move(on_all_closed));
  impl_->close_connections();
}

std::size_t SocketListener::open_connections() const { return impl_->connections.size(); }

}  // namespace spool::rpc
