#include "rpc/server/session.h"

#include <sys/utsname.h>

#include <fmt/format.h>

#include "base/log.h"
#include "protocol/initialize.h"
#include "rpc/server/account_handlers.h"
#include "rpc/server/feedback_handlers.h"
#include "rpc/server/model_handlers.h"
#include "rpc/server/thread_handlers.h"
#include "rpc/server/turn_handlers.h"

namespace spool::rpc {
namespace {

std::string platform_os() {
#if defined(__APPLE__)
  return "macos";
#else
  return "linux";
#endif
}

// "spool/0.1.0 (Linux 6.1.0; x86_64) (vscode; 1.2.3)", in the shape of Codex's userAgent.
std::string user_agent(const std::string& version, const protocol::ClientInfo& client) {
  utsname u{};
  std::string os = "unknown";
  std::string arch = "unknown";
  if (uname(&u) == 0) {
    os = fmt::format("{} {}", u.sysname, u.release);
    arch = u.machine;
  }
  return fmt::format("spool/{} ({}; {}) ({}; {})", version, os, arch, client.name, client.version);
}

}  // namespace

Session::Session(AppServer& server, Connection& connection)
    : server_(server),
      connection_(connection),
      router_([this](std::string line) { connection_.send(std::move(line)); },
              [this](Response response) { on_response(std::move(response)); }),
      outbox_(connection) {
  server_.add_session(this);
  register_initialize();
  register_thread_handlers(*this, router_);
  register_turn_handlers(*this, router_);
  register_account_handlers(*this, router_);
  register_model_handlers(*this, router_);
  register_feedback_handlers(*this, router_);
}

Session::~Session() {
  pending_requests_.clear();  // unanswered: remove_session tells the turns waiting on them
  server_.remove_session(this);
}

void Session::register_initialize() {
  router_.add("initialize", [this](const nlohmann::json& params, Reply reply) {
    protocol::InitializeParams p;
    if (!decode_params(params, p, reply)) return;
    client_name_ = p.clientInfo.name;
    if (p.capabilities && p.capabilities->optOutNotificationMethods) {
      for (const auto& m : *p.capabilities->optOutNotificationMethods) opted_out_.insert(m);
    }
    protocol::InitializeResponse r;
    r.userAgent = user_agent(server_.info().version, p.clientInfo);
    r.codexHome = server_.info().home;
    r.platformFamily = "unix";
    r.platformOs = platform_os();
    log::verbose("{}: initialized by {} {}", connection_.peer(), p.clientInfo.name,
                 p.clientInfo.version);
    reply(protocol::to_json_value(r));
  });
}

void Session::on_line(std::string_view line) {
  router_.handle(line);
}

void Session::on_oversized_line(std::size_t max_line_bytes) {
  router_.reject_oversized_line(max_line_bytes);
}

void Session::on_drained() { outbox_.flush(); }

void Session::on_eof() {
  closing_ = true;
  maybe_close();
}

void Session::on_closed() {
  // The transport destroys this session right after; the destructor unregisters it.
  alive_.reset();
}

void Session::close_when_idle() {
  closing_ = true;
  maybe_close();
}

void Session::maybe_close() {
  if (!closing_ || in_flight_ > 0 || close_called_) return;
  close_called_ = true;
  if (outbox_.dropped() > 0) {
    log::info("{}: {} streaming notifications were dropped while the client was not reading",
              connection_.peer(), outbox_.dropped());
  }
  connection_.close();
}

void Session::release_reads() {
  auto reads = std::move(deferred_reads_);
  deferred_reads_.clear();
  for (auto& submit : reads) submit();
}

nlohmann::json Session::send_request(std::string_view method, const nlohmann::json& params,
                                     ResponseCallback on_response) {
  if (!initialized() || close_called_) return nullptr;
  const std::int64_t id = next_request_id_++;
  pending_requests_.emplace(id, std::move(on_response));
  nlohmann::json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
  // Through the outbox, under a key of its own: never dropped, never coalesced, and in order
  // with the notifications before it.
  outbox_.push(fmt::format("request:{}", id),
               message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  return id;
}

bool Session::withdraw_request(const nlohmann::json& id) {
  if (!id.is_number_integer()) return false;
  return pending_requests_.erase(id.get<std::int64_t>()) > 0;
}

void Session::on_response(Response response) {
  if (!response.id.is_number_integer()) {
    log::info("{}: a response with id {} answers no request of ours; ignored", connection_.peer(),
              response.id.dump());
    return;
  }
  const auto it = pending_requests_.find(response.id.get<std::int64_t>());
  if (it == pending_requests_.end()) {
    log::info("{}: a response with id {} answers no pending request; ignored", connection_.peer(),
              response.id.dump());
    return;
  }
  auto callback = std::move(it->second);
  pending_requests_.erase(it);
  callback(std::move(response));
}

void Session::notify(std::string_view method, const nlohmann::json& params, const std::string& key,
                     bool droppable) {
  if (!initialized() || close_called_) return;
  if (opted_out_.find(method) != opted_out_.end()) return;
  nlohmann::json message = {{"jsonrpc", "2.0"}, {"method", method}, {"params", params}};
  outbox_.push(key, message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
               droppable);
}

}  // namespace spool::rpc
