// See http_transfer.h. The header and write callbacks run inside curl: they may call user
// callbacks, which may call HttpClient::cancel or post, but never touch the multi handle.
#include "engine/http_transfer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>

namespace spool::engine {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

std::size_t header_callback(char* data, std::size_t size, std::size_t count, void* userp) {
  auto* t = static_cast<HttpTransfer*>(userp);
  std::size_t n = size * count;
  if (t->cancelled) return 0;  // aborts the transfer; it finishes as cancelled
  t->last_activity_ms = uv_now(t->loop);
  if (t->head_sent) return n;  // trailers
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    // A status line starts a new header block (after a 1xx, or a proxy's CONNECT reply).
    t->head.headers.clear();
    std::size_t space = line.find(' ');
    t->head.status = space == std::string_view::npos
                         ? 0
                         : std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
    return n;
  }
  if (trim(line).empty()) {  // end of a header block; a 1xx block is not the head
    if (t->head.status >= 200) t->send_head();
    return n;
  }
  if (std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    t->head.headers.emplace_back(lower(trim(line.substr(0, colon))),
                                 std::string(trim(line.substr(colon + 1))));
  }
  return n;
}

std::size_t write_callback(char* data, std::size_t size, std::size_t count, void* userp) {
  auto* t = static_cast<HttpTransfer*>(userp);
  std::size_t n = size * count;
  if (t->cancelled) return 0;
  t->last_activity_ms = uv_now(t->loop);
  t->send_head();
  if (t->cancelled) return 0;  // on_head cancelled
  if (t->callbacks.on_body) t->callbacks.on_body(std::string_view(data, n));
  return t->cancelled ? 0 : n;
}

}  // namespace

HttpTransfer::~HttpTransfer() {
  if (easy) curl_easy_cleanup(easy);
  if (header_list) curl_slist_free_all(header_list);
}

void HttpTransfer::send_head() {
  if (head_sent || cancelled) return;
  head_sent = true;
  if (head.status == 0) curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &head.status);
  if (callbacks.on_head) callbacks.on_head(head);
}

void HttpTransfer::setup() {
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || has_line_break(name) || has_line_break(value) ||
        name.find(':') != std::string::npos) {
      setup_error =
          HttpError{HttpErrorKind::Other, fmt::format("invalid header name or value: {:?}", name)};
      return;
    }
    header_list = curl_slist_append(header_list, fmt::format("{}: {}", name, value).c_str());
  }
  // No "Expect: 100-continue" round trip before a large body.
  header_list = curl_slist_append(header_list, "Expect:");
  easy = curl_easy_init();
  if (!easy) {
    setup_error = HttpError{HttpErrorKind::Other, "curl_easy_init failed"};
    return;
  }
  bool ok = true;
  auto set = [&](CURLoption option, auto value) {
    ok = ok && curl_easy_setopt(easy, option, value) == CURLE_OK;
  };
  curl_write_callback on_header = &header_callback;
  curl_write_callback on_write = &write_callback;
  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  if (request.method == HttpMethod::Get) {
    set(CURLOPT_HTTPGET, 1L);
  } else {
    set(CURLOPT_POST, 1L);
    set(CURLOPT_POSTFIELDS, request.body.data());  // not copied: `request` lives as long
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  set(CURLOPT_HTTPHEADER, header_list);
  set(CURLOPT_HEADERFUNCTION, on_header);
  set(CURLOPT_HEADERDATA, this);
  set(CURLOPT_WRITEFUNCTION, on_write);
  set(CURLOPT_WRITEDATA, this);
  set(CURLOPT_PRIVATE, this);
  set(CURLOPT_ERRORBUFFER, error_buffer);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_CONNECTTIMEOUT_MS, std::max(1L, request.connect_timeout_ms));
  if (!ok)
    setup_error =
        HttpError{HttpErrorKind::Other, fmt::format("invalid request to {}", request.url)};
}

HttpErrorKind error_kind_of(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return HttpErrorKind::Connect;
    case CURLE_OPERATION_TIMEDOUT:
      return HttpErrorKind::Timeout;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return HttpErrorKind::Reset;
    default:
      return HttpErrorKind::Other;
  }
}

}  // namespace spool::engine
