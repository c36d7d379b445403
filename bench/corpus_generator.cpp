#include "bench/corpus_generator.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>

#include "base/time.h"

namespace spool::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// splitmix64: tiny, fast, and the same on every platform (std distributions are not).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::int64_t range(std::int64_t lo, std::int64_t hi) {  // [lo, hi]
    return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& a) {
    return a[next() % N];
  }

 private:
  std::uint64_t state_;
};

constexpr std::array<const char*, 40> kWords = {
    "the",    "build",  "fails", "when",  "parser", "reads",   "a",      "torn",
    "line",   "fix",    "test",  "cache", "thread", "list",    "resume", "slow",
    "index",  "query",  "rust",  "cpp",   "module", "import",  "export", "error",
    "config", "toml",   "model", "token", "stream", "socket",  "client", "server",
    "please", "update", "docs",  "and",   "check",  "warning", "flaky",  "ci"};
constexpr std::array<const char*, 4> kProviders = {"openai", "azure", "ollama", "mock"};
constexpr std::array<const char*, 3> kSources = {"cli", "vscode", "exec"};
constexpr std::array<const char*, 6> kCwds = {"/home/dev/spool",  "/home/dev/webapp",
                                              "/home/dev/infra",  "/home/dev/notes",
                                              "/srv/build/agent", "/home/dev/ml"};

std::string words(Rng& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += rng.pick(kWords);
  }
  return s;
}

std::string uuid7(Rng& rng, std::int64_t ms) {
  const std::uint64_t a = rng.next(), b = rng.next();
  return fmt::format("{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}", static_cast<std::uint64_t>(ms) >> 16,
                     static_cast<std::uint64_t>(ms) & 0xffff, a & 0xfff,
                     0x8000 | ((a >> 12) & 0x3fff), b & 0xffffffffffffULL);
}

std::string line(std::int64_t ms, std::int64_t ordinal, const char* kind, const json& payload) {
  return fmt::format("{{\"timestamp\":\"{}\",\"ordinal\":{},\"type\":\"{}\",\"payload\":{}}}\n",
                     format_rfc3339_ms(ms), ordinal, kind, payload.dump());
}

struct ThreadShape {
  int turns;
  bool archived;
};

// Writes one thread; returns lines and bytes written.
std::pair<std::int64_t, std::int64_t> write_thread(const fs::path& home, Rng& rng,
                                                   const ThreadShape& shape, std::string* id_out) {
  constexpr std::int64_t kStart = 1732406400000;  // 2024-11-24T00:00:00Z
  constexpr std::int64_t kTwoYears = 2LL * 365 * 24 * 3600 * 1000;
  std::int64_t t = kStart + rng.range(0, kTwoYears);
  const std::string id = uuid7(rng, t);
  if (id_out) *id_out = id;
  const std::string provider = rng.pick(kProviders);
  const std::string source = rng.pick(kSources);
  const std::string cwd = rng.pick(kCwds);

  const std::string stamp = format_rfc3339_ms(t);  // 2026-11-24T06:18:43.540Z
  std::string file_time = stamp.substr(0, 19);       // 2026-11-24T06-18-43, as Codex names files
  std::replace(file_time.begin(), file_time.end(), ':', '-');
  const std::string name = "rollout-" + file_time + "-" + id + ".jsonl";
  const fs::path dir = shape.archived ? home / "archived_sessions"
                                      : home / "sessions" / stamp.substr(0, 4) /
                                            stamp.substr(5, 2) / stamp.substr(8, 2);
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);

  std::int64_t lines = 0, bytes = 0, ordinal = 0;
  auto emit = [&](const char* kind, const json& payload) {
    const std::string l = line(t, ordinal++, kind, payload);
    out << l;
    ++lines;
    bytes += static_cast<std::int64_t>(l.size());
    t += rng.range(20, 900);
  };

  emit("session_meta", {{"id", id},
                        {"session_id", id},
                        {"timestamp", stamp},
                        {"cwd", cwd},
                        {"originator", "codex_cli_rs"},
                        {"cli_version", "0.169.0"},
                        {"source", source},
                        {"model_provider", provider},
                        {"base_instructions", {{"text", words(rng, 60)}}}});
  std::int64_t total_tokens = 0;
  for (int turn = 0; turn < shape.turns; ++turn) {
    const std::string turn_id = uuid7(rng, t);
    emit("turn_context", {{"turn_id", turn_id},
                          {"cwd", cwd},
                          {"approval_policy", "on-request"},
                          {"sandbox_policy", {{"type", "workspace-write"}}},
                          {"model", "gpt-5-codex"},
                          {"effort", "medium"},
                          {"summary", "auto"}});
    emit("event_msg", {{"type", "task_started"}, {"turn_id", turn_id}, {"model_context_window", 258400}});
    const std::string request = words(rng, static_cast<int>(rng.range(8, 60)));
    emit("response_item", {{"type", "message"},
                           {"role", "user"},
                           {"content", json::array({{{"type", "input_text"}, {"text", request}}})}});
    emit("event_msg", {{"type", "user_message"}, {"message", request}, {"images", json::array()}});
    const std::string thought = words(rng, static_cast<int>(rng.range(20, 80)));
    emit("response_item",
         {{"type", "reasoning"},
          {"summary", json::array({{{"type", "summary_text"}, {"text", thought}}})},
          {"content", nullptr},
          {"encrypted_content", std::string(static_cast<std::size_t>(rng.range(200, 1200)), 'Q')}});
    emit("event_msg", {{"type", "agent_reasoning"}, {"text", thought}});
    const std::string call_id = fmt::format("call_{:016x}", rng.next());
    emit("response_item",
         {{"type", "function_call"},
          {"name", "shell"},
          {"arguments", json({{"command", json::array({"bash", "-lc", words(rng, 6)})},
                              {"workdir", cwd}})
                            .dump()},
          {"call_id", call_id}});
    std::string output;
    const int output_lines = static_cast<int>(rng.range(5, 60));
    for (int i = 0; i < output_lines; ++i) output += words(rng, 8) + "\n";
    emit("response_item", {{"type", "function_call_output"},
                           {"call_id", call_id},
                           {"output", json({{"output", output},
                                            {"metadata", {{"exit_code", 0}, {"duration_seconds", 0.4}}}})
                                          .dump()}});
    const std::string answer = words(rng, static_cast<int>(rng.range(20, 120)));
    emit("response_item",
         {{"type", "message"},
          {"role", "assistant"},
          {"content", json::array({{{"type", "output_text"}, {"text", answer}}})}});
    emit("event_msg", {{"type", "agent_message"}, {"message", answer}});
    const std::int64_t used = rng.range(2000, 9000);
    total_tokens += used;
    emit("event_msg", {{"type", "token_count"},
                       {"info",
                        {{"total_token_usage", {{"input_tokens", total_tokens}, {"output_tokens", used / 10}, {"total_tokens", total_tokens + used / 10}}},
                         {"last_token_usage", {{"input_tokens", used}, {"output_tokens", used / 10}, {"total_tokens", used + used / 10}}},
                         {"model_context_window", 258400}}},
                       {"rate_limits", nullptr}});
    emit("event_msg", {{"type", "task_complete"}, {"turn_id", turn_id}, {"last_agent_message", answer}});
  }
  out.close();
  return {lines, bytes};
}

}  // namespace

Result<CorpusSummary, std::string> generate_corpus(const CorpusOptions& o) {
  if (o.out.empty()) return fail(std::string("no output directory"));
  if (o.threads < 0 || o.turns < 0 || o.big_thread_turns < 0)
    return fail(std::string("counts must not be negative"));
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) return fail(fmt::format("cannot create {}: {}", o.out.string(), ec.message()));
  Rng rng(o.seed);
  CorpusSummary s;
  try {
    for (int i = 0; i < o.threads; ++i) {
      const bool archived = rng.range(0, 19) == 0;  // 5% archived
      const auto [lines, bytes] = write_thread(o.out, rng, {o.turns, archived}, nullptr);
      ++s.files;
      s.lines += lines;
      s.bytes += bytes;
    }
    if (o.big_thread_turns > 0) {
      const auto [lines, bytes] =
          write_thread(o.out, rng, {o.big_thread_turns, false}, &s.big_thread_id);
      ++s.files;
      s.lines += lines;
      s.bytes += bytes;
    }
  } catch (const std::exception& e) {
    return fail(fmt::format("writing the corpus under {}: {}", o.out.string(), e.what()));
  }
  return s;
}

}  // namespace spool::bench
