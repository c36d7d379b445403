// framer_router: a client's byte stream through LineFramer into MessageRouter, no network.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz/entry_points.h"
#include "fuzz/type_roundtrip.h"
#include "protocol/jsonrpc.h"
#include "protocol/methods.h"
#include "rpc/line_framer.h"
#include "rpc/message_router.h"

namespace spool::fuzz {
namespace {

using nlohmann::json;
using rpc::LineFramer;
using rpc::MessageRouter;
using rpc::Reply;

// Chunk sizes for feed(), from an FNV-1a hash of the input and a xorshift generator: one
// whole feed, one byte at a time, or random sizes of 1..300 bytes.
class ChunkPlan {
 public:
  explicit ChunkPlan(std::span<const std::uint8_t> data) {
    for (std::uint8_t c : data) state_ = (state_ ^ c) * 1099511628211ULL;
    state_ |= 1;
    mode_ = static_cast<int>(next() % 4);
  }
  std::size_t next_size(std::size_t left) {
    switch (mode_) {
      case 0: return left;
      case 1: return 1;
      default: return std::min<std::size_t>(left, 1 + next() % 300);
    }
  }

 private:
  std::uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  std::uint64_t state_ = 1469598103934665603ULL;
  int mode_ = 0;
};

// What the handlers do after decoding, by the method's index in client_requests(), so that
// every way of answering is exercised.
enum class Answer { kNow, kLater, kError, kThrow, kDrop };
Answer answer_for(std::size_t method_index) {
  return static_cast<Answer>(method_index % 5);
}

// Records the first broken property; thrown once the stream is done (never from inside a
// callback, so the code under test sees no foreign exceptions).
struct Checks {
  std::string first;
  void fail(std::string what) {
    if (first.empty()) first = std::move(what);
  }
};

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

void check_reply(const json& m, Checks& checks, std::string_view line) {
  if (!m.is_object()) return checks.fail("a reply that is not an object: " + std::string(line));
  const auto v = m.find("jsonrpc");
  if (v == m.end() || *v != "2.0") checks.fail("a reply without \"jsonrpc\":\"2.0\": " + std::string(line));
  if (!m.contains("id")) checks.fail("a reply without \"id\": " + std::string(line));
  if (m.contains("result") == m.contains("error"))
    checks.fail("a reply without exactly one of result/error: " + std::string(line));
}

void check_written(const std::string& line, Checks& checks) {
  if (line.empty() || line.back() != '\n' || line.find('\n') != line.size() - 1) {
    return checks.fail("a written line that is not one line ending in '\\n': " + line);
  }
  const json m = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (m.is_discarded()) return checks.fail("a written line that is not JSON: " + line);
  if (m.is_array()) {
    if (m.empty()) checks.fail("an empty batch reply");
    for (const auto& e : m) check_reply(e, checks, line);
  } else {
    check_reply(m, checks, line);
  }
}

}  // namespace

void framer_router(std::span<const std::uint8_t> data) {
  Checks checks;
  std::vector<Reply> parked;
  std::size_t responses = 0;
  auto router = std::make_unique<MessageRouter>(
      [&](std::string line) { check_written(line, checks); },
      [&](rpc::Response) { ++responses; });

  router->add("initialize", [](const json&, Reply reply) { reply(json{{"userAgent", "fuzz"}}); });
  const auto& methods = protocol::client_requests();
  for (std::size_t i = 0; i < methods.size(); ++i) {
    const auto& desc = methods[i];
    if (desc.method == "initialize") continue;
    router->add(std::string(desc.method), [&, desc, i](const json& params, Reply reply) {
      json result = json::object();
      if (desc.params) {  // as rpc::decode_params does: missing or null params decode as {}
        std::string error;
        result = roundtrip(*desc.params, params.is_null() ? json::object() : params, &error);
        if (!error.empty()) {
          reply(rpc::make_error(protocol::ErrorCode::InvalidParams, "Invalid params: " + error));
          return;
        }
      }
      switch (answer_for(i)) {
        case Answer::kNow: reply(std::move(result)); break;
        case Answer::kLater: parked.push_back(std::move(reply)); break;
        case Answer::kError:
          reply(rpc::make_error(protocol::ErrorCode::NotFound, "no such thing", result));
          break;
        case Answer::kThrow: throw std::runtime_error("handler failed");
        case Answer::kDrop: break;
      }
    });
  }

  LineFramer framer(
      [&](std::string_view line) {
        if (line.size() > kFramerRouterMaxLine) checks.fail("a line over the cap");
        if (line.find('\n') != std::string_view::npos) checks.fail("a line with '\\n'");
        if (blank(line)) checks.fail("a blank line was emitted");
        router->handle(line);
      },
      [&] { router->reject_oversized_line(kFramerRouterMaxLine); }, kFramerRouterMaxLine);

  ChunkPlan plan(data);
  const std::string_view bytes(reinterpret_cast<const char*>(data.data()), data.size());
  for (std::size_t at = 0; at < bytes.size();) {
    const std::size_t n = plan.next_size(bytes.size() - at);
    framer.feed(bytes.substr(at, n));
    at += n;
    if (framer.buffered_bytes() > kFramerRouterMaxLine) checks.fail("the framer buffers over the cap");
  }
  framer.finish();
  if (framer.buffered_bytes() != 0 || framer.discarding()) checks.fail("finish() did not reset");

  // Late answers, newest first; the older half after the router is gone (dropped quietly).
  const std::size_t half = parked.size() / 2;
  while (parked.size() > half) {
    parked.back()(json{{"late", true}});
    parked.pop_back();
  }
  router.reset();
  for (auto& r : parked) r(json{{"late", true}});
  parked.clear();

  if (!checks.first.empty()) throw InvariantViolation(checks.first);
}

}  // namespace spool::fuzz
