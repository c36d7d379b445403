// feedback/upload: store the report, then post it to the configured feedback_url.
#include "rpc/server/feedback_handlers.h"

#include <fmt/format.h>

#include <memory>

#include "base/log.h"
#include "base/time.h"
#include "base/uuid.h"
#include "eventstore/store.h"
#include "protocol/codec.h"
#include "protocol/v2/feedback.h"
#include "rpc/server/session.h"
#include "rpc/server/thread_handler_support.h"

namespace spool::rpc {
namespace {

namespace v2 = protocol::v2;
using eventstore::FeedbackRecord;
using eventstore::FeedbackUpload;
using eventstore::Store;
using nlohmann::json;

constexpr long kUploadTimeoutMs = 30000;
constexpr std::size_t kMaxClassificationBytes = 256;
constexpr std::size_t kMaxReasonBytes = 64 * 1024;

json response_of(const FeedbackRecord& r) {
  v2::FeedbackUploadResponse out;
  out.threadId = r.thread_id.value_or(r.id);
  out.feedbackId = r.id;
  return protocol::to_json_value(out);
}

// What is posted to the feedback URL.
std::string upload_body(const FeedbackRecord& r, const std::string& version,
                        const std::string& client) {
  json body = {{"feedbackId", r.id},
               {"createdAt", format_rfc3339_ms(r.created_at_ms)},
               {"threadId", r.thread_id ? json(*r.thread_id) : json()},
               {"classification", r.classification},
               {"reason", r.reason ? json(*r.reason) : json()},
               {"tags", r.tags_json ? json::parse(*r.tags_json) : json()},
               {"logs", r.logs ? json(*r.logs) : json()},
               {"client", client},
               {"server", {{"name", "spool"}, {"version", version}}}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Records how the post went, then answers.
void finish_upload(AppServer& server, const FeedbackRecord& record, SharedReply reply,
                   std::optional<std::string> failure) {
  const FeedbackUpload status = failure ? FeedbackUpload::Failed : FeedbackUpload::Uploaded;
  const std::optional<std::int64_t> at = failure ? std::nullopt : std::optional(now_ms());
  using Done = Result<void, eventstore::StoreError>;
  server.db().write<Done>(
      [id = record.id, status, failure, at](Store& store) {
        return store.set_feedback_upload(id, status, failure, at);
      },
      [record, reply, failure](Done stored) {
        if (!stored) log::error("feedback {}: {}", record.id, stored.error().message);
        if (!failure) return (*reply)(response_of(record));
        (*reply)(make_error(protocol::ErrorCode::InternalError,
                            fmt::format("feedback {} was saved, but sending it to {} failed: {}",
                                        record.id, record.upload_url.value_or(""), *failure),
                            json{{"feedbackId", record.id}}));
      });
}

void upload(AppServer& server, const FeedbackRecord& record, const std::string& client,
            SharedReply reply) {
  if (!server.turns_enabled()) {
    return finish_upload(server, record, std::move(reply), "this server has no HTTP client");
  }
  engine::HttpRequest request;
  request.url = *record.upload_url;
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  request.body = upload_body(record, server.info().version, client);
  request.idle_timeout_ms = kUploadTimeoutMs;
  auto status = std::make_shared<long>(0);
  engine::HttpCallbacks callbacks;
  callbacks.on_head = [status](const engine::HttpResponseHead& head) { *status = head.status; };
  callbacks.on_body = [](std::string_view) {};
  callbacks.on_done = [&server, record, status, reply](engine::HttpResult result) {
    std::optional<std::string> failure;
    if (!result) {
      failure = result.error().message;
    } else if (*status < 200 || *status > 299) {
      failure = fmt::format("HTTP {}", *status);
    }
    if (failure) log::info("feedback {} not sent: {}", record.id, *failure);
    finish_upload(server, record, reply, std::move(failure));
  };
  server.http().post(std::move(request), std::move(callbacks));
}

void feedback_upload(Session& session, const json& params, Reply reply) {
  v2::FeedbackUploadParams p;
  if (!decode_params(params, p, reply)) return;
  if (p.classification.empty() || p.classification.size() > kMaxClassificationBytes) {
    return reply(invalid_params(
        fmt::format("params.classification: expected a non-empty string of at most {} bytes",
                    kMaxClassificationBytes)));
  }
  if (p.reason && p.reason->size() > kMaxReasonBytes) {
    return reply(
        invalid_params(fmt::format("params.reason: expected at most {} bytes", kMaxReasonBytes)));
  }
  if (p.threadId) {
    if (auto bad = check_thread_id(*p.threadId)) return reply(std::move(*bad));
  }
  AppServer& server = session.server();
  FeedbackRecord record;
  record.id = new_uuid_v7();
  record.created_at_ms = now_ms();
  record.thread_id = p.threadId;
  record.classification = p.classification;
  record.reason = p.reason;
  if (p.tags) record.tags_json = json(*p.tags).dump();
  if (p.includeLogs.value) record.logs = log::recent_lines();
  record.upload_url = server.info().config.feedback_url;
  record.upload = record.upload_url ? FeedbackUpload::Pending : FeedbackUpload::NotConfigured;

  using Stored = Result<void, RpcError>;
  session.write<Stored>(
      [record](Store& store) -> Stored {
        if (record.thread_id) {
          auto thread = store.thread(*record.thread_id);
          if (!thread) return fail(store_failure(thread.error(), *record.thread_id));
          if (!thread.value()) return fail(not_found(*record.thread_id));
        }
        if (auto added = store.add_feedback(record); !added)
          return fail(store_failure(added.error()));
        return {};
      },
      [&server, record, client = session.client_name(), r = share(std::move(reply))](Stored res) {
        if (!res) return (*r)(std::move(res).error());
        log::info("feedback {} stored ({})", record.id, record.classification);
        if (!record.upload_url) return (*r)(response_of(record));
        upload(server, record, client, r);
      });
}

}  // namespace

void register_feedback_handlers(Session& session, MessageRouter& router) {
  router.add("feedback/upload",
             [&session](const json& p, Reply r) { feedback_upload(session, p, std::move(r)); });
}

}  // namespace spool::rpc
