// HttpTransfer: one request of HttpClient (http_client.h) as a curl easy handle: building it
// from an HttpRequest, the header and body callbacks that turn curl's bytes into on_head and
// on_body, and the mapping of curl's result codes to HttpErrorKind. Private to engine/; the
// multi handle and the loop are http_client.cpp's.
#pragma once

#include <curl/curl.h>
#include <uv.h>

#include <cstdint>
#include <optional>

#include "engine/http_client.h"

namespace spool::engine {

struct HttpTransfer {
  HttpTransfer() = default;
  ~HttpTransfer();
  HttpTransfer(const HttpTransfer&) = delete;
  HttpTransfer& operator=(const HttpTransfer&) = delete;

  // Builds the easy handle (CURLOPT_PRIVATE, HEADERDATA and WRITEDATA point at this, so it
  // must not move afterwards). A bad header or a refused option sets setup_error instead.
  void setup();
  // Calls on_head once, unless already sent or cancelled (inside curl or not).
  void send_head();

  std::uint64_t id = 0;
  uv_loop_t* loop = nullptr;  // for uv_now: the time of the last byte
  HttpRequest request;
  HttpCallbacks callbacks;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::optional<HttpError> setup_error;  // reported by the deferred start
  bool added = false;                    // in the multi handle
  bool cancelled = false;                // cancel() was called: no more on_head / on_body
  bool head_sent = false;
  HttpResponseHead head;  // collected until on_head
  std::uint64_t last_activity_ms = 0;
};

HttpErrorKind error_kind_of(CURLcode code);

}  // namespace spool::engine
