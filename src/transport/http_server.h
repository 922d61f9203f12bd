// transport/http_server.h — an HTTP/1.1 server (Boost.Beast) on one TCP endpoint: keep-alive,
// chunked request bodies, a request size limit, and asynchronous answers (a handler may respond
// from another thread, e.g. after the writer made a batch durable).
//
// Requests over `max_body_bytes` get 413 and a JSON error body without reaching the handler;
// malformed HTTP gets 400 and the connection is closed.
// Thread-safety: Start/Stop from one controlling thread; handlers run on the server's threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "core/status.h"
#include "transport/http_types.h"

namespace roentgen::transport {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 2000;  // 0 picks a free port (tests)
  int threads = 2;
  size_t max_body_bytes = 8 * 1024 * 1024;
  int idle_timeout_seconds = 60;
};

class HttpServer {
 public:
  // Binds and starts serving on background threads. The handler must outlive the server.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   HttpHandler handler);
  virtual ~HttpServer() = default;

  // The bound port (useful with port 0).
  virtual uint16_t port() const = 0;
  // Stops accepting, closes connections, joins the threads. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace roentgen::transport
