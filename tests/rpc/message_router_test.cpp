// MessageRouter: every JSON-RPC error path with the exact reply, ids, batches, the
// initialize gate, asynchronous and dropped replies, throwing handlers, decode_params,
// responses to server requests, and hostile input (truncated JSON, lone surrogates, BOM,
// 100k levels of nesting).
#include "rpc/message_router.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/v2/thread_methods.h"

using nlohmann::json;
using spool::rpc::MessageRouter;
using spool::rpc::Reply;
using spool::rpc::Response;
using spool::rpc::RpcError;

namespace {

json err(json id, int code, std::string message) {
  return {{"jsonrpc", "2.0"},
          {"id", std::move(id)},
          {"error", {{"code", code}, {"message", std::move(message)}}}};
}
json ok(json id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", std::move(id)}, {"result", std::move(result)}};
}

// A router wired to a vector of written lines, with "initialize" and "echo" registered.
struct Session {
  std::vector<std::string> written;
  std::vector<Response> responses;
  std::vector<Reply> parked;  // replies a test answers later
  MessageRouter router{[this](std::string line) { written.push_back(std::move(line)); },
                       [this](Response r) { responses.push_back(std::move(r)); }};

  Session() {
    router.add("initialize", [](const json&, Reply reply) { reply(json{{"userAgent", "spool"}}); });
    router.add("echo", [](const json& params, Reply reply) { reply(params); });
    router.add("park", [this](const json&, Reply reply) { parked.push_back(std::move(reply)); });
  }
  // Handles `line`; returns what was written since the last call, each line parsed.
  std::vector<json> send(std::string_view line) {
    router.handle(line);
    return take();
  }
  std::vector<json> take() {
    std::vector<json> out;
    for (const auto& l : written) {
      REQUIRE(!l.empty());
      REQUIRE(l.back() == '\n');
      REQUIRE(l.find('\n') == l.size() - 1);  // one message is one line
      out.push_back(json::parse(l));
    }
    written.clear();
    return out;
  }
  json send_one(std::string_view line) {
    auto out = send(line);
    REQUIRE(out.size() == 1);
    return out[0];
  }
  void init() {
    REQUIRE(send_one(R"({"id":0,"method":"initialize","params":{}})") ==
            ok(0, {{"userAgent", "spool"}}));
  }
};

}  // namespace

TEST_CASE("router: parse errors answer -32700 with id null", "[rpc]") {
  Session s;
  SECTION("truncated JSON") {
    const json r = s.send_one(R"({"id":1,"method":"echo")");
    CHECK(r["id"].is_null());
    CHECK(r["error"]["code"] == -32700);
    CHECK(r["error"]["message"].get<std::string>().starts_with("Parse error: "));
    CHECK(r["jsonrpc"] == "2.0");
  }
  SECTION("garbage") { CHECK(s.send_one("not json")["error"]["code"] == -32700); }
  SECTION("a lone surrogate escape (nlohmann rejects it)") {
    const json r = s.send_one(R"({"id":1,"method":"echo","params":["\ud800"]})");
    CHECK(r["error"]["code"] == -32700);
    CHECK(r["id"].is_null());
  }
  SECTION("invalid UTF-8 in a string; the reply is still valid UTF-8") {
    const json r = s.send_one("{\"id\":1,\"method\":\"\xff\xfe\"}");
    CHECK(r["error"]["code"] == -32700);
  }
  SECTION("a byte order mark before the JSON (nlohmann would accept it; we do not)") {
    CHECK(s.send_one("\xEF\xBB\xBF{\"id\":1,\"method\":\"echo\"}") ==
          err(nullptr, -32700, "Parse error: byte order mark before the JSON"));
  }
  SECTION("100k levels of nesting: refused before parsing, no crash") {
    for (const char* open : {"[", "{\"a\":"}) {
      std::string deep;
      for (int i = 0; i < 100000; ++i) deep += open;
      CHECK(s.send_one(deep) == err(nullptr, -32700, "Parse error: nesting too deep"));
      deep += std::string(100000, open[0] == '[' ? ']' : '}');
      CHECK(s.send_one(deep) == err(nullptr, -32700, "Parse error: nesting too deep"));
    }
  }
  SECTION("1000 levels are fine; brackets inside strings do not count") {
    s.init();
    const std::string params = std::string(999, '[') + std::string(999, ']');
    const json r = s.send_one(R"({"id":2,"method":"echo","params":)" + params + "}");
    CHECK(r["result"].is_array());
    const std::string str = "\"" + std::string(5000, '[') + "\\\"" + std::string(5000, '{') + "\"";
    CHECK(s.send_one(R"({"id":3,"method":"echo","params":[)" + str + "]}") ==
          ok(3, json::array({json::parse(str)})));
  }
  SECTION("a huge invalid token gives a short message") {
    const json r = s.send_one("\"" + std::string(100000, 'x'));
    CHECK(r["error"]["code"] == -32700);
    CHECK(r["error"]["message"].get<std::string>().size() < 400);
  }
}

TEST_CASE("router: invalid requests answer -32600", "[rpc]") {
  Session s;
  s.init();
  CHECK(s.send_one("1") == err(nullptr, -32600, "Invalid Request: expected an object"));
  CHECK(s.send_one(R"("echo")") == err(nullptr, -32600, "Invalid Request: expected an object"));
  CHECK(s.send_one(R"({"id":4,"method":1})") ==
        err(4, -32600, "Invalid Request: \"method\" must be a string"));
  CHECK(s.send_one(R"({"method":1})") ==
        err(nullptr, -32600, "Invalid Request: \"method\" must be a string"));
  CHECK(s.send_one(R"({"id":"x"})") == err("x", -32600, "Invalid Request: missing \"method\""));
  CHECK(s.send_one(R"({"id":1.5,"method":"echo"})") ==
        err(nullptr, -32600, "Invalid Request: \"id\" must be a string, an integer or null"));
  CHECK(s.send_one(R"({"id":[1],"method":"echo"})") ==
        err(nullptr, -32600, "Invalid Request: \"id\" must be a string, an integer or null"));
  CHECK(s.send_one(R"({"id":{},"method":"echo"})") ==
        err(nullptr, -32600, "Invalid Request: \"id\" must be a string, an integer or null"));
  CHECK(s.send_one(R"({"jsonrpc":"1.0","id":5,"method":"echo"})") ==
        err(5, -32600, "Invalid Request: \"jsonrpc\" must be \"2.0\""));
  CHECK(s.send_one(R"({"jsonrpc":2.0,"id":5,"method":"echo"})") ==
        err(5, -32600, "Invalid Request: \"jsonrpc\" must be \"2.0\""));
  CHECK(s.send_one(R"({"id":6,"method":"echo","params":"x"})") ==
        err(6, -32600, "Invalid Request: \"params\" must be an object or an array"));
  CHECK(s.send_one("[]") == err(nullptr, -32600, "Invalid Request: empty batch"));
  s.router.reject_oversized_line(64);
  CHECK(s.take() ==
        std::vector<json>{err(nullptr, -32600, "Invalid Request: message longer than 64 bytes")});
}

TEST_CASE("router: ids are echoed as they came; jsonrpc optional", "[rpc]") {
  Session s;
  s.init();
  CHECK(s.send_one(R"({"jsonrpc":"2.0","id":"abc","method":"echo","params":{"a":1}})") ==
        ok("abc", {{"a", 1}}));
  CHECK(s.send_one(R"({"id":9007199254740993,"method":"echo","params":[]})") ==
        ok(json(9007199254740993LL), json::array()));
  CHECK(s.send_one(R"({"id":-3,"method":"echo"})") == ok(-3, nullptr));
  CHECK(s.send_one(R"({"id":null,"method":"echo","params":[1]})") == ok(nullptr, {1}));
  CHECK(s.send_one(R"({"id":18446744073709551615,"method":"echo"})")["id"] ==
        json(18446744073709551615ULL));
}

TEST_CASE("router: unknown method, throwing handler, dropped reply", "[rpc]") {
  Session s;
  s.init();
  s.router.add("throw", [](const json&, Reply) { throw std::runtime_error("disk on fire"); });
  s.router.add("drop", [](const json&, Reply) {});
  s.router.add("throw_after_reply", [](const json&, Reply reply) {
    reply(json(1));
    throw std::runtime_error("late");
  });
  CHECK(s.send_one(R"({"id":1,"method":"nope"})") == err(1, -32601, "Method not found: nope"));
  CHECK(s.send_one(R"({"id":2,"method":"throw"})") ==
        err(2, -32603, "Internal error: disk on fire"));
  CHECK(s.send_one(R"({"id":3,"method":"drop"})") == err(3, -32603, "Internal error: no reply"));
  CHECK(s.send_one(R"({"id":4,"method":"throw_after_reply"})") == ok(4, 1));

  SECTION("a parked reply destroyed later answers -32603") {
    CHECK(s.send(R"({"id":5,"method":"park"})").empty());
    s.parked.clear();
    CHECK(s.take() == std::vector<json>{err(5, -32603, "Internal error: no reply")});
  }
  SECTION(
      "a reply kept by a handler that then throws: the throw answers, the late call is ignored") {
    s.router.add("park_then_throw", [&](const json&, Reply reply) {
      s.parked.push_back(std::move(reply));
      throw std::runtime_error("oops");
    });
    CHECK(s.send_one(R"({"id":6,"method":"park_then_throw"})") ==
          err(6, -32603, "Internal error: oops"));
    s.parked[0](json("late"));
    CHECK(s.take().empty());
  }
  SECTION("move-assigning over a pending reply answers the old one") {
    CHECK(s.send(R"({"id":7,"method":"park"})").empty());
    CHECK(s.send(R"({"id":8,"method":"park"})").empty());
    s.parked[0] = std::move(s.parked[1]);
    CHECK(s.take() == std::vector<json>{err(7, -32603, "Internal error: no reply")});
    s.parked[0](json("eight"));
    CHECK(s.take() == std::vector<json>{ok(8, "eight")});
  }
#ifdef NDEBUG
  SECTION("a second call is ignored in release builds") {
    s.router.add("twice", [](const json&, Reply reply) {
      reply(json(1));
      reply(RpcError{-1, "again", nullptr});
    });
    CHECK(s.send(R"({"id":9,"method":"twice"})") == std::vector<json>{ok(9, 1)});
  }
#endif
}

TEST_CASE("router: error data is written only when set", "[rpc]") {
  Session s;
  s.init();
  s.router.add("fail", [](const json&, Reply reply) {
    reply(RpcError{-32010, "conflict", json{{"version", 3}}});
  });
  json expected = err(1, -32010, "conflict");
  expected["error"]["data"] = {{"version", 3}};
  CHECK(s.send_one(R"({"id":1,"method":"fail"})") == expected);
}

TEST_CASE("router: the initialize gate", "[rpc]") {
  Session s;
  CHECK_FALSE(s.router.initialized());
  CHECK(s.send_one(R"({"id":1,"method":"echo"})") == err(1, -32002, "Not initialized"));
  CHECK(s.send_one(R"({"id":2,"method":"nope"})") == err(2, -32002, "Not initialized"));
  int notified = 0;
  s.router.add("note", [&](const json&, Reply) { ++notified; });
  CHECK(s.send(R"({"method":"note"})").empty());  // notifications pass the gate
  CHECK(notified == 1);
  CHECK(s.send(R"({"method":"initialized"})").empty());  // accepted, not required
  s.init();
  CHECK(s.router.initialized());
  CHECK(s.send_one(R"({"id":3,"method":"initialize","params":{}})") ==
        err(3, -32600, "Invalid Request: Already initialized"));
  CHECK(s.send_one(R"({"id":4,"method":"echo","params":[4]})") == ok(4, {4}));

  SECTION("a failed initialize keeps the gate closed; a retry may succeed") {
    Session t;
    bool fail = true;
    t.router.add("initialize", [&](const json&, Reply reply) {
      if (fail) return reply(RpcError{-32602, "bad clientInfo", nullptr});
      reply(json::object());
    });
    CHECK(t.send_one(R"({"id":1,"method":"initialize"})") == err(1, -32602, "bad clientInfo"));
    CHECK(t.send_one(R"({"id":2,"method":"echo"})") == err(2, -32002, "Not initialized"));
    fail = false;
    CHECK(t.send_one(R"({"id":3,"method":"initialize"})") == ok(3, json::object()));
    CHECK(t.send_one(R"({"id":4,"method":"echo"})") == ok(4, nullptr));
  }
  SECTION(
      "while initialize is pending, requests wait at the gate and a second initialize is refused") {
    Session t;
    t.router.add("initialize",
                 [&](const json&, Reply reply) { t.parked.push_back(std::move(reply)); });
    CHECK(t.send(R"({"id":1,"method":"initialize"})").empty());
    CHECK(t.send_one(R"({"id":2,"method":"echo"})") == err(2, -32002, "Not initialized"));
    CHECK(t.send_one(R"({"id":3,"method":"initialize"})") ==
          err(3, -32600, "Invalid Request: Already initialized"));
    t.parked[0](json::object());
    CHECK(t.take() == std::vector<json>{ok(1, json::object())});
    CHECK(t.router.initialized());
  }
}

TEST_CASE("router: replies in a different order than requests", "[rpc]") {
  Session s;
  s.init();
  CHECK(s.send(R"({"id":1,"method":"park"})").empty());
  CHECK(s.send(R"({"id":"two","method":"park"})").empty());
  CHECK(s.send(R"({"id":3,"method":"park"})").empty());
  s.parked[2](json("c"));
  s.parked[0](RpcError{-32001, "busy", nullptr});
  s.parked[1](json("b"));
  CHECK(s.take() == std::vector<json>{ok(3, "c"), err(1, -32001, "busy"), ok("two", "b")});
}

TEST_CASE("router: batches", "[rpc]") {
  Session s;
  s.init();
  int notified = 0;
  s.router.add("note", [&](const json&, Reply reply) {
    ++notified;
    reply(RpcError{-1, "notifications never answer", nullptr});
  });
  SECTION("mixed requests, notifications and invalid elements: one array line, in order") {
    const auto out = s.send(
        R"([{"id":1,"method":"echo","params":[1]},{"method":"note"},1,{"id":2,"method":"nope"},)"
        R"({"jsonrpc":"1.0","id":3,"method":"echo"},{"id":4,"result":true},{"id":5,"method":"echo","params":{}}])");
    REQUIRE(out.size() == 1);
    CHECK(out[0] ==
          json::array({ok(1, {1}), err(nullptr, -32600, "Invalid Request: expected an object"),
                       err(2, -32601, "Method not found: nope"),
                       err(3, -32600, "Invalid Request: \"jsonrpc\" must be \"2.0\""),
                       ok(5, json::object())}));
    CHECK(notified == 1);
    REQUIRE(s.responses.size() == 1);
    CHECK(s.responses[0].id == 4);
  }
  SECTION("notifications only: no reply at all") {
    CHECK(s.send(R"([{"method":"note"},{"method":"note","params":[]},{"method":"unknown"}])")
              .empty());
    CHECK(notified == 2);
  }
  SECTION("[1,2,3]: three errors") {
    const auto out = s.send("[1,2,3]");
    REQUIRE(out.size() == 1);
    CHECK(out[0] == json(3, err(nullptr, -32600, "Invalid Request: expected an object")));
  }
  SECTION("asynchronous replies: the array is written when the last one arrives") {
    CHECK(s.send(R"([{"id":1,"method":"park"},{"id":2,"method":"echo"},{"id":3,"method":"park"}])")
              .empty());
    s.parked[1](json("three"));
    CHECK(s.take().empty());
    s.parked.clear();  // the first one dropped: -32603
    CHECK(s.take() == std::vector<json>{json::array({err(1, -32603, "Internal error: no reply"),
                                                     ok(2, nullptr), ok(3, "three")})});
  }
  SECTION("a nested batch element is an invalid request") {
    CHECK(s.send_one(R"([[{"id":1,"method":"echo"}]])") ==
          json::array({err(nullptr, -32600, "Invalid Request: expected an object")}));
  }
}

TEST_CASE("router: notifications never get replies", "[rpc]") {
  Session s;
  s.init();
  s.router.add("throw", [](const json&, Reply) { throw std::runtime_error("boom"); });
  s.router.add("drop", [](const json&, Reply reply) { CHECK(reply.is_notification()); });
  CHECK(s.send(R"({"method":"throw"})").empty());
  CHECK(s.send(R"({"method":"drop"})").empty());
  CHECK(s.send(R"({"method":"unknown","params":{}})").empty());
  CHECK(s.send(R"({"method":"echo","params":[1]})").empty());
}

// A notification's handler may answer after handle() returned (a database read): that is
// its one answer, not a second one (debug builds assert on a second answer).
TEST_CASE("router: a notification answered later writes nothing", "[rpc]") {
  Session s;
  s.init();
  CHECK(s.send(R"({"method":"park","params":{}})").empty());
  CHECK(s.send(R"({"method":"park","params":{}})").empty());
  REQUIRE(s.parked.size() == 2);
  CHECK(s.parked[0].is_notification());
  s.parked[0](json{{"late", true}});
  s.parked[1](RpcError{-32004, "thread not found", nullptr});
  s.parked.clear();
  CHECK(s.take().empty());
}

TEST_CASE("router: decode_params", "[rpc]") {
  using spool::protocol::v2::ThreadReadParams;
  Session s;
  s.init();
  std::optional<ThreadReadParams> got;
  s.router.add("thread/read", [&](const json& params, Reply reply) {
    ThreadReadParams p;
    if (!spool::rpc::decode_params(params, p, reply)) return;
    got = p;
    reply(json{{"threadId", p.threadId}});
  });
  CHECK(s.send_one(R"({"id":1,"method":"thread/read","params":{"threadId":1}})") ==
        err(1, -32602, "Invalid params: params.threadId: expected a string, got 1"));
  CHECK(s.send_one(R"({"id":2,"method":"thread/read"})")["error"]["code"] == -32602);
  CHECK(s.send_one(R"({"id":3,"method":"thread/read","params":[]})")["error"]["code"] == -32602);
  CHECK_FALSE(got);
  CHECK(s.send_one(
            R"({"id":4,"method":"thread/read","params":{"threadId":"t","includeTurns":true}})") ==
        ok(4, {{"threadId", "t"}}));
  REQUIRE(got);
  CHECK(got->includeTurns.value);

  SECTION("missing or null params decode as {}") {
    s.router.add("opt", [&](const json& params, Reply reply) {
      spool::protocol::v2::ThreadListParams p;
      if (!spool::rpc::decode_params(params, p, reply)) return;
      reply(json(p.limit.has_value()));
    });
    CHECK(s.send_one(R"({"id":5,"method":"opt"})") == ok(5, false));
    CHECK(s.send_one(R"({"id":6,"method":"opt","params":null})") == ok(6, false));
    CHECK(s.send_one(R"({"id":7,"method":"opt","params":{"limit":"x"}})")["error"]["code"] ==
          -32602);
  }
}

TEST_CASE("router: responses to server requests go to the response handler", "[rpc]") {
  Session s;  // responses are routed before and after initialize alike
  CHECK(s.send(R"({"jsonrpc":"2.0","id":"srv-1","result":{"decision":"approved"}})").empty());
  CHECK(s.send(R"({"id":7,"error":{"code":-32000,"message":"denied","data":[1]}})").empty());
  REQUIRE(s.responses.size() == 2);
  CHECK(s.responses[0].id == "srv-1");
  CHECK(s.responses[0].result == json{{"decision", "approved"}});
  CHECK_FALSE(s.responses[0].error);
  CHECK(s.responses[1].id == 7);
  REQUIRE(s.responses[1].error);
  CHECK(s.responses[1].error->code == -32000);
  CHECK(s.responses[1].error->message == "denied");
  CHECK(s.responses[1].error->data == json{1});

  SECTION("malformed responses are dropped, never answered") {
    for (const char* bad :
         {R"({"result":1})", R"({"id":1.5,"result":1})",
          R"({"id":1,"result":1,"error":{"code":1,"message":"m"}})", R"({"id":1,"error":"x"})",
          R"({"id":1,"error":{"code":"1","message":"m"}})",
          R"({"id":1,"error":{"code":99999999999,"message":"m"}})",
          R"({"jsonrpc":"1.0","id":1,"result":1})"}) {
      INFO(bad);
      CHECK(s.send(bad).empty());
    }
    CHECK(s.responses.size() == 2);
  }
}

TEST_CASE("router: a reply after the router is gone is dropped", "[rpc]") {
  std::vector<Reply> parked;
  std::vector<std::string> written;
  {
    MessageRouter router([&](std::string line) { written.push_back(std::move(line)); });
    router.add("initialize", [](const json&, Reply reply) { reply(json::object()); });
    router.add("park", [&](const json&, Reply reply) { parked.push_back(std::move(reply)); });
    router.handle(R"({"id":1,"method":"initialize"})");
    router.handle(R"({"id":2,"method":"park"})");
    router.handle(R"([{"id":3,"method":"park"}])");
  }
  REQUIRE(written.size() == 1);
  parked[0](json(1));
  parked.clear();
  CHECK(written.size() == 1);
}

TEST_CASE("router: a raw JSON result is written as is, in one line, also inside a batch",
          "[rpc]") {
  Session s;
  s.router.add("raw", [](const json& params, Reply reply) {
    reply(spool::rpc::RawJson{R"({"thread":{"turns":[{"id":"t1","items":[{"id":"a"}]}]},"n":)" +
                              params.dump() + "}"});
  });
  s.init();
  s.router.handle(R"({"id":"r1","method":"raw","params":[7]})");
  REQUIRE(s.written.size() == 1);
  // Exactly the member order and spacing of any other response: id, jsonrpc, result.
  CHECK(s.written[0] ==
        R"({"id":"r1","jsonrpc":"2.0","result":{"thread":{"turns":[{"id":"t1","items":[{"id":"a"}]}]},"n":[7]}})"
        "\n");
  s.written.clear();
  const auto batch =
      s.send_one(R"([{"id":1,"method":"raw","params":[1]},{"id":2,"method":"echo","params":[2]}])");
  REQUIRE(batch.is_array());
  REQUIRE(batch.size() == 2);
  CHECK(batch[0] == ok(1, {{"thread", {{"turns", {{{"id", "t1"}, {"items", {{{"id", "a"}}}}}}}}}, {"n", {1}}}));
  CHECK(batch[1] == ok(2, {2}));
}
