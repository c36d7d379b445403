// The `shell` call's arguments, POSIX quoting both ways, and the outputs the model reads.
#include "engine/tools/shell_call.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

namespace spool::engine {
namespace {

using nlohmann::json;

constexpr std::string_view kExample = R"({"command": ["ls", "-la"]})";

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// Bytes that never need quoting in any word. Everything else, including every byte of a
// non-ASCII character (some locales' multibyte encodings have '\' as a trailing byte), is
// quoted. '=' is safe except in the first word, where `A=b` would be an assignment.
bool is_plain_byte(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '_':
    case '-':
    case '.':
    case '/':
    case ':':
    case ',':
    case '+':
    case '@':
    case '%':
    case '=':
      return true;
    default:
      return false;
  }
}

bool needs_quotes(std::string_view word, bool first) {
  if (word.empty()) return true;
  for (char c : word) {
    if (!is_plain_byte(c) || (first && c == '=')) return true;
  }
  return false;
}

// 'word' with each ' written as '\'' (close, escaped quote, reopen).
void append_quoted(std::string& out, std::string_view word) {
  out += '\'';
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

}  // namespace

Result<ShellCallArgs, std::string> parse_shell_call(std::string_view arguments_json) {
  const json j = json::parse(arguments_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return "shell: the arguments are not valid JSON; send an object like " + std::string(kExample);
  }
  if (!j.is_object()) {
    return "shell: the arguments must be a JSON object like " + std::string(kExample);
  }

  ShellCallArgs args;
  const auto command = j.find("command");
  if (command == j.end() || command->is_null()) {
    return "shell: `command` is required: a non-empty array of strings, like " +
           std::string(kExample);
  }
  if (command->is_string()) {
    return std::string(
        "shell: `command` must be an array of strings (argv), not a string; to run a shell "
        "script, send [\"bash\", \"-lc\", \"<script>\"]");
  }
  if (!command->is_array() || command->empty()) {
    return std::string("shell: `command` must be a non-empty array of strings");
  }
  for (std::size_t i = 0; i < command->size(); ++i) {
    const json& arg = (*command)[i];
    const std::string field = "`command[" + std::to_string(i) + "]`";
    if (!arg.is_string()) return "shell: " + field + " must be a string";
    const auto& s = arg.get_ref<const std::string&>();
    if (has_nul(s)) return "shell: " + field + " must not contain a NUL character";
    if (i == 0 && s.empty()) return "shell: " + field + " must name the program to run";
    args.command.push_back(s);
  }

  if (const auto workdir = j.find("workdir"); workdir != j.end() && !workdir->is_null()) {
    if (!workdir->is_string()) return std::string("shell: `workdir` must be a string or null");
    const auto& s = workdir->get_ref<const std::string&>();
    if (has_nul(s)) return std::string("shell: `workdir` must not contain a NUL character");
    args.workdir = s;
  }

  if (const auto timeout = j.find("timeout_ms"); timeout != j.end() && !timeout->is_null()) {
    const std::string error =
        "shell: `timeout_ms` must be a positive integer (milliseconds) or null";
    if (timeout->is_number_unsigned()) {
      const auto v = timeout->get<std::uint64_t>();
      if (v == 0 || v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return error;
      }
      args.timeout_ms = static_cast<std::int64_t>(v);
    } else if (timeout->is_number_integer()) {  // parsed JSON keeps only negatives signed
      const auto v = timeout->get<std::int64_t>();
      if (v <= 0) return error;
      args.timeout_ms = v;
    } else {
      return error;  // a float (even 1000.0), a string, a bool, ...
    }
  }
  // Other keys are ignored: the tool's schema says additionalProperties: false, but a model
  // that adds one should not lose its command over it.
  return args;
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out += ' ';
    if (needs_quotes(argv[i], i == 0)) {
      append_quoted(out, argv[i]);
    } else {
      out += argv[i];
    }
  }
  return out;
}

std::optional<std::vector<std::string>> shell_split(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;  // a word has started, even if it is still empty ('' or "")
  const std::size_t n = line.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = line[i];
    if (is_blank(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\\') {
      if (i + 1 == n) {  // a trailing backslash escapes nothing: kept, as sh -c keeps it
        word += '\\';
        in_word = true;
        ++i;
      } else if (line[i + 1] == '\n') {  // line continuation: removed, splits nothing
        i += 2;
      } else {
        word += line[i + 1];
        in_word = true;
        i += 2;
      }
    } else if (c == '\'') {
      const std::size_t close = line.find('\'', i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      word.append(line.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      in_word = true;
      ++i;
      for (;;) {
        if (i == n) return std::nullopt;
        const char d = line[i];
        if (d == '"') {
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < n) {
          const char e = line[i + 1];
          if (e == '$' || e == '`' || e == '"' || e == '\\') {
            word += e;
            i += 2;
            continue;
          }
          if (e == '\n') {
            i += 2;
            continue;
          }
        }
        word += d;  // any other backslash is literal inside double quotes
        ++i;
      }
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string command_output_for_model(int exit_code, std::int64_t duration_ms,
                                     std::string_view output) {
  // Tenths of a second, rounded half up, in integers so that 50 ms is always "0.1".
  const std::int64_t tenths =
      duration_ms <= 0 ? 0 : duration_ms / 100 + (duration_ms % 100 >= 50 ? 1 : 0);
  std::string out = "Exit code: " + std::to_string(exit_code) +
                    "\nWall time: " + std::to_string(tenths / 10) + "." +
                    std::to_string(tenths % 10) + " seconds\nOutput:\n";
  out.append(output);
  return out;
}

std::string command_not_run_for_model(std::string_view reason) {
  std::string out = "Command not run: ";
  out.append(reason);
  return out;
}

}  // namespace spool::engine
