// transport/http_client.h — a small synchronous HTTP/1.1 client (Boost.Beast behind a pimpl) for
// our own tools: the load generator and the forwarding daemon. It talks to one fixed host:port
// over one keep-alive connection, opened on first use and reopened when the server closed it.
//
// A request whose reused connection turns out to be stale (the server closed it while idle: the
// write fails, or the connection ends before any response byte) is sent once more on a fresh
// connection. Note that this may deliver a request twice if the server did process it and then
// reset the connection without answering; our PutTraceSegments is idempotent.
//
// Errors: Unavailable for connect/send/receive failures, timeouts and malformed responses (the
// message says which), InvalidArgument for bad arguments. HTTP error statuses are not errors:
// they come back as a response.
// Thread-safety: none; use one client per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "transport/http_types.h"

namespace roentgen::transport {

struct HttpClientOptions {
  std::string host = "127.0.0.1";  // a name or an address
  uint16_t port = 2000;
  // Bound on one call: connecting, sending and receiving, including the one retry.
  int timeout_ms = 10'000;
  size_t max_response_body_bytes = 64 * 1024 * 1024;
};

class HttpClient {
 public:
  // Does not connect yet.
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` to `target` (e.g. "/TraceSegments"). `headers` are sent as given; Host,
  // Content-Length and Connection are set by the client (entries for them are ignored).
  // The response's header names are lower-cased.
  Result<HttpResponse> Post(std::string_view target, std::string_view body,
                            const HttpHeaders& headers = {});
  // Any method ("GET", "PUT", ...); `body` may be empty.
  Result<HttpResponse> Send(std::string_view method, std::string_view target, std::string_view body,
                            const HttpHeaders& headers = {});

  // Closes the connection, if any; the next call reconnects.
  void Close();
  // Whether a keep-alive connection is currently open.
  bool connected() const;
  // Connections opened so far (to observe keep-alive reuse and reconnects).
  uint64_t connections_opened() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roentgen::transport
