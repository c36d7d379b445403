// reliability_append_driver: appends a deterministic stream of events through
// eventstore::Store (projections attached, as `spool serve` does) and prints one line per
// append once it has committed, so a test that kills it knows exactly what was acknowledged.
//
//   reliability_append_driver --db PATH --prefix P [--threads N] [--start I] [--count M]
//                             [--sync full|normal] [--thread-prefix T]
//
// Append number i (from --start, M of them; M = 0: until killed) goes to thread
// "<T>-<i % N>" (T defaults to P) and carries producer id "<P>-<i>": the k-th append of a
// thread (k = i / N) is its session_meta for k = 0, then whole turns of task_started,
// user_message, agent_message, task_complete, one event per append. Re-running from an
// index whose append may have committed before a kill retries it with the same producer id.
//
// Output, one line per append, written with write(2) right after the commit:
//   ack <i> <thread> <seq> stored|duplicate
// On a failed append: "error <i> <store error code>: <message>" and exit 1.
// Exit 0 when M appends are done; 2 on bad arguments or when the store cannot be opened.
#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <unistd.h>

#include "eventstore/store.h"
#include "views/attach.h"

namespace {

using spool::eventstore::NewEvent;

void write_line(const std::string& line) {
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, rest.data(), rest.size());
    if (n <= 0) std::_Exit(3);  // the test went away
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

NewEvent event_for(std::int64_t i, std::int64_t threads, const std::string& thread_id,
                   const std::string& producer) {
  const std::int64_t k = i / threads;
  NewEvent e;
  e.producer_id = producer;
  if (k == 0) {
    e.kind = "session_meta";
    e.payload = fmt::format(
        R"({{"id":"{}","timestamp":"2026-01-02T03:04:05.000Z","cwd":"/work","originator":"reliability","cli_version":"0.0.0","source":"cli","model_provider":"mock"}})",
        thread_id);
    return e;
  }
  const std::int64_t turn = (k - 1) / 4;
  const std::string turn_id = fmt::format("{}-turn-{}", thread_id, turn);
  e.kind = "event_msg";
  e.turn_id = turn_id;
  switch ((k - 1) % 4) {
    case 0:
      e.type = "task_started";
      e.payload = fmt::format(R"({{"type":"task_started","turn_id":"{}"}})", turn_id);
      break;
    case 1:
      e.type = "user_message";
      e.payload = fmt::format(R"({{"type":"user_message","message":"question {} of {}","images":[]}})",
                              turn, producer);
      break;
    case 2:
      e.type = "agent_message";
      e.payload = fmt::format(R"({{"type":"agent_message","message":"answer {} of {}"}})", turn, producer);
      break;
    default:
      e.type = "task_complete";
      e.payload = fmt::format(R"({{"type":"task_complete","turn_id":"{}","last_agent_message":"answer {}"}})",
                              turn_id, turn);
      break;
  }
  return e;
}

int usage(const char* why) {
  std::fprintf(stderr, "reliability_append_driver: %s\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db;
  std::string prefix;
  std::string thread_prefix;
  std::int64_t threads = 4;
  std::int64_t start = 0;
  std::int64_t count = 0;
  bool sync_normal = false;
  for (int a = 1; a < argc; ++a) {
    const std::string_view arg = argv[a];
    if (a + 1 >= argc) return usage("every option takes a value");
    const std::string value = argv[++a];
    try {
      if (arg == "--db") {
        db = value;
      } else if (arg == "--prefix") {
        prefix = value;
      } else if (arg == "--thread-prefix") {
        thread_prefix = value;
      } else if (arg == "--threads") {
        threads = std::stoll(value);
      } else if (arg == "--start") {
        start = std::stoll(value);
      } else if (arg == "--count") {
        count = std::stoll(value);
      } else if (arg == "--sync") {
        sync_normal = value == "normal";
      } else {
        return usage("unknown option");
      }
    } catch (const std::exception&) {
      return usage("a number option is not a number");
    }
  }
  if (db.empty() || prefix.empty() || threads < 1 || start < 0 || count < 0) {
    return usage("need --db and --prefix; --threads >= 1");
  }
  if (thread_prefix.empty()) thread_prefix = prefix;

  spool::eventstore::StoreOptions options;
  if (sync_normal) options.synchronous = spool::eventstore::Synchronous::Normal;
  auto opened = spool::eventstore::Store::open(db, options);
  if (!opened) {
    std::fprintf(stderr, "reliability_append_driver: %s\n", opened.error().message.c_str());
    return 2;
  }
  auto store = std::move(opened).value();
  spool::views::attach_projections(*store);

  for (std::int64_t i = start; count == 0 || i < start + count; ++i) {
    const std::string thread_id = fmt::format("{}-{}", thread_prefix, i % threads);
    const std::string producer = fmt::format("{}-{}", prefix, i);
    const NewEvent e = event_for(i, threads, thread_id, producer);
    auto r = store->append(thread_id, std::nullopt, std::span<const NewEvent>(&e, 1));
    if (!r) {
      write_line(fmt::format("error {} {}: {}\n", i, spool::eventstore::to_string(r.error().code),
                             r.error().message));
      return 1;
    }
    const auto& appended = r.value().events.front();
    const bool duplicate = appended.status == spool::eventstore::AppendedEvent::Status::Duplicate;
    write_line(fmt::format("ack {} {} {} {}\n", i, thread_id, appended.seq,
                           duplicate ? "duplicate" : "stored"));
  }
  return 0;
}
