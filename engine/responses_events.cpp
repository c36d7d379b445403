// See responses_events.h. Required fields are checked by a small Reader that records the
// first missing or ill-typed field and returns defaults afterwards, so that each decoder reads
// as a list of fields and checks once at the end.
#include "engine/responses_events.h"

#include <fmt/format.h>

#include <utility>

namespace spool::engine {
namespace {

using nlohmann::json;

class Reader {
 public:
  // `object` must outlive the reader. `path` prefixes field names in errors ("response.").
  Reader(const json& object, std::string_view event_type, std::string path = {})
      : object_(object), event_type_(event_type), path_(std::move(path)) {}

  std::string str(const char* key) {
    const json* v = find(key, json::value_t::string, true);
    return v ? v->get<std::string>() : std::string();
  }
  // Absent or null gives `fallback`; another non-string type is an error.
  std::string opt_str(const char* key, std::string fallback = {}) {
    const json* v = find(key, json::value_t::string, false);
    return v ? v->get<std::string>() : fallback;
  }
  std::int64_t integer(const char* key) {
    const json* v = find_integer(key, true);
    return v ? v->get<std::int64_t>() : 0;
  }
  std::int64_t opt_integer(const char* key) {
    const json* v = find_integer(key, false);
    return v ? v->get<std::int64_t>() : 0;
  }
  const json* object(const char* key) { return find(key, json::value_t::object, true); }
  const json* opt_object(const char* key) { return find(key, json::value_t::object, false); }
  const json* opt_array(const char* key) { return find(key, json::value_t::array, false); }

  bool ok() const { return !error_.has_value(); }
  const std::string& path() const { return path_; }
  EventDecodeError error() const { return *error_; }
  void set_error(EventDecodeError e) {
    if (!error_) error_ = std::move(e);
  }

 private:
  const json* lookup(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  const json* find(const char* key, json::value_t type, bool required) {
    if (error_) return nullptr;
    const json* v = lookup(key);
    if (!v) {
      if (required) fail(key, "missing field");
      return nullptr;
    }
    if (v->type() != type) {
      fail(key, fmt::format("field has the wrong type (expected {})", json(type).type_name()));
      return nullptr;
    }
    return v;
  }
  const json* find_integer(const char* key, bool required) {
    if (error_) return nullptr;
    const json* v = lookup(key);
    if (!v) {
      if (required) fail(key, "missing field");
      return nullptr;
    }
    if (!v->is_number_integer()) {
      fail(key, "field has the wrong type (expected an integer)");
      return nullptr;
    }
    return v;
  }
  void fail(const char* key, std::string_view what) {
    std::string field = path_ + key;
    error_ = EventDecodeError{std::string(event_type_), field,
                              fmt::format("{}: {} '{}'", event_type_, what, field)};
  }

  const json& object_;
  std::string_view event_type_;
  std::string path_;
  std::optional<EventDecodeError> error_;
};

EventDecodeError plain_error(std::string_view event_type, std::string field, std::string message) {
  return EventDecodeError{std::string(event_type), std::move(field), std::move(message)};
}

// Reads the texts of the parts of `array` whose "type" is `part_type`.
std::vector<std::string> texts_of(const json* array, std::string_view part_type) {
  std::vector<std::string> out;
  if (!array) return out;
  for (const json& part : *array) {
    if (!part.is_object()) continue;
    auto type = part.find("type");
    auto text = part.find("text");
    if (type == part.end() || !type->is_string() || *type != part_type) continue;
    out.push_back(text != part.end() && text->is_string() ? text->get<std::string>() : "");
  }
  return out;
}

Result<OutputItem, EventDecodeError> decode_item_fields(const json& item,
                                                        std::string_view event_type) {
  Reader r(item, event_type, "item.");
  std::string type = r.str("type");
  if (!r.ok()) return r.error();

  if (type == "message") {
    MessageItem m;
    m.id = r.opt_str("id");
    m.role = r.opt_str("role", "assistant");
    if (const json* content = r.opt_array("content")) {
      for (const json& part : *content) {
        if (!part.is_object()) continue;
        ContentPart p;
        p.raw = part;
        if (auto t = part.find("type"); t != part.end() && t->is_string()) p.type = *t;
        const char* text_key = p.type == "refusal" ? "refusal" : "text";
        if (auto t = part.find(text_key); t != part.end() && t->is_string()) p.text = *t;
        m.content.push_back(std::move(p));
      }
    }
    m.raw = item;
    if (!r.ok()) return r.error();
    return OutputItem(std::move(m));
  }
  if (type == "reasoning") {
    ReasoningItem m;
    m.id = r.opt_str("id");
    m.summary = texts_of(r.opt_array("summary"), "summary_text");
    m.content = texts_of(r.opt_array("content"), "reasoning_text");
    if (auto enc = item.find("encrypted_content"); enc != item.end() && enc->is_string()) {
      m.encrypted_content = enc->get<std::string>();
    }
    m.raw = item;
    if (!r.ok()) return r.error();
    return OutputItem(std::move(m));
  }
  if (type == "function_call") {
    FunctionCallItem m;
    m.id = r.opt_str("id");
    m.call_id = r.str("call_id");
    m.name = r.str("name");
    m.arguments = r.str("arguments");
    m.raw = item;
    if (!r.ok()) return r.error();
    return OutputItem(std::move(m));
  }
  OtherItem other;
  other.type = std::move(type);
  if (auto id = item.find("id"); id != item.end() && id->is_string()) other.id = *id;
  other.raw = item;
  return OutputItem(std::move(other));
}

template <typename Event>
Result<ResponsesEvent, EventDecodeError> item_event(const json& j, std::string_view type) {
  Reader r(j, type);
  Event e;
  e.output_index = r.opt_integer("output_index");
  const json* item = r.object("item");
  if (!r.ok()) return r.error();
  auto decoded = decode_item_fields(*item, type);
  if (!decoded.ok()) return std::move(decoded).error();
  e.item = std::move(decoded).value();
  return ResponsesEvent(std::move(e));
}

Result<ResponsesEvent, EventDecodeError> decode_object(const json& j, std::string_view type) {
  Reader r(j, type);
  if (type == "response.created" || type == "response.in_progress") {
    std::string id;
    if (const json* response = r.opt_object("response")) {
      Reader rr(*response, type, "response.");
      id = rr.opt_str("id");
      if (!rr.ok()) return rr.error();
    }
    if (!r.ok()) return r.error();
    if (type == "response.created") return ResponsesEvent(ResponseCreated{std::move(id)});
    return ResponsesEvent(ResponseInProgress{std::move(id)});
  }
  if (type == "response.output_item.added") return item_event<OutputItemAdded>(j, type);
  if (type == "response.output_item.done") return item_event<OutputItemDone>(j, type);
  if (type == "response.output_text.delta") {
    OutputTextDelta e;
    e.item_id = r.str("item_id");
    e.output_index = r.opt_integer("output_index");
    e.content_index = r.opt_integer("content_index");
    e.delta = r.str("delta");
    if (!r.ok()) return r.error();
    return ResponsesEvent(std::move(e));
  }
  if (type == "response.reasoning_summary_part.added") {
    ReasoningSummaryPartAdded e;
    e.item_id = r.str("item_id");
    e.output_index = r.opt_integer("output_index");
    e.summary_index = r.integer("summary_index");
    if (!r.ok()) return r.error();
    return ResponsesEvent(std::move(e));
  }
  if (type == "response.reasoning_summary_text.delta") {
    ReasoningSummaryTextDelta e;
    e.item_id = r.str("item_id");
    e.output_index = r.opt_integer("output_index");
    e.summary_index = r.integer("summary_index");
    e.delta = r.str("delta");
    if (!r.ok()) return r.error();
    return ResponsesEvent(std::move(e));
  }
  if (type == "response.reasoning_text.delta") {
    ReasoningTextDelta e;
    e.item_id = r.str("item_id");
    e.output_index = r.opt_integer("output_index");
    e.content_index = r.integer("content_index");
    e.delta = r.str("delta");
    if (!r.ok()) return r.error();
    return ResponsesEvent(std::move(e));
  }
  if (type == "response.completed") {
    ResponseCompleted e;
    const json* response = r.object("response");
    if (!r.ok()) return r.error();
    Reader rr(*response, type, "response.");
    e.response_id = rr.str("id");
    if (const json* usage = rr.opt_object("usage")) {
      Reader ru(*usage, type, "response.usage.");
      TokenUsage u;
      u.input_tokens = ru.integer("input_tokens");
      u.output_tokens = ru.integer("output_tokens");
      u.total_tokens = ru.integer("total_tokens");
      if (const json* d = ru.opt_object("input_tokens_details")) {
        Reader rd(*d, type, "response.usage.input_tokens_details.");
        u.cached_input_tokens = rd.opt_integer("cached_tokens");
        if (!rd.ok()) return rd.error();
      }
      if (const json* d = ru.opt_object("output_tokens_details")) {
        Reader rd(*d, type, "response.usage.output_tokens_details.");
        u.reasoning_output_tokens = rd.opt_integer("reasoning_tokens");
        if (!rd.ok()) return rd.error();
      }
      if (!ru.ok()) return ru.error();
      e.usage = u;
    }
    if (!rr.ok()) return rr.error();
    return ResponsesEvent(std::move(e));
  }
  if (type == "response.failed") {
    ResponseFailed e;
    const json* response = r.object("response");
    if (!r.ok()) return r.error();
    Reader rr(*response, type, "response.");
    e.response_id = rr.opt_str("id");
    e.message = "response.failed event received";
    if (const json* error = rr.opt_object("error")) {
      Reader re(*error, type, "response.error.");
      e.code = re.opt_str("code");
      e.message = re.opt_str("message", e.message);
      if (!re.ok()) return re.error();
    }
    if (!rr.ok()) return rr.error();
    return ResponsesEvent(std::move(e));
  }
  if (type == "error") {
    ErrorEvent e;
    e.code = r.opt_str("code");
    e.message = r.str("message");
    e.param = r.opt_str("param");
    if (!r.ok()) return r.error();
    return ResponsesEvent(std::move(e));
  }
  return ResponsesEvent(UnknownEvent{std::string(type), j});
}

}  // namespace

Result<OutputItem, EventDecodeError> decode_output_item(const nlohmann::json& item,
                                                        std::string_view event_type) {
  if (!item.is_object()) {
    return plain_error(event_type, "item", fmt::format("{}: 'item' is not an object", event_type));
  }
  return decode_item_fields(item, event_type);
}

Result<ResponsesEvent, EventDecodeError> decode_responses_event(std::string_view data,
                                                                std::string_view sse_event_type) {
  std::string_view fallback_type =
      sse_event_type == "message" ? std::string_view() : sse_event_type;
  json j = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return plain_error(fallback_type, "",
                       fmt::format("{}: event data is not valid JSON",
                                   fallback_type.empty() ? "event" : fallback_type));
  }
  if (!j.is_object()) {
    return plain_error(fallback_type, "",
                       fmt::format("{}: event data is not a JSON object",
                                   fallback_type.empty() ? "event" : fallback_type));
  }
  std::string type;
  if (auto t = j.find("type"); t != j.end()) {
    if (!t->is_string()) {
      return plain_error(fallback_type, "type", "event: field 'type' is not a string");
    }
    type = t->get<std::string>();
  } else if (!fallback_type.empty()) {
    type = std::string(fallback_type);
  } else {
    return plain_error("", "type", "event: missing field 'type'");
  }
  return decode_object(j, type);
}

}  // namespace spool::engine
