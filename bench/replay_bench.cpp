#include "bench/replay_bench.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string_view>

#include "bench/baseline_scan.h"
#include "bench/server_client.h"
#include "eventstore/rollout_importer.h"
#include "eventstore/store.h"
#include "views/attach.h"

namespace spool::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}
double seconds_since(clock_type::time_point start) { return ms_since(start) / 1000.0; }

void remove_db(const fs::path& db) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix, ec);
}

// thread/list params that list every thread, of any provider and source (as the e2e
// tests' EVERY does).
json list_params(int limit) {
  return {{"limit", limit},
          {"modelProviders", json::array()},
          {"sourceKinds",
           {"cli", "vscode", "exec", "appServer", "subAgent", "subAgentReview", "subAgentCompact",
            "subAgentThreadSpawn", "subAgentOther", "unknown"}}};
}

// ---- append -------------------------------------------------------------------------------

std::string thread_uuid(int n) { return fmt::format("019a0000-0000-7000-8000-{:012x}", n); }

std::string session_meta_payload(const std::string& id) {
  return json{{"id", id},
              {"timestamp", "2026-01-01T00:00:00.000Z"},
              {"cwd", "/home/dev/spool"},
              {"originator", "codex_cli_rs"},
              {"cli_version", "0.169.0"},
              {"source", "cli"},
              {"model_provider", "openai"}}
      .dump();
}

// An agent message of about 300 bytes: a typical small event (the baseline writes it).
const std::string& message_payload() {
  static const std::string p =
      json{{"type", "agent_message"}, {"message", std::string(260, 'm')}}.dump();
  return p;
}

// The i-th event of a stream of small turns, as a live turn appends them: task_started,
// user_message, agent_reasoning, agent_message, task_complete (about 300 bytes each).
// Projections fold every event, so a realistic turn structure matters to the cost.
eventstore::NewEvent turn_event(std::int64_t i) {
  static const std::string text(240, 't');
  const std::string turn = fmt::format("turn-{}", i / 5);
  eventstore::NewEvent e;
  e.kind = "event_msg";
  json p;
  switch (i % 5) {
    case 0: p = {{"type", "task_started"}, {"turn_id", turn}, {"model_context_window", 258400}}; break;
    case 1: p = {{"type", "user_message"}, {"message", text}, {"images", json::array()}}; break;
    case 2: p = {{"type", "agent_reasoning"}, {"text", text}}; break;
    case 3: p = {{"type", "agent_message"}, {"message", text}}; break;
    default: p = {{"type", "task_complete"}, {"turn_id", turn}, {"last_agent_message", text}}; break;
  }
  e.type = p["type"].get<std::string>();
  e.turn_id = turn;
  e.payload = p.dump();
  return e;
}

Result<std::unique_ptr<eventstore::Store>, std::string> fresh_store(const fs::path& db,
                                                                    eventstore::Synchronous sync,
                                                                    const std::string& thread) {
  remove_db(db);
  eventstore::StoreOptions options;
  options.synchronous = sync;
  auto store = eventstore::Store::open(db.string(), options);
  if (!store) return fail(store.error().message);
  views::attach_projections(*store.value());  // as the server runs: views kept current
  eventstore::NewEvent meta;
  meta.kind = "session_meta";
  meta.payload = session_meta_payload(thread);
  auto r = store.value()->append(thread, std::nullopt, std::span(&meta, 1));
  if (!r) return fail(r.error().message);
  return std::move(store.value());
}

// Single-event commits per second into a fresh database.
Result<double, std::string> spool_single_commits(const fs::path& db, eventstore::Synchronous sync,
                                                 int events) {
  const std::string thread = thread_uuid(1);
  auto store = fresh_store(db, sync, thread);
  if (!store) return fail(store.error());
  std::vector<eventstore::NewEvent> stream;
  for (int i = 0; i < events; ++i) stream.push_back(turn_event(i));
  const auto start = clock_type::now();
  for (const auto& event : stream) {
    auto r = store.value()->append(thread, std::nullopt, std::span(&event, 1));
    if (!r) return fail(r.error().message);
  }
  const double rate = events / seconds_since(start);
  store.value().reset();
  remove_db(db);
  return rate;
}

// Events per second appended `batch_size` to a commit (FULL).
Result<double, std::string> spool_batched(const fs::path& db, int events, int batch_size) {
  const std::string thread = thread_uuid(2);
  auto store = fresh_store(db, eventstore::Synchronous::Full, thread);
  if (!store) return fail(store.error());
  const int commits = std::max(1, events / batch_size);
  std::vector<std::vector<eventstore::NewEvent>> batches(static_cast<std::size_t>(commits));
  std::int64_t n = 0;
  for (auto& batch : batches) {
    for (int i = 0; i < batch_size; ++i) batch.push_back(turn_event(n++));
  }
  const auto start = clock_type::now();
  for (const auto& batch : batches) {
    auto r = store.value()->append(thread, std::nullopt, batch);
    if (!r) return fail(r.error().message);
  }
  const double rate = static_cast<double>(commits) * batch_size / seconds_since(start);
  store.value().reset();
  remove_db(db);
  return rate;
}

// Baseline append: JSONL lines written to one file, as a rollout recorder does. `sync_every`
// lines are followed by one fdatasync (0: never). Returns lines per second.
Result<double, std::string> baseline_append(const fs::path& file, int lines, int sync_every,
                                            int lines_per_write) {
  std::error_code ec;
  fs::remove(file, ec);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return fail(fmt::format("cannot open {}", file.string()));
  std::string line = fmt::format(
      "{{\"timestamp\":\"2026-01-01T00:00:00.000Z\",\"type\":\"event_msg\",\"payload\":{}}}\n",
      message_payload());
  std::string chunk;
  for (int i = 0; i < lines_per_write; ++i) chunk += line;
  const int writes = std::max(1, lines / lines_per_write);
  const auto start = clock_type::now();
  bool ok = true;
  for (int i = 0; i < writes && ok; ++i) {
    ok = ::write(fd, chunk.data(), chunk.size()) == static_cast<ssize_t>(chunk.size());
    if (ok && sync_every > 0 && (i + 1) % sync_every == 0) ok = ::fdatasync(fd) == 0;
  }
  const double rate = static_cast<double>(writes) * lines_per_write / seconds_since(start);
  ::close(fd);
  fs::remove(file, ec);
  if (!ok) return fail(fmt::format("writing {} failed", file.string()));
  return rate;
}

Result<AppendFigures, std::string> measure_append(const ReplayBenchOptions& o) {
  AppendFigures f;
  f.events = o.append_events;
  std::vector<double> full, normal, batched, b_full, b_normal, b_batched;
  const fs::path db = o.work_dir / "append.db";
  const fs::path file = o.work_dir / "append-baseline.jsonl";
  for (int t = 0; t < o.trials; ++t) {
    auto r = spool_single_commits(db, eventstore::Synchronous::Full, o.append_events);
    if (!r) return fail(r.error());
    full.push_back(*r);
    r = spool_single_commits(db, eventstore::Synchronous::Normal, o.append_events);
    if (!r) return fail(r.error());
    normal.push_back(*r);
    r = spool_batched(db, o.batch_events, o.batch_size);
    if (!r) return fail(r.error());
    batched.push_back(*r);
    r = baseline_append(file, o.append_events, 1, 1);
    if (!r) return fail(r.error());
    b_full.push_back(*r);
    r = baseline_append(file, o.append_events, 0, 1);
    if (!r) return fail(r.error());
    b_normal.push_back(*r);
    r = baseline_append(file, o.batch_events, 1, o.batch_size);
    if (!r) return fail(r.error());
    b_batched.push_back(*r);
  }
  f.full_commits_s = summarize(full);
  f.normal_commits_s = summarize(normal);
  f.batched_events_s = summarize(batched);
  f.baseline_full_commits_s = summarize(b_full);
  f.baseline_normal_commits_s = summarize(b_normal);
  f.baseline_batched_events_s = summarize(b_batched);
  return f;
}

// ---- list and resume ----------------------------------------------------------------------

std::int64_t count_turns(const std::vector<json>& lines) {
  std::int64_t turns = 0;
  for (const auto& l : lines) {
    if (l.value("type", std::string()) == "event_msg" && l.contains("payload") &&
        l["payload"].is_object() && l["payload"].value("type", std::string()) == "task_started")
      ++turns;
  }
  return turns;
}

struct ThreadRef {
  fs::path path;
  std::string id;
};

// The id in a rollout file's session_meta (its first line).
std::string rollout_id(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string first;
  std::getline(in, first);
  const auto j = json::parse(first, nullptr, false);
  if (j.is_discarded() || !j.contains("payload") || !j["payload"].is_object()) return "";
  return j["payload"].value("id", std::string());
}

Result<CorpusFigures, std::string> measure_corpus(const ReplayBenchOptions& o,
                                                  const fs::path& corpus, int index) {
  CorpusFigures f;
  f.corpus = corpus.string();
  // The live threads, and the big one (the largest file: the one with the most turns).
  ThreadRef big;
  std::uintmax_t big_size = 0;
  if (!fs::is_directory(corpus / "sessions"))
    return fail(fmt::format("{} is not a corpus (no sessions/)", corpus.string()));
  for (const auto& e : fs::recursive_directory_iterator(corpus / "sessions")) {
    if (!e.is_regular_file() || e.path().extension() != ".jsonl") continue;
    ++f.live_threads;
    if (e.file_size() > big_size) {
      big_size = e.file_size();
      big.path = e.path();
    }
  }
  if (f.live_threads < 2)
    return fail(fmt::format("{}: fewer than 2 live threads", corpus.string()));
  big.id = rollout_id(big.path);
  auto first = baseline_list_page(corpus, o.list_limit, 0);
  if (!first) return fail(first.error());
  ThreadRef small;
  for (const auto& item : *first) {
    if (item.path != big.path) {
      small = {item.path, item.id};
      break;
    }
  }
  auto big_lines = baseline_resume(big.path);
  if (!big_lines) return fail(big_lines.error());
  f.big_thread_turns = count_turns(*big_lines);
  auto small_lines = baseline_resume(small.path);
  if (!small_lines) return fail(small_lines.error());
  f.small_thread_turns = count_turns(*small_lines);
  f.deep_offset = f.live_threads / 2 / o.list_limit * o.list_limit;

  // Import: the import benchmark's figures, then one import for the server.
  ImportBenchOptions import_options{corpus, o.work_dir,
                                    o.import_trials > 0 ? o.import_trials : o.trials};
  auto imported = run_import_bench(import_options);
  if (!imported) return fail(imported.error());
  f.import = *imported;
  f.files = f.import.files;
  const fs::path db = o.work_dir / fmt::format("replay-{}.db", index);
  remove_db(db);
  {
    eventstore::StoreOptions options;
    options.synchronous = eventstore::Synchronous::Normal;
    auto store = eventstore::Store::open(db.string(), options);
    if (!store) return fail(store.error().message);
    views::attach_projections(*store.value());
    eventstore::RolloutImporter importer(*store.value());
    importer.import_codex_home(corpus);
    if (importer.report().files_failed) return fail(std::string("import for the server failed"));
  }

  std::vector<double> init, rss, list_first, list_deep, resume_small, resume_big;
  std::vector<double> b_first, b_deep, b_small, b_big;
  for (int t = 0; t < o.trials; ++t) {
    // The baseline, on the same files.
    auto start = clock_type::now();
    auto page = baseline_list_page(corpus, o.list_limit, 0);
    b_first.push_back(ms_since(start));
    if (!page || page->empty()) return fail(std::string("baseline list returned nothing"));
    start = clock_type::now();
    page = baseline_list_page(corpus, o.list_limit, f.deep_offset);
    b_deep.push_back(ms_since(start));
    if (!page || page->empty()) return fail(std::string("baseline deep page returned nothing"));
    start = clock_type::now();
    auto lines = baseline_resume(small.path);
    b_small.push_back(ms_since(start));
    if (!lines) return fail(lines.error());
    start = clock_type::now();
    lines = baseline_resume(big.path);
    b_big.push_back(ms_since(start));
    if (!lines) return fail(lines.error());

    // Spool: a fresh server per trial, so each resume is the first of its thread.
    ServerOptions so;
    so.binary = o.spool_binary;
    so.db = db;
    so.home = o.work_dir / "server-home";
    so.log = o.work_dir / "server.log";
    auto server = ServerClient::start(so);
    if (!server)
      return fail(fmt::format("spool serve: {} (see {})", server.error(), so.log.string()));
    ServerClient& c = *server.value();
    init.push_back(c.initialize_ms());

    auto answer = c.call("thread/list", list_params(o.list_limit));
    list_first.push_back(c.last_call_ms());
    if (!answer) return fail(answer.error());
    if (t == 0) {
      std::vector<std::string> spool_ids, base_ids;
      for (const auto& th : (*answer)["data"]) spool_ids.push_back(th.value("id", std::string()));
      for (const auto& item : *first) base_ids.push_back(item.id);
      f.first_page_matches = spool_ids == base_ids;
    }
    // Page (untimed) to the deep offset, 100 at a time while possible, then time one page.
    json cursor = nullptr;
    for (std::int64_t at = 0; at < f.deep_offset;) {
      const int step = f.deep_offset - at >= 100 ? 100 : o.list_limit;
      json params = list_params(step);
      if (!cursor.is_null()) params["cursor"] = cursor;
      auto skip = c.call("thread/list", params);
      if (!skip) return fail(skip.error());
      cursor = (*skip)["nextCursor"];
      at += step;
      if (cursor.is_null()) return fail(std::string("thread/list ran out before the deep page"));
    }
    json params = list_params(o.list_limit);
    if (!cursor.is_null()) params["cursor"] = cursor;

    answer = c.call("thread/list", params);
    list_deep.push_back(c.last_call_ms());
    if (!answer) return fail(answer.error());
    if ((*answer)["data"].empty()) return fail(std::string("thread/list deep page is empty"));

    answer = c.call("thread/resume", {{"threadId", small.id}});
    resume_small.push_back(c.last_call_ms());
    if (!answer) return fail(answer.error());

    answer = c.call("thread/resume", {{"threadId", big.id}});
    resume_big.push_back(c.last_call_ms());
    if (!answer) return fail(answer.error());
    rss.push_back(static_cast<double>(c.peak_rss_bytes()) / (1024.0 * 1024.0));
    c.stop();
  }
  remove_db(db);
  f.initialize_ms = summarize(init);
  f.peak_rss_mb = summarize(rss);
  f.list_first_ms = summarize(list_first);
  f.list_deep_ms = summarize(list_deep);
  f.resume_small_ms = summarize(resume_small);
  f.resume_big_ms = summarize(resume_big);
  f.baseline_list_first_ms = summarize(b_first);
  f.baseline_list_deep_ms = summarize(b_deep);
  f.baseline_resume_small_ms = summarize(b_small);
  f.baseline_resume_big_ms = summarize(b_big);
  return f;
}

json summary_json(const Summary& s) {
  return {{"median", s.median}, {"p99", s.p99}, {"min", s.min}, {"max", s.max}};
}

// Ratio of a latency to its baseline: how many times faster Spool is (higher is better).
double faster(const Summary& spool, const Summary& baseline) {
  return spool.median > 0 ? baseline.median / spool.median : 0;
}
// Ratio of a rate to its baseline (higher is better).
double rate_ratio(const Summary& spool, const Summary& baseline) {
  return baseline.median > 0 ? spool.median / baseline.median : 0;
}

// One table row. The tail column is the bad side: p99 of a latency, the slowest trial
// (min) of a rate (for a rate, Summary::p99 is the best trial).
std::string row(const std::string& what, const Summary& s, const Summary* base, double ratio,
                const char* unit, int precision) {
  const bool rate = std::string_view(unit).ends_with("/s");
  auto tail = [&](const Summary& x) { return rate ? x.min : x.p99; };
  auto num = [&](double v) { return fmt::format("{:.{}f} {}", v, precision, unit); };
  if (!base) return fmt::format("| {} | {} | {} | | | |\n", what, num(s.median), num(tail(s)));
  return fmt::format("| {} | {} | {} | {} | {} | {:.2f}x |\n", what, num(s.median), num(tail(s)),
                     num(base->median), num(tail(*base)), ratio);
}

constexpr const char* kTableHead =
    "| measurement | Spool median | Spool p99 / worst | baseline median | baseline p99 / worst | "
    "vs baseline |\n"
    "|---|---|---|---|---|---|\n";

}  // namespace

Result<ReplayBenchResult, std::string> run_replay_bench(const ReplayBenchOptions& o) {
  if (o.corpora.empty()) return fail(std::string("no corpus given"));
  if (o.trials < 1) return fail(std::string("trials must be at least 1"));
  std::error_code ec;
  fs::create_directories(o.work_dir, ec);
  if (ec) return fail(fmt::format("cannot create {}: {}", o.work_dir.string(), ec.message()));
  ReplayBenchResult r;
  r.trials = o.trials;
  auto append = measure_append(o);
  if (!append) return fail("append: " + append.error());
  r.append = *append;
  for (std::size_t i = 0; i < o.corpora.size(); ++i) {
    auto f = measure_corpus(o, o.corpora[i], static_cast<int>(i));
    if (!f) return fail(fmt::format("{}: {}", o.corpora[i].string(), f.error()));
    r.corpora.push_back(std::move(*f));
  }
  return r;
}

std::string replay_bench_markdown(const ReplayBenchResult& r) {
  const auto& a = r.append;
  std::string s = fmt::format(
      "## Append ({} trials; baseline: a JSONL line per event, fdatasync per commit)\n\n{}",
      r.trials, kTableHead);
  s += row(fmt::format("single-event commits, FULL ({} per trial)", a.events), a.full_commits_s,
           &a.baseline_full_commits_s, rate_ratio(a.full_commits_s, a.baseline_full_commits_s),
           "/s", 0);
  s += row("single-event commits, NORMAL (baseline: no fdatasync)", a.normal_commits_s,
           &a.baseline_normal_commits_s,
           rate_ratio(a.normal_commits_s, a.baseline_normal_commits_s), "/s", 0);
  s += row("batched events, FULL", a.batched_events_s, &a.baseline_batched_events_s,
           rate_ratio(a.batched_events_s, a.baseline_batched_events_s), "/s", 0);
  for (const auto& c : r.corpora) {
    s += fmt::format(
        "\n## {}: N = {} live threads ({} files), big thread M = {} turns\n\n"
        "Latencies in ms over JSON-RPC to a spawned `spool serve`; the baseline scans files "
        "(bench/baseline_scan.h). First pages {}.\n\n{}",
        c.corpus, c.live_threads, c.files, c.big_thread_turns,
        c.first_page_matches ? "match" : "DIFFER", kTableHead);
    s += row("thread/list first page", c.list_first_ms, &c.baseline_list_first_ms,
             faster(c.list_first_ms, c.baseline_list_first_ms), "ms", 2);
    s += row(fmt::format("thread/list page after {} threads", c.deep_offset), c.list_deep_ms,
             &c.baseline_list_deep_ms, faster(c.list_deep_ms, c.baseline_list_deep_ms), "ms", 2);
    s += row(fmt::format("thread/resume, small thread ({} turns)", c.small_thread_turns),
             c.resume_small_ms, &c.baseline_resume_small_ms,
             faster(c.resume_small_ms, c.baseline_resume_small_ms), "ms", 2);
    s += row(fmt::format("thread/resume, big thread ({} turns)", c.big_thread_turns),
             c.resume_big_ms, &c.baseline_resume_big_ms,
             faster(c.resume_big_ms, c.baseline_resume_big_ms), "ms", 2);
    s +=
        row("import (baseline: read + parse every line)", c.import.import_mb_s,
            &c.import.parse_mb_s, rate_ratio(c.import.import_mb_s, c.import.parse_mb_s), "MB/s", 1);
    s += row("import, events", c.import.import_events_s, nullptr, 0, "/s", 0);
    s += row("server start to initialize answer", c.initialize_ms, nullptr, 0, "ms", 2);
    s += row("server peak RSS", c.peak_rss_mb, nullptr, 0, "MB", 1);
  }
  if (r.corpora.size() > 1) {
    s += "\n## Scaling (medians, ms)\n\n"
         "| N | list first: Spool | baseline | list deep: Spool | baseline | M | resume big: "
         "Spool | baseline |\n|---|---|---|---|---|---|---|---|\n";
    for (const auto& c : r.corpora) {
      s += fmt::format("| {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {} | {:.2f} | {:.2f} |\n",
                       c.live_threads, c.list_first_ms.median, c.baseline_list_first_ms.median,
                       c.list_deep_ms.median, c.baseline_list_deep_ms.median, c.big_thread_turns,
                       c.resume_big_ms.median, c.baseline_resume_big_ms.median);
    }
  }
  return s;
}

json replay_bench_json(const ReplayBenchResult& r) {
  const auto& a = r.append;
  json out = {
      {"trials", r.trials},
      {"append",
       {{"events_per_trial", a.events},
        {"full_commits_s", summary_json(a.full_commits_s)},
        {"normal_commits_s", summary_json(a.normal_commits_s)},
        {"batched_events_s", summary_json(a.batched_events_s)},
        {"baseline_full_commits_s", summary_json(a.baseline_full_commits_s)},
        {"baseline_normal_commits_s", summary_json(a.baseline_normal_commits_s)},
        {"baseline_batched_events_s", summary_json(a.baseline_batched_events_s)},
        {"ratios",
         {{"full_commits_s", rate_ratio(a.full_commits_s, a.baseline_full_commits_s)},
          {"normal_commits_s", rate_ratio(a.normal_commits_s, a.baseline_normal_commits_s)},
          {"batched_events_s", rate_ratio(a.batched_events_s, a.baseline_batched_events_s)}}}}},
      {"corpora", json::array()}};
  for (const auto& c : r.corpora) {
    out["corpora"].push_back(
        {{"corpus", c.corpus},
         {"files", c.files},
         {"live_threads", c.live_threads},
         {"big_thread_turns", c.big_thread_turns},
         {"small_thread_turns", c.small_thread_turns},
         {"deep_offset", c.deep_offset},
         {"first_page_matches", c.first_page_matches},
         {"import", import_bench_json(c.import)},
         {"initialize_ms", summary_json(c.initialize_ms)},
         {"peak_rss_mb", summary_json(c.peak_rss_mb)},
         {"list_first_ms", summary_json(c.list_first_ms)},
         {"list_deep_ms", summary_json(c.list_deep_ms)},
         {"resume_small_ms", summary_json(c.resume_small_ms)},
         {"resume_big_ms", summary_json(c.resume_big_ms)},
         {"baseline",
          {{"list_first_ms", summary_json(c.baseline_list_first_ms)},
           {"list_deep_ms", summary_json(c.baseline_list_deep_ms)},
           {"resume_small_ms", summary_json(c.baseline_resume_small_ms)},
           {"resume_big_ms", summary_json(c.baseline_resume_big_ms)}}},
         {"ratios",
          {{"list_first", faster(c.list_first_ms, c.baseline_list_first_ms)},
           {"list_deep", faster(c.list_deep_ms, c.baseline_list_deep_ms)},
           {"resume_small", faster(c.resume_small_ms, c.baseline_resume_small_ms)},
           {"resume_big", faster(c.resume_big_ms, c.baseline_resume_big_ms)},
           {"import_mb_s", rate_ratio(c.import.import_mb_s, c.import.parse_mb_s)}}}});
  }
  return out;
}

Result<bool, std::string> replay_bench_plot(const ReplayBenchResult& r, const fs::path& png,
                                            const fs::path& work_dir) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    return fail(std::string("gnuplot is not installed (apt-get install gnuplot-nox); no plot"));
  const fs::path data = work_dir / "replay-plot.dat";
  const fs::path script = work_dir / "replay-plot.gp";
  {
    std::vector<const CorpusFigures*> by_n;
    for (const auto& c : r.corpora) by_n.push_back(&c);
    std::ofstream out(data);
    out << "# N list_first list_first_base list_deep list_deep_base M resume_big resume_big_base\n";
    std::sort(by_n.begin(), by_n.end(),
              [](auto* a, auto* b) { return a->live_threads < b->live_threads; });
    for (const auto* c : by_n) {
      out << fmt::format("{} {} {} {} {} {} {} {}\n", c->live_threads, c->list_first_ms.median,
                         c->baseline_list_first_ms.median, c->list_deep_ms.median,
                         c->baseline_list_deep_ms.median, c->big_thread_turns,
                         c->resume_big_ms.median, c->baseline_resume_big_ms.median);
    }
  }
  {
    std::ofstream out(script);
    out << fmt::format(
        "set terminal pngcairo size 1200,500\nset output '{}'\nset multiplot layout 1,2\n"
        "set logscale xy\nset key top left\nset grid\nset ylabel 'median latency (ms)'\n"
        "set xlabel 'N (live threads)'\nset title 'thread/list'\n"
        "plot '{}' u 1:2 w lp t 'Spool first page', '' u 1:3 w lp t 'baseline first page', "
        "'' u 1:4 w lp t 'Spool deep page', '' u 1:5 w lp t 'baseline deep page'\n"
        "set xlabel 'M (turns of the big thread)'\nset title 'thread/resume of the big thread'\n"
        "plot '{}' u 6:7 smooth unique w lp t 'Spool', '' u 6:8 smooth unique w lp t 'baseline'\nunset multiplot\n",
        png.string(), data.string(), data.string());
  }
  const std::string command = fmt::format("gnuplot '{}'", script.string());
  if (std::system(command.c_str()) != 0) return fail(std::string("gnuplot failed"));
  return true;
}

}  // namespace spool::bench
