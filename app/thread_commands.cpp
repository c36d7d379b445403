// `spool list` prints the thread list (newest first) as a table or as v2 JSON; `spool
// rebuild` drops every projection and folds the whole log again.
#include "app/thread_commands.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <memory>

#include "app/open_store.h"
#include "protocol/codec.h"
#include "views/served_history.h"
#include "views/thread_mapping.h"

namespace spool::app {
namespace {

struct ListOptions {
  std::string db;
  bool archived = false;
  bool json = false;
  int limit = 25;
};

// The terminal's width, or 0 when stdout is not a terminal (then nothing is cut).
int terminal_width() {
  if (isatty(STDOUT_FILENO) != 1) return 0;
  winsize w{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
  return 80;
}

std::string local_time(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

// Cuts `s` to at most `width` columns (counting UTF-8 code points), one line.
std::string one_line(std::string s, int width) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (width <= 0) return s;
  int cols = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (++cols > width) return s.substr(0, i > 3 ? i - 3 : i) + "...";
  }
  return s;
}

int run_list(const ListOptions& o) {
  auto store = open_store_or_report("list", o.db);
  if (!store) return 1;
  eventstore::ThreadListQuery q;
  q.archived = o.archived;
  q.limit = o.limit;
  q.sort_key = eventstore::ThreadSortKey::UpdatedAt;  // newest-updated first
  q.order = eventstore::SortOrder::Descending;
  auto page = store->list_threads(q);
  if (!page) {
    fmt::print(stderr, "spool list: {}\n", page.error().message);
    return 1;
  }
  const auto& rows = page->rows;
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) out.push_back(protocol::to_json_value(views::to_v2_thread(r)));
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  if (rows.empty()) {
    fmt::print(stderr, "no {}threads\n", o.archived ? "archived " : "");
    return 0;
  }
  const int width = terminal_width();
  fmt::print("{:<8}  {:<16}  {:<10}  {}\n", "ID", "UPDATED", "PROVIDER", "PREVIEW");
  for (const auto& r : rows) {
    const std::string head =
        fmt::format("{:<8}  {:<16}  {:<10}  ", r.thread.id.substr(0, 8),
                    local_time(r.thread.updated_at_ms),
                    one_line(r.summary.model_provider.value_or("-"), 10));
    const int room = width > 0 ? std::max(10, width - static_cast<int>(head.size())) : 0;
    fmt::print("{}{}\n", head, one_line(r.summary.preview, room));
  }
  return 0;
}

struct ShowOptions {
  std::string db;
  std::string thread_id;
  bool json = false;
};

// One line (or a few) for an item, for people.
void print_item(const nlohmann::json& item, int width) {
  const std::string type = item.value("type", "?");
  auto text = [&](const char* key) { return item.contains(key) && item[key].is_string() ? item[key].get<std::string>() : std::string(); };
  auto joined = [&](const char* key) {
    std::string out;
    if (item.contains(key) && item[key].is_array())
      for (const auto& part : item[key])
        if (part.is_string()) out += (out.empty() ? "" : " ") + part.get<std::string>();
    return out;
  };
  std::string line;
  if (type == "userMessage") {
    std::string t;
    for (const auto& c : item.value("content", nlohmann::json::array()))
      t += (t.empty() ? "" : " ") + (c.value("type", "") == "text" ? c.value("text", "") : "[" + c.value("type", "") + "]");
    line = "user       " + t;
  } else if (type == "agentMessage") {
    line = "agent      " + text("text");
  } else if (type == "reasoning") {
    line = "reasoning  " + joined("summary");
  } else if (type == "commandExecution") {
    const auto exit = item.contains("exitCode") && item["exitCode"].is_number()
                          ? fmt::format(" (exit {})", item["exitCode"].get<int>())
                          : std::string();
    line = fmt::format("command    $ {} [{}]{}", text("command"), item.value("status", ""), exit);
  } else {
    line = fmt::format("{:<10} {}", type, item.value("id", ""));
  }
  fmt::print("  {}\n", one_line(line, width > 2 ? width - 2 : 0));
}

int run_show(const ShowOptions& o) {
  auto store = open_store_or_report("show", o.db);
  if (!store) return 1;
  auto row = store->thread_summary(o.thread_id);
  auto history = store->read_history(o.thread_id);
  if (!row || !history) {
    fmt::print(stderr, "spool show: {}\n", !row ? row.error().message : history.error().message);
    return 1;
  }
  if (!row.value()) {
    fmt::print(stderr, "spool show: no thread {}\n", o.thread_id);
    return 1;
  }
  // Nothing runs in this process: a turn left inProgress is shown as interrupted.
  const nlohmann::json turns = views::served_turns(history.value(), /*running=*/false);
  if (o.json) {
    nlohmann::json thread = protocol::to_json_value(views::to_v2_thread(*row.value()));
    thread["turns"] = turns;
    fmt::print("{}\n", thread.dump(2));
    return 0;
  }
  const auto& r = *row.value();
  const int width = terminal_width();
  fmt::print("thread   {}\n", r.thread.id);
  fmt::print("preview  {}\n", one_line(r.summary.preview, width > 9 ? width - 9 : 0));
  fmt::print("provider {}   model {}   cwd {}\n", r.summary.model_provider.value_or("-"),
             r.summary.model.value_or("-"), r.summary.cwd.value_or("-"));
  fmt::print("created  {}   updated {}{}\n", local_time(r.thread.created_at_ms),
             local_time(r.thread.updated_at_ms), r.thread.archived_at_ms ? "   (archived)" : "");
  for (const auto& turn : turns) {
    fmt::print("\nturn {} [{}]\n", turn.value("id", "?"), turn.value("status", "?"));
    for (const auto& item : turn["items"]) print_item(item, width);
  }
  return 0;
}

struct RebuildOptions {
  std::string db;
};

int run_rebuild(const RebuildOptions& o) {
  auto store = open_store_or_report("rebuild", o.db);
  if (!store) return 1;
  const bool tty = isatty(STDERR_FILENO) == 1;
  const auto start = std::chrono::steady_clock::now();
  auto n = store->rebuild_projections([&](std::int64_t done, std::int64_t total) {
    if (!tty || (done % 64 != 0 && done != total)) return;
    constexpr int kWidth = 30;
    const int filled = total ? static_cast<int>(kWidth * done / total) : kWidth;
    fmt::print(stderr, "\r[{}{}] {}/{} threads", std::string(filled, '#'),
               std::string(kWidth - filled, '.'), done, total);
  });
  if (tty) fmt::print(stderr, "\n");
  if (!n) {
    fmt::print(stderr, "spool rebuild: {}\n", n.error().message);
    return 1;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("rebuilt the projections of {} threads in {:.2f} s\n", n.value(), secs);
  return 0;
}

}  // namespace

void add_list_command(CLI::App& parent) {
  auto o = std::make_shared<ListOptions>();
  CLI::App* cmd = parent.add_subcommand("list", "List threads, most recently updated first");
  cmd->add_option("--db", o->db, "Database file (default: $SPOOL_HOME/spool.db)");
  cmd->add_flag("--archived", o->archived, "List archived threads instead");
  cmd->add_option("--limit", o->limit, "How many threads")->check(CLI::Range(1, 100000));
  cmd->add_flag("--json", o->json, "Print v2 Thread objects as JSON");
  cmd->callback([o] { throw CLI::RuntimeError(run_list(*o)); });
}

void add_show_command(CLI::App& parent) {
  auto o = std::make_shared<ShowOptions>();
  CLI::App* cmd = parent.add_subcommand("show", "Print a thread's turns and items");
  cmd->add_option("--db", o->db, "Database file (default: $SPOOL_HOME/spool.db)");
  cmd->add_option("thread_id", o->thread_id, "The thread")->required();
  cmd->add_flag("--json", o->json, "Print the v2 Thread with its turns as JSON");
  cmd->callback([o] { throw CLI::RuntimeError(run_show(*o)); });
}

void add_rebuild_command(CLI::App& parent) {
  auto o = std::make_shared<RebuildOptions>();
  CLI::App* cmd = parent.add_subcommand(
      "rebuild", "Drop every projection and fold the whole event log again");
  cmd->add_option("--db", o->db, "Database file (default: $SPOOL_HOME/spool.db)");
  cmd->callback([o] { throw CLI::RuntimeError(run_rebuild(*o)); });
}

}  // namespace spool::app
