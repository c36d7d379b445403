// Commands for the history: shell quoting, and v2 CommandExecution items from Codex's core
// TurnItems, exec events, shell tool calls and their outputs (see history_convert.h).
#include <cctype>
#include <cmath>
#include <variant>

#include "projections/history_convert.h"

namespace spool::projections::history {
namespace {

using nlohmann::json;

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool shell_safe(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
}

std::string quote(const std::string& arg) {
  if (arg.empty()) return "''";
  bool safe = true;
  for (const char c : arg) safe = safe && shell_safe(c);
  if (safe) return arg;
  std::string out = "'";
  for (const char c : arg) {
    if (c == '\'') {
      out += "'\"'\"'";
    } else {
      out += c;
    }
  }
  return out + "'";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The script of [shell, "-lc" | "-c", script], else the whole command joined.
std::string script_of(const std::vector<std::string>& argv) {
  if (argv.size() == 3 && (argv[1] == "-lc" || argv[1] == "-c")) return argv[2];
  return join_command(argv);
}

v2::CommandExecutionThreadItem command_from_argv(const std::string& id,
                                                 const std::vector<std::string>& argv,
                                                 std::string_view cwd) {
  v2::CommandExecutionThreadItem c;
  c.id = id;
  c.command = join_command(argv);
  c.cwd = path_from_cwd(cwd);
  c.status = v2::CommandExecutionStatus::InProgress;
  c.commandActions.push_back(v2::UnknownCommandAction{script_of(argv)});
  return c;
}

std::optional<std::vector<std::string>> string_array(const json& j) {
  if (!j.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : j) {
    if (!e.is_string()) return std::nullopt;
    out.push_back(e.get<std::string>());
  }
  return out;
}

// The integer after `marker` in `text` ("Process exited with code 0").
std::optional<std::int32_t> int_after(std::string_view text, std::string_view marker) {
  const auto at = text.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t i = at + marker.size();
  bool negative = false;
  if (i < text.size() && text[i] == '-') {
    negative = true;
    ++i;
  }
  std::int64_t v = 0;
  std::size_t digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0 && digits < 9) {
    v = v * 10 + (text[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  return static_cast<std::int32_t>(negative ? -v : v);
}

}  // namespace

std::string join_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += quote(a);
  }
  return out;
}

std::string path_from_cwd(std::string_view cwd) {
  if (!cwd.starts_with("file://")) return std::string(cwd);
  cwd.remove_prefix(7);
  std::string out;
  for (std::size_t i = 0; i < cwd.size(); ++i) {
    if (cwd[i] == '%' && i + 2 < cwd.size() && hex_value(cwd[i + 1]) >= 0 &&
        hex_value(cwd[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(cwd[i + 1]) * 16 + hex_value(cwd[i + 2]));
      i += 2;
    } else {
      out += cwd[i];
    }
  }
  return out;
}

std::int64_t duration_ms(const core::Duration& d) {
  return static_cast<std::int64_t>(d.secs) * 1000 + static_cast<std::int64_t>(d.nanos / 1000000);
}

std::vector<v2::CommandAction> command_actions(const std::vector<core::ParsedCommand>& parsed) {
  std::vector<v2::CommandAction> out;
  for (const auto& p : parsed) {
    std::visit(
        [&](const auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, core::ReadParsedCommand>) {
            out.push_back(v2::ReadCommandAction{c.cmd, c.name, c.path});
          } else if constexpr (std::is_same_v<T, core::ListFilesParsedCommand>) {
            out.push_back(v2::ListFilesCommandAction{c.cmd, c.path});
          } else if constexpr (std::is_same_v<T, core::SearchParsedCommand>) {
            out.push_back(v2::SearchCommandAction{c.cmd, c.query, c.path});
          } else if constexpr (std::is_same_v<T, core::UnknownParsedCommand>) {
            out.push_back(v2::UnknownCommandAction{c.cmd});
          } else {
            out.push_back(v2::UnknownCommandAction{str(c.raw, "cmd").value_or("")});
          }
        },
        static_cast<const core::ParsedCommand::variant&>(p));
  }
  return out;
}

v2::CommandExecutionSource command_source(core::ExecCommandSource s) {
  switch (s) {
    case core::ExecCommandSource::Agent:
      return v2::CommandExecutionSource::Agent;
    case core::ExecCommandSource::UserShell:
      return v2::CommandExecutionSource::UserShell;
    case core::ExecCommandSource::UnifiedExecStartup:
      return v2::CommandExecutionSource::UnifiedExecStartup;
    case core::ExecCommandSource::UnifiedExecInteraction:
      return v2::CommandExecutionSource::UnifiedExecInteraction;
  }
  return v2::CommandExecutionSource::Agent;
}

std::optional<v2::CommandExecutionStatus> command_status(std::string_view s) {
  if (s == "completed") return v2::CommandExecutionStatus::Completed;
  if (s == "failed") return v2::CommandExecutionStatus::Failed;
  if (s == "declined") return v2::CommandExecutionStatus::Declined;
  if (s == "in_progress" || s == "inProgress") return v2::CommandExecutionStatus::InProgress;
  return std::nullopt;
}

v2::CommandExecutionThreadItem command_from_core(const core::CommandExecutionTurnItem& c) {
  v2::CommandExecutionThreadItem out;
  out.id = c.id;
  out.command = join_command(c.command);
  out.cwd = path_from_cwd(c.cwd);
  out.processId = c.process_id;
  out.source = command_source(c.source);
  out.status = command_status(c.status).value_or(c.exit_code.value_or(0) == 0
                                                     ? v2::CommandExecutionStatus::Completed
                                                     : v2::CommandExecutionStatus::Failed);
  out.commandActions = command_actions(c.parsed_cmd);
  out.aggregatedOutput = c.aggregated_output;
  out.exitCode = c.exit_code;
  if (c.duration) out.durationMs = duration_ms(*c.duration);
  return out;
}

v2::CommandExecutionThreadItem command_from_begin(const core::ExecCommandBeginEventMsg& b) {
  v2::CommandExecutionThreadItem out;
  out.id = b.call_id;
  out.command = join_command(b.command);
  out.cwd = path_from_cwd(b.cwd);
  out.processId = b.process_id;
  out.source = command_source(b.source);
  out.status = v2::CommandExecutionStatus::InProgress;
  out.commandActions = command_actions(b.parsed_cmd);
  return out;
}

v2::CommandExecutionThreadItem command_from_end(const core::ExecCommandEndEventMsg& end,
                                                const std::optional<std::string>& status) {
  v2::CommandExecutionThreadItem out;
  out.id = end.call_id;
  out.command = join_command(end.command);
  out.cwd = path_from_cwd(end.cwd);
  out.processId = end.process_id;
  out.source = command_source(end.source);
  out.status = (status ? command_status(*status) : std::nullopt)
                   .value_or(end.exit_code == 0 ? v2::CommandExecutionStatus::Completed
                                                : v2::CommandExecutionStatus::Failed);
  out.commandActions = command_actions(end.parsed_cmd);
  // 0.60.1 ends a declined command with exit code -1 and the rejection as its output.
  if (!status && end.exit_code == -1 && contains(end.aggregated_output, "rejected by user")) {
    out.status = v2::CommandExecutionStatus::Declined;
  }
  if (out.status == v2::CommandExecutionStatus::Declined) return out;  // it never ran
  if (!end.aggregated_output.empty()) out.aggregatedOutput = end.aggregated_output;
  out.exitCode = end.exit_code;
  out.durationMs = duration_ms(end.duration);
  return out;
}

std::optional<v2::CommandExecutionThreadItem> command_from_call(std::string_view name,
                                                                const json& args,
                                                                const std::string& call_id,
                                                                std::string_view cwd) {
  if (!args.is_object()) return std::nullopt;
  const std::string workdir = str(args, "workdir").value_or(std::string(cwd));
  if (name == "shell" || name == "container.exec" || name == "local_shell") {
    const auto it = args.find("command");
    if (it == args.end()) return std::nullopt;
    const auto argv = string_array(*it);
    if (!argv || argv->empty()) return std::nullopt;
    return command_from_argv(call_id, *argv, workdir);
  }
  if (name == "exec_command" || name == "shell_command") {
    const auto script = str(args, name == "exec_command" ? "cmd" : "command");
    if (!script) return std::nullopt;
    const auto login = args.find("login");
    const bool use_login = login == args.end() || !login->is_boolean() || login->get<bool>();
    const std::string shell = str(args, "shell").value_or("/bin/bash");
    return command_from_argv(call_id, {shell, use_login ? "-lc" : "-c", *script}, workdir);
  }
  return std::nullopt;
}

void complete_command_from_output(v2::CommandExecutionThreadItem& c, const std::string& output) {
  if (contains(output, "rejected by user")) {
    c.status = v2::CommandExecutionStatus::Declined;
    return;
  }
  const json parsed = json::parse(output, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("metadata")) {
    const json& meta = parsed["metadata"];
    c.aggregatedOutput = str(parsed, "output");
    if (meta.is_object() && meta.contains("exit_code") && meta["exit_code"].is_number_integer()) {
      c.exitCode = meta["exit_code"].get<std::int32_t>();
    }
    if (meta.is_object() && meta.contains("duration_seconds") &&
        meta["duration_seconds"].is_number()) {
      c.durationMs = std::llround(meta["duration_seconds"].get<double>() * 1000.0);
    }
    c.status = c.exitCode.value_or(0) == 0 ? v2::CommandExecutionStatus::Completed
                                           : v2::CommandExecutionStatus::Failed;
    return;
  }
  const auto body = output.find("Output:\n");
  c.aggregatedOutput = body == std::string::npos ? output : output.substr(body + 8);
  c.exitCode = int_after(output, "Process exited with code ");
  if (c.exitCode) {
    c.status = *c.exitCode == 0 ? v2::CommandExecutionStatus::Completed
                                : v2::CommandExecutionStatus::Failed;
  } else if (!contains(output, "Process running with session ID")) {
    c.status = v2::CommandExecutionStatus::Failed;  // the tool failed before running it
  }
}

}  // namespace spool::projections::history
