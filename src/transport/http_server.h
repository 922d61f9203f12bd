// transport/http_server.h — an HTTP/1.1 server (Boost.Beast) on one TCP endpoint: keep-alive,
// chunked request bodies, a request size limit, and asynchronous answers (a handler may respond
// from another thread, e.g. after the writer made a batch durable).
//
// Requests over `max_body_bytes` get 413 and a JSON error body without reaching the handler;
// malformed HTTP gets 400 (a header block over 64 KiB gets 431), and the connection is closed.
// A handler that drops its responder without answering (or throws) gets its client a 500.
//
// Per connection, requests are handled one at a time and in order: the next request is read only
// after the previous response was written (pipelined requests wait in the socket buffer). Every
// response carries Content-Length; a response that closes the connection carries
// `Connection: close`. `Expect: 100-continue` is answered with 100 (or 413 when the announced
// length is over the limit). A connection idle for `idle_timeout_seconds` (also the bound for
// reading one request and for writing one response) is closed; the time a handler takes to answer
// is not bounded.
//
// Thread-safety: Start/Stop from one controlling thread; handlers run on the server's threads,
// which they should not block for long (one connection's handler calls are serialized; different
// connections' calls run concurrently on up to `threads` threads). stats() from any thread.
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

// Monotonic counters since Start (except open_connections).
struct HttpServerStats {
  uint64_t connections_accepted = 0;
  uint64_t open_connections = 0;
  uint64_t requests = 0;          // handed to the handler
  uint64_t bad_requests = 0;      // malformed HTTP, answered 400
  uint64_t bodies_too_large = 0;  // answered 413
};

class HttpServer {
 public:
  // Binds and starts serving on background threads. The handler must outlive the server.
  // Fails with InvalidArgument on bad options, Unavailable when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   HttpHandler handler);
  virtual ~HttpServer() = default;

  // The bound port (useful with port 0).
  virtual uint16_t port() const = 0;
  // Stops accepting, closes connections, joins the threads. Idempotent; the destructor calls it.
  // Must not be called from a handler. Responders still held afterwards become no-ops.
  virtual void Stop() = 0;
  virtual HttpServerStats stats() const = 0;
};

}  // namespace roentgen::transport
