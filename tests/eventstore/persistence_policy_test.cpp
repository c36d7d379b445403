#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "eventstore/persistence_policy.h"
#include "eventstore/store.h"
#include "support/store_fixtures.h"

using namespace spool;
using namespace spool::eventstore;

namespace {

bool keeps(PersistencePolicy p, std::string_view kind, std::string_view type,
           std::string_view payload = "{}") {
  return should_persist(p, kind, type, payload);
}

// Event_msg types Codex emits; each policy's verdict on them is pinned below.
const std::vector<std::string> kSampleEventMsgTypes = {
    "agent_message", "agent_message_delta", "agent_message_content_delta", "agent_reasoning",
    "agent_reasoning_delta", "agent_reasoning_raw_content", "agent_reasoning_raw_content_delta",
    "agent_reasoning_section_break", "context_compacted", "entered_review_mode", "error",
    "exec_approval_request", "exec_command_begin", "exec_command_end",
    "exec_command_output_delta", "exited_review_mode", "item_started", "mcp_tool_call_begin",
    "mcp_tool_call_end", "patch_apply_begin", "patch_apply_end", "plan_delta",
    "reasoning_content_delta", "reasoning_raw_content_delta", "stream_error", "task_complete",
    "task_started", "thread_name_updated", "thread_rolled_back", "token_count", "turn_aborted",
    "turn_diff", "undo_completed", "user_message", "warning", "web_search_end"};

std::vector<std::string> kept_by(PersistencePolicy p) {
  std::vector<std::string> out;
  for (const auto& t : kSampleEventMsgTypes)
    if (keeps(p, "event_msg", t)) out.push_back(t);
  return out;
}

}  // namespace

TEST_CASE("policy names parse and print", "[eventstore][policy]") {
  for (auto p : {PersistencePolicy::Limited, PersistencePolicy::Extended, PersistencePolicy::Full})
    CHECK(parse_policy(policy_name(p)) == p);
  CHECK_FALSE(parse_policy("everything"));
  CHECK_FALSE(parse_policy("Limited"));
}

TEST_CASE("limited keeps exactly the event_msg types the Codex CLI persists",
          "[eventstore][policy]") {
  const std::vector<std::string_view> expected = {
      "agent_message",       "agent_reasoning",    "agent_reasoning_raw_content",
      "context_compacted",   "entered_review_mode", "exited_review_mode",
      "item_completed",      "task_complete",      "task_started",
      "thread_name_updated", "thread_rolled_back", "token_count",
      "turn_aborted",        "undo_completed",     "user_message"};
  const auto list = limited_event_msg_types();
  CHECK(std::vector<std::string_view>(list.begin(), list.end()) == expected);

  CHECK(kept_by(PersistencePolicy::Limited) ==
        std::vector<std::string>{"agent_message", "agent_reasoning", "agent_reasoning_raw_content",
                                 "context_compacted", "entered_review_mode",
                                 "exited_review_mode", "task_complete", "task_started",
                                 "thread_name_updated", "thread_rolled_back", "token_count",
                                 "turn_aborted", "undo_completed", "user_message"});
}

TEST_CASE("limited keeps item_completed only for plan items", "[eventstore][policy]") {
  const auto L = PersistencePolicy::Limited;
  CHECK(keeps(L, "event_msg", "item_completed", R"({"type":"item_completed","item":{"type":"Plan","id":"p"}})"));
  CHECK_FALSE(keeps(L, "event_msg", "item_completed", R"({"type":"item_completed","item":{"type":"AgentMessage"}})"));
  CHECK_FALSE(keeps(L, "event_msg", "item_completed", R"({"type":"item_completed"})"));
  CHECK_FALSE(keeps(L, "event_msg", "item_completed", "not json"));
  CHECK(keeps(PersistencePolicy::Extended, "event_msg", "item_completed", R"({"item":{"type":"AgentMessage"}})"));
}

TEST_CASE("limited keeps every structural line and response item but `other`",
          "[eventstore][policy]") {
  const auto L = PersistencePolicy::Limited;
  CHECK(keeps(L, "session_meta", ""));
  CHECK(keeps(L, "turn_context", ""));
  CHECK(keeps(L, "compacted", ""));
  for (std::string_view t : {"message", "reasoning", "function_call", "function_call_output",
                             "local_shell_call", "custom_tool_call", "custom_tool_call_output",
                             "web_search_call"})
    CHECK(keeps(L, "response_item", t));
  CHECK_FALSE(keeps(L, "response_item", "other"));
  CHECK(keeps(PersistencePolicy::Extended, "response_item", "other"));
}

TEST_CASE("extended keeps everything but streaming deltas", "[eventstore][policy]") {
  std::vector<std::string> dropped;
  for (const auto& t : kSampleEventMsgTypes)
    if (!keeps(PersistencePolicy::Extended, "event_msg", t)) dropped.push_back(t);
  CHECK(dropped == std::vector<std::string>{
                       "agent_message_delta", "agent_message_content_delta",
                       "agent_reasoning_delta", "agent_reasoning_raw_content_delta",
                       "agent_reasoning_section_break", "exec_command_output_delta", "plan_delta",
                       "reasoning_content_delta", "reasoning_raw_content_delta"});
}

TEST_CASE("full keeps everything", "[eventstore][policy]") {
  CHECK(kept_by(PersistencePolicy::Full) == kSampleEventMsgTypes);
  CHECK(keeps(PersistencePolicy::Full, "response_item", "other"));
}

TEST_CASE("kinds the policies do not know are kept under every policy", "[eventstore][policy]") {
  for (auto p : {PersistencePolicy::Limited, PersistencePolicy::Extended, PersistencePolicy::Full}) {
    CHECK(keeps(p, "world_state", ""));
    CHECK(keeps(p, "token_usage_record", ""));
  }
}

TEST_CASE("the store filters by the database policy, a thread override, or a call override",
          "[eventstore][policy]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  CHECK(store->default_policy().value() == PersistencePolicy::Extended);
  const std::vector<NewEvent> batch{test::event_msg("user_message"),
                                    test::event_msg("agent_message_delta"),
                                    test::event_msg("exec_command_begin")};
  using Status = AppendedEvent::Status;

  auto r = store->append("t", 0, batch);  // extended
  REQUIRE(r.ok());
  CHECK(r->events[0].status == Status::Stored);
  CHECK(r->events[1].status == Status::Filtered);
  CHECK(r->events[1].seq == 0);
  CHECK(r->events[2].status == Status::Stored);
  CHECK(r->events[2].seq == 2);  // seqs stay gap-free around filtered events
  CHECK(r->last_seq == 2);

  REQUIRE(store->set_thread_policy("t", PersistencePolicy::Limited).ok());
  CHECK(store->thread("t").value()->policy == PersistencePolicy::Limited);
  r = store->append("t", 2, batch);
  REQUIRE(r.ok());
  CHECK(r->events[0].status == Status::Stored);
  CHECK(r->events[1].status == Status::Filtered);
  CHECK(r->events[2].status == Status::Filtered);

  AppendOptions full;
  full.policy = PersistencePolicy::Full;
  r = store->append("t", 3, batch, full);
  REQUIRE(r.ok());
  CHECK(r->last_seq == 6);

  REQUIRE(store->set_default_policy(PersistencePolicy::Full).ok());
  CHECK(store->default_policy().value() == PersistencePolicy::Full);
  r = store->append("other", 0, batch);
  REQUIRE(r.ok());
  CHECK(r->last_seq == 3);

  REQUIRE(store->set_thread_policy("t", std::nullopt).ok());
  CHECK_FALSE(store->thread("t").value()->policy.has_value());
  CHECK(store->set_thread_policy("missing", PersistencePolicy::Full).error().code ==
        StoreErrorCode::InvalidArgument);
}

TEST_CASE("an append whose events are all filtered writes nothing", "[eventstore][policy]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  auto r = store->append("t", 0, std::vector<NewEvent>{test::event_msg("agent_message_delta")});
  REQUIRE(r.ok());
  CHECK(r->last_seq == 0);
  CHECK_FALSE(store->thread("t")->has_value());
  CHECK(store->stats()->events == 0);
}

TEST_CASE("the database policy survives reopening", "[eventstore][policy]") {
  test::TempDir dir;
  const std::string path = dir.file("spool.db");
  REQUIRE(test::open_store(path)->set_default_policy(PersistencePolicy::Limited).ok());
  CHECK(test::open_store(path)->default_policy().value() == PersistencePolicy::Limited);
}
