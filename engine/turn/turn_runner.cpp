// TurnRunner: the turn's life (start, completion, failure, interrupt), the model requests and
// the items their streams describe. Tool calls are in turn_commands.cpp.
#include "engine/turn/turn_runner.h"

#include <algorithm>
#include <cctype>
#include <utility>
#include <variant>

#include "engine/rate_limit_headers.h"
#include "engine/responses_request.h"
#include "engine/turn/turn_runner_impl.h"
#include "protocol/codec.h"

namespace spool::engine {
namespace {

using nlohmann::json;
namespace v2 = protocol::v2;

std::int64_t seconds(std::int64_t ms) { return ms / 1000; }

const std::string& id_of(const v2::ThreadItem& item) {
  return std::visit([](const auto& i) -> const std::string& { return i.id; }, item);
}

template <class T>
void set_times(T& item, std::optional<std::int64_t> started, std::optional<std::int64_t> completed) {
  item.startedAtMs = started;
  item.completedAtMs = completed;
}

std::optional<std::int64_t> started_at(const v2::ThreadItem& item) {
  return std::visit([](const auto& i) -> std::optional<std::int64_t> {
    if constexpr (requires { i.startedAtMs; }) {
      return i.startedAtMs;
    } else {
      return std::nullopt;
    }
  }, item);
}

void set_completed_at(v2::ThreadItem& item, std::int64_t ms) {
  std::visit([&](auto& i) {
    if constexpr (requires { i.completedAtMs; }) i.completedAtMs = ms;
  }, item);
}

// codex_error_info as Codex's core events spell it (snake_case strings).
std::string error_info(const ModelError& e) {
  switch (e.kind) {
    case ModelErrorKind::Unauthorized: return "unauthorized";
    case ModelErrorKind::UsageLimit: return "usage_limit_exceeded";
    case ModelErrorKind::HttpStatus:
      if (e.http_status >= 500) return "internal_server_error";
      if (e.http_status == 404) return "model_not_found";
      return "bad_request";
    case ModelErrorKind::ResponseFailed:
      if (e.code == "context_length_exceeded") return "context_window_exceeded";
      if (e.code == "server_error") return "internal_server_error";
      if (e.code == "rate_limit_exceeded") return "usage_limit_exceeded";
      return "other";
    case ModelErrorKind::Connection:
    case ModelErrorKind::StreamDropped:
    case ModelErrorKind::BadStream:
    case ModelErrorKind::Cancelled: return "other";
  }
  return "other";
}

std::string camel_case(std::string_view snake) {
  std::string out;
  bool upper = false;
  for (const char c : snake) {
    if (c == '_') {
      upper = true;
    } else {
      out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
  }
  return out;
}

std::string message_text(const MessageItem& m) {
  std::string text;
  for (const auto& part : m.content) {
    if (part.type == "output_text" || part.type == "refusal") text += part.text;
  }
  return text;
}

json usage_json(const v2::TokenUsageBreakdown& u) {
  return {{"input_tokens", u.inputTokens},
          {"cached_input_tokens", u.cachedInputTokens},
          {"output_tokens", u.outputTokens},
          {"reasoning_output_tokens", u.reasoningOutputTokens},
          {"total_tokens", u.totalTokens}};
}

json rate_limits_json(const v2::RateLimitSnapshot& s) {
  const auto window = [](const std::optional<v2::RateLimitWindow>& w) -> json {
    if (!w) return nullptr;
    return {{"used_percent", w->usedPercent},
            {"window_minutes", w->windowDurationMins ? json(*w->windowDurationMins) : json()},
            {"resets_at", w->resetsAt ? json(*w->resetsAt) : json()}};
  };
  json credits = nullptr;
  if (s.credits) {
    credits = {{"has_credits", s.credits->hasCredits},
               {"unlimited", s.credits->unlimited},
               {"balance", s.credits->balance ? json(*s.credits->balance) : json()}};
  }
  return {{"limit_id", s.limitId ? json(*s.limitId) : json()},
          {"limit_name", s.limitName ? json(*s.limitName) : json()},
          {"primary", window(s.primary)},
          {"secondary", window(s.secondary)},
          {"credits", credits},
          {"plan_type", nullptr}};
}

}  // namespace

// --- TurnRunner ----------------------------------------------------------------------------

TurnRunner::TurnRunner(uv_loop_s* loop, HttpClient& http, TurnConfig config,
                       TurnObserver& observer)
    : impl_(std::make_unique<Impl>(loop, http, std::move(config), observer)) {}
TurnRunner::~TurnRunner() = default;
void TurnRunner::start() { impl_->start(); }
bool TurnRunner::interrupt() { return impl_->interrupt(); }
bool TurnRunner::running() const {
  return impl_->phase_ != Impl::Phase::Idle && impl_->phase_ != Impl::Phase::Done;
}
const std::string& TurnRunner::turn_id() const { return impl_->config_.turn_id; }

// --- the turn ------------------------------------------------------------------------------

TurnRunner::Impl::Impl(uv_loop_s* loop, HttpClient& http, TurnConfig config,
                       TurnObserver& observer)
    : loop_(loop), http_(http), config_(std::move(config)), observer_(observer) {
  if (config_.prior_total) total_usage_ = *config_.prior_total;
  if (!config_.session_approvals) config_.session_approvals = std::make_shared<SessionApprovals>();
}

json TurnRunner::Impl::turn_fields() const {
  return {{"thread_id", config_.thread_id}, {"turn_id", config_.turn_id}};
}

void TurnRunner::Impl::emit(json msg) { observer_.on_event(msg); }

void TurnRunner::Impl::start() {
  phase_ = Phase::Sampling;
  started_ms_ = now();
  emit({{"type", "task_started"},
        {"turn_id", config_.turn_id},
        {"started_at", seconds(started_ms_)},
        {"model_context_window", nullptr},
        {"collaboration_mode_kind", "default"}});

  v2::UserMessageThreadItem user;
  user.id = config_.new_id();
  user.content = config_.input;
  user.clientId = config_.client_message_id;
  set_times(user, started_ms_, std::nullopt);
  std::string text;
  for (const auto& in : config_.input) {
    if (const auto* t = std::get_if<v2::TextUserInput>(&in)) {
      if (!text.empty()) text += "\n";
      text += t->text;
    }
  }
  const std::size_t index = add_item(std::move(user));
  complete_item(index);
  turn_input_.push_back(UserMessageInput{text});
  sample();
}

std::size_t TurnRunner::Impl::add_item(v2::ThreadItem item) {
  items_.push_back(std::move(item));
  item_open_.push_back(true);
  json msg = turn_fields();
  msg["type"] = "item_started";
  msg["item"] = protocol::to_json_value(items_.back());
  msg["started_at_ms"] = started_at(items_.back()).value_or(now());
  emit(std::move(msg));
  return items_.size() - 1;
}

void TurnRunner::Impl::complete_item(std::size_t index) {
  if (!item_open_[index]) return;
  item_open_[index] = false;
  const std::int64_t t = now();
  set_completed_at(items_[index], t);
  json msg = turn_fields();
  msg["type"] = "item_completed";
  msg["item"] = protocol::to_json_value(items_[index]);
  msg["started_at_ms"] = started_at(items_[index]).value_or(t);
  msg["completed_at_ms"] = t;
  emit(std::move(msg));
}

void TurnRunner::Impl::close_open_items() {
  for (std::size_t i = 0; i < items_.size(); ++i) complete_item(i);
}

// --- sampling ------------------------------------------------------------------------------

void TurnRunner::Impl::sample() {
  phase_ = Phase::Sampling;
  stream_items_.clear();
  tool_calls_.clear();
  sample_input_size_ = turn_input_.size();
  sample_last_message_ = last_agent_message_;
  ResponsesRequest request;
  request.model = config_.model;
  request.instructions = config_.instructions;
  request.reasoning_effort = config_.reasoning_effort;
  request.reasoning_summary = config_.reasoning_summary;
  request.input = config_.history;
  request.input.insert(request.input.end(), turn_input_.begin(), turn_input_.end());

  stream_ = std::make_unique<ModelStream>(http_, loop_);
  ModelStreamCallbacks cb;
  cb.on_head = [this](const HttpResponseHead& head) {
    if (auto limits = rate_limits_from_headers(head.headers)) {
      rate_limits_ = *limits;
      observer_.on_rate_limits(*limits);
    }
  };
  cb.on_event = [this](const ResponsesEvent& e) { on_model_event(e); };
  cb.on_retry = [this](const RetryNotice& n) { on_model_retry(n); };
  cb.on_done = [this](Result<ResponseCompleted, ModelError> r) { on_model_done(std::move(r)); };
  stream_->start(config_.endpoint, responses_request(request).dump(), std::move(cb));
}

void TurnRunner::Impl::on_model_event(const ResponsesEvent& event) {
  const auto item_index = [&](const std::string& provider_id) -> std::optional<std::size_t> {
    auto it = stream_items_.find(provider_id);
    if (it == stream_items_.end()) return std::nullopt;
    return it->second;
  };
  const auto delta = [&](std::string type, const std::string& item_id) {
    json msg = turn_fields();
    msg["type"] = std::move(type);
    msg["item_id"] = item_id;
    return msg;
  };

  if (const auto* added = std::get_if<OutputItemAdded>(&event)) {
    if (const auto* m = std::get_if<MessageItem>(&added->item)) {
      v2::AgentMessageThreadItem item;
      item.id = m->id.empty() ? config_.new_id() : m->id;
      set_times(item, now(), std::nullopt);
      const std::string key = m->id;
      stream_items_[key] = add_item(std::move(item));
    } else if (const auto* r = std::get_if<ReasoningItem>(&added->item)) {
      v2::ReasoningThreadItem item;
      item.id = r->id.empty() ? config_.new_id() : r->id;
      set_times(item, now(), std::nullopt);
      const std::string key = r->id;
      stream_items_[key] = add_item(std::move(item));
    }
    return;
  }
  if (const auto* d = std::get_if<OutputTextDelta>(&event)) {
    const auto i = item_index(d->item_id);
    if (!i) return;
    auto* item = std::get_if<v2::AgentMessageThreadItem>(&items_[*i]);
    if (!item) return;
    item->text += d->delta;
    json msg = delta("agent_message_content_delta", item->id);
    msg["delta"] = d->delta;
    emit(std::move(msg));
    return;
  }
  // The reasoning item's summary or content part `index`, created (empty) when new.
  const auto reasoning_part = [&](const std::string& provider_id, bool summary,
                                  std::int64_t index) -> std::pair<std::string, std::string*> {
    const auto i = item_index(provider_id);
    auto* item = i ? std::get_if<v2::ReasoningThreadItem>(&items_[*i]) : nullptr;
    if (!item || index < 0) return {"", nullptr};
    auto& parts = summary ? item->summary.value : item->content.value;
    const auto at = static_cast<std::size_t>(index);
    if (parts.size() < at + 1) parts.resize(at + 1);
    return {item->id, &parts[at]};
  };
  if (const auto* p = std::get_if<ReasoningSummaryPartAdded>(&event)) {
    const auto [id, part] = reasoning_part(p->item_id, true, p->summary_index);
    if (!part) return;
    json msg = delta("agent_reasoning_section_break", id);
    msg["summary_index"] = p->summary_index;
    emit(std::move(msg));
    return;
  }
  if (const auto* d = std::get_if<ReasoningSummaryTextDelta>(&event)) {
    const auto [id, part] = reasoning_part(d->item_id, true, d->summary_index);
    if (!part) return;
    *part += d->delta;
    json msg = delta("reasoning_content_delta", id);
    msg["summary_index"] = d->summary_index;
    msg["delta"] = d->delta;
    emit(std::move(msg));
    return;
  }
  if (const auto* d = std::get_if<ReasoningTextDelta>(&event)) {
    const auto [id, part] = reasoning_part(d->item_id, false, d->content_index);
    if (!part) return;
    *part += d->delta;
    json msg = delta("reasoning_raw_content_delta", id);
    msg["content_index"] = d->content_index;
    msg["delta"] = d->delta;
    emit(std::move(msg));
    return;
  }
  if (const auto* done = std::get_if<OutputItemDone>(&event)) {
    if (const auto* m = std::get_if<MessageItem>(&done->item)) {
      auto i = item_index(m->id);
      if (!i) {  // a message announced only by its .done
        v2::AgentMessageThreadItem item;
        item.id = m->id.empty() ? config_.new_id() : m->id;
        set_times(item, now(), std::nullopt);
        i = add_item(std::move(item));
      }
      if (auto* item = std::get_if<v2::AgentMessageThreadItem>(&items_[*i])) {
        item->text = message_text(*m);
        last_agent_message_ = item->text;
        turn_input_.push_back(AssistantMessageInput{item->text});
      }
      complete_item(*i);
      stream_items_.erase(m->id);
    } else if (const auto* r = std::get_if<ReasoningItem>(&done->item)) {
      auto i = item_index(r->id);
      if (!i) {
        v2::ReasoningThreadItem item;
        item.id = r->id.empty() ? config_.new_id() : r->id;
        set_times(item, now(), std::nullopt);
        i = add_item(std::move(item));
      }
      if (auto* item = std::get_if<v2::ReasoningThreadItem>(&items_[*i])) {
        if (!r->summary.empty()) item->summary = r->summary;
        if (!r->content.empty()) item->content = r->content;
      }
      if (r->encrypted_content) turn_input_.push_back(ReasoningInput{r->raw});
      complete_item(*i);
      stream_items_.erase(r->id);
    } else if (const auto* f = std::get_if<FunctionCallItem>(&done->item)) {
      turn_input_.push_back(FunctionCallInput{f->call_id, f->name, f->arguments});
      tool_calls_.push_back({f->call_id, f->name, f->arguments});
    }
    return;
  }
  if (const auto* completed = std::get_if<ResponseCompleted>(&event)) {
    if (!completed->usage) return;
    const TokenUsage& u = *completed->usage;
    v2::TokenUsageBreakdown last;
    last.inputTokens = u.input_tokens;
    last.cachedInputTokens = u.cached_input_tokens;
    last.outputTokens = u.output_tokens;
    last.reasoningOutputTokens = u.reasoning_output_tokens;
    last.totalTokens = u.total_tokens;
    total_usage_.inputTokens += last.inputTokens;
    total_usage_.cachedInputTokens += last.cachedInputTokens;
    total_usage_.outputTokens += last.outputTokens;
    total_usage_.reasoningOutputTokens += last.reasoningOutputTokens;
    total_usage_.totalTokens += last.totalTokens;
    emit({{"type", "token_count"},
          {"turn_id", config_.turn_id},
          {"info",
           {{"total_token_usage", usage_json(total_usage_)},
            {"last_token_usage", usage_json(last)},
            {"model_context_window", nullptr}}},
          {"rate_limits", rate_limits_ ? rate_limits_json(*rate_limits_) : json()}});
  }
}

void TurnRunner::Impl::on_model_retry(const RetryNotice& notice) {
  // What the dropped attempt started is over: it stays as the client saw it.
  for (const auto& [provider_id, index] : stream_items_) complete_item(index);
  stream_items_.clear();
  // The retried request starts over: forget what the dropped attempt added to the input.
  // (Its items stay in the turn; the model gets the same input again.)
  tool_calls_.clear();
  turn_input_.erase(turn_input_.begin() + static_cast<std::ptrdiff_t>(sample_input_size_),
                    turn_input_.end());
  last_agent_message_ = sample_last_message_;
  emit({{"type", "stream_error"},
        {"turn_id", config_.turn_id},
        {"message", "Reconnecting... " + std::to_string(notice.attempt) + "/" +
                        std::to_string(notice.max_attempts)},
        {"codex_error_info", "other"},
        {"additional_details", notice.reason}});
}

void TurnRunner::Impl::on_model_done(Result<ResponseCompleted, ModelError> result) {
  // The stream object may not be destroyed from inside its own callback: keep it until the
  // next one replaces it or the runner goes.
  if (!result) {
    if (result.error().kind == ModelErrorKind::Cancelled) return;  // interrupt() reported it
    return finish_failed(result.error());
  }
  for (auto& [provider_id, index] : stream_items_) complete_item(index);
  stream_items_.clear();
  if (!tool_calls_.empty()) return run_next_tool();
  finish_completed();
}

// --- the end -------------------------------------------------------------------------------

void TurnRunner::Impl::finish_completed() {
  const std::int64_t t = now();
  finish({{"type", "task_complete"},
          {"turn_id", config_.turn_id},
          {"last_agent_message", last_agent_message_ ? json(*last_agent_message_) : json()},
          {"started_at", seconds(started_ms_)},
          {"completed_at", seconds(t)},
          {"duration_ms", t - started_ms_}});
}

void TurnRunner::Impl::finish_failed(const ModelError& error) {
  close_open_items();
  const std::string info = error_info(error);
  emit({{"type", "error"},
        {"turn_id", config_.turn_id},
        {"message", error.message},
        {"codex_error_info", info}});
  const std::int64_t t = now();
  finish({{"type", "task_complete"},
          {"turn_id", config_.turn_id},
          {"last_agent_message", last_agent_message_ ? json(*last_agent_message_) : json()},
          {"started_at", seconds(started_ms_)},
          {"completed_at", seconds(t)},
          {"duration_ms", t - started_ms_},
          {"error", {{"message", error.message}, {"codex_error_info", info}}}});
}

void TurnRunner::Impl::finish_interrupted() {
  const std::int64_t t = now();
  finish({{"type", "turn_aborted"},
          {"reason", "interrupted"},
          {"turn_id", config_.turn_id},
          {"started_at", seconds(started_ms_)},
          {"completed_at", seconds(t)},
          {"duration_ms", t - started_ms_}});
}

void TurnRunner::Impl::finish(json last_event) {
  close_open_items();
  phase_ = Phase::Done;
  const std::string type = last_event.value("type", "");
  v2::Turn turn;
  turn.id = config_.turn_id;
  turn.items = items_;
  turn.startedAt = seconds(started_ms_);
  turn.completedAt = last_event.value("completed_at", seconds(now()));
  turn.durationMs = last_event.value("duration_ms", std::int64_t{0});
  if (type == "turn_aborted") {
    turn.status = v2::TurnStatus::Interrupted;
  } else if (last_event.contains("error")) {
    turn.status = v2::TurnStatus::Failed;
    const json& err = last_event["error"];
    auto info = protocol::decode_value<v2::CodexErrorInfo>(
        json(camel_case(err.value("codex_error_info", "other"))));
    turn.error = v2::TurnError{err.value("message", ""),
                               info ? std::optional(*info) : std::optional(v2::CodexErrorInfo::Other),
                               std::nullopt};
  } else {
    turn.status = v2::TurnStatus::Completed;
  }
  emit(std::move(last_event));
  observer_.on_finished(turn);  // may destroy the runner: nothing after this
}

bool TurnRunner::Impl::interrupt() {
  if (phase_ == Phase::Idle || phase_ == Phase::Done) return false;
  stream_.reset();  // no callback from it any more
  if (phase_ == Phase::WaitingApproval) {
    ++approval_generation_;
    if (tool_item_) observer_.on_approval_withdrawn(id_of(items_[*tool_item_]));
  }
  interrupt_command();
  finish_interrupted();
  return true;
}

}  // namespace spool::engine
