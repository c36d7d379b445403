// Stored v2 items to Responses input items, in order, every function_call followed by its
// function_call_output.
#include "engine/history_input.h"

#include <nlohmann/json.hpp>
#include <type_traits>
#include <utility>
#include <variant>

#include "engine/tools/shell_call.h"

namespace spool::engine {
namespace {

namespace v2 = protocol::v2;

std::string user_text(const v2::UserMessageThreadItem& item) {
  std::string text;
  auto add = [&](std::string_view part) {
    if (part.empty()) return;
    if (!text.empty()) text += '\n';
    text.append(part);
  };
  for (const v2::UserInput& input : item.content) {
    std::visit(
        [&](const auto& in) {
          using T = std::decay_t<decltype(in)>;
          if constexpr (std::is_same_v<T, v2::TextUserInput>) {
            add(in.text);
          } else if constexpr (std::is_same_v<T, v2::ImageUserInput>) {
            add("[image: " + in.url + "]");
          } else if constexpr (std::is_same_v<T, v2::LocalImageUserInput>) {
            add("[image: " + in.path + "]");
          }
          // Audio, skills and mentions are not sent (see the header).
        },
        static_cast<const v2::UserInput::variant&>(input));
  }
  return text;
}

// The function_call_output the model got (or would have got) for the command.
std::string command_output(const v2::CommandExecutionThreadItem& item) {
  using Status = v2::CommandExecutionStatus;
  switch (item.status) {
    case Status::Declined:
      return std::string(kDeclinedOutput);
    case Status::InProgress:
      return std::string(kAbortedOutput);
    case Status::Completed:
    case Status::Failed:
      break;
  }
  const std::string output = item.aggregatedOutput.value_or("");
  if (item.exitCode) {
    return command_output_for_model(*item.exitCode, item.durationMs.value_or(0), output);
  }
  if (item.status == Status::Completed) {  // completed means exit code 0
    return command_output_for_model(0, item.durationMs.value_or(0), output);
  }
  // Failed before it had an exit code: refused, or could not be spawned. TurnRunner keeps
  // the reason in aggregatedOutput.
  return command_not_run_for_model(output.empty() ? "it failed" : output);
}

// The argv the model sent. Spool writes item.command as shell_join(argv), which splits back
// exactly. A command written otherwise (imported, or a script such as "ls && pwd") that holds
// bytes a shell would treat differently from a plain word split is sent as the script of
// `bash -lc`, so the model never sees "&&" as an argument.
std::vector<std::string> command_argv(const std::string& command) {
  constexpr std::string_view kShellSpecial = ";&|<>()$`\n*?[{~#";
  std::optional<std::vector<std::string>> words = shell_split(command);
  if (words && !words->empty() &&
      (command.find_first_of(kShellSpecial) == std::string::npos ||
       shell_join(*words) == command)) {
    return std::move(*words);
  }
  return {"bash", "-lc", command};
}

void add_command(const v2::CommandExecutionThreadItem& item, std::vector<InputItem>& out) {
  const nlohmann::json arguments{{"command", command_argv(item.command)}};
  // Stored text is valid UTF-8; replace() only keeps a hand-built item from throwing.
  out.push_back(FunctionCallInput{
      item.id, "shell", arguments.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
  out.push_back(FunctionCallOutputInput{item.id, command_output(item)});
}

}  // namespace

std::vector<InputItem> history_input(const std::vector<v2::Turn>& turns) {
  std::vector<InputItem> out;
  for (const v2::Turn& turn : turns) {
    for (const v2::ThreadItem& item : turn.items) {
      std::visit(
          [&](const auto& it) {
            using T = std::decay_t<decltype(it)>;
            if constexpr (std::is_same_v<T, v2::UserMessageThreadItem>) {
              std::string text = user_text(it);
              if (!text.empty()) out.push_back(UserMessageInput{std::move(text)});
            } else if constexpr (std::is_same_v<T, v2::AgentMessageThreadItem>) {
              if (!it.text.empty()) out.push_back(AssistantMessageInput{it.text});
            } else if constexpr (std::is_same_v<T, v2::CommandExecutionThreadItem>) {
              add_command(it, out);
            }
          },
          static_cast<const v2::ThreadItem::variant&>(item));
    }
  }
  return out;
}

}  // namespace spool::engine
