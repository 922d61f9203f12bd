// transport/http_server.cc — HttpServer on Boost.Beast: one acceptor, one strand per connection.
//
// Ownership and lifetimes (the part that is easy to get wrong):
// - ServerCore (shared) owns the io_context, the handler and the registry of live sessions.
//   HttpServerImpl holds it; so does every outstanding responder.
// - A Session is owned by the completion handlers queued for it, and by the responders of its
//   current request. It holds a raw pointer to its ServerCore and never outlives the io_context:
//   responders declare the core before the session (so the session dies first), and the
//   io_context is ServerCore's last member, so sessions destroyed with its queued handlers can
//   still unregister.
// - Nothing the io_context queues owns the ServerCore, so there is no cycle: after Stop a
//   responder posts nothing, and the core dies with the last responder.
// Every Session method except PostResponse/PostClose runs on the session's strand.

#include "transport/http_server.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/check.h"
#include "core/log.h"

namespace roentgen::transport {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr uint32_t kHeaderLimitBytes = 64 * 1024;
constexpr size_t kReadBufferBytes = 64 * 1024;
// After an error response (or `Connection: close`) the server stops sending and discards what
// the client still sends, for a bounded time, so the client reads the response instead of a reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerMaxBytes = 64 * 1024 * 1024;
constexpr size_t kLingerBufferBytes = 16 * 1024;
// How long Stop waits for connections to wind down before stopping the io_context outright.
constexpr auto kStopGrace = std::chrono::seconds(3);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

HttpResponse ErrorResponse(int status, std::string_view type, std::string_view message) {
  HttpResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "application/json"},
                      {"x-amzn-ErrorType", std::string(type)}};
  response.body =
      R"({"__type":")" + std::string(type) + R"(","message":")" + JsonEscape(message) + "\"}";
  return response;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsHttpProtocolError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

class Session;

class ServerCore : public std::enable_shared_from_this<ServerCore> {
 public:
  ServerCore(const HttpServerOptions& options, HttpHandler handler)
      : options_(options), handler_(std::move(handler)), ioc_(options.threads) {}

  const HttpServerOptions& options() const { return options_; }
  const HttpHandler& handler() const { return handler_; }
  asio::io_context& ioc() { return ioc_; }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  // Records a new session; false (the caller drops it) once stopping.
  bool Register(uint64_t id, const std::shared_ptr<Session>& session) {
    std::lock_guard lock(mu_);
    if (stopping()) return false;
    sessions_.emplace(id, session);
    return true;
  }
  void Unregister(uint64_t id) {
    std::lock_guard lock(mu_);
    sessions_.erase(id);
  }
  // Marks the core stopping (no new sessions) and returns the live sessions.
  std::vector<std::shared_ptr<Session>> BeginStop() {
    std::lock_guard lock(mu_);
    stopping_.store(true, std::memory_order_release);
    std::vector<std::shared_ptr<Session>> live;
    for (auto& [id, weak] : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    return live;
  }
  uint64_t open_connections() const {
    std::lock_guard lock(mu_);
    return sessions_.size();
  }

  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> bad_requests{0};
  std::atomic<uint64_t> bodies_too_large{0};

 private:
  const HttpServerOptions options_;
  const HttpHandler handler_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions_;  // guarded by mu_

  // Last member: destroyed first, while everything a dying Session touches is still alive.
  asio::io_context ioc_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ServerCore* core, uint64_t id, tcp::socket socket)
      : core_(core),
        id_(id),
        executor_(socket.get_executor()),
        idle_timeout_(std::chrono::seconds(core->options().idle_timeout_seconds)),
        stream_(std::move(socket)) {
    // Beast reads at most the buffer's free capacity per call (and never less than 512 bytes):
    // without room up front, a 100 KB PutTraceSegments body arrives in hundreds of recvmsg calls.
    buffer_.reserve(kReadBufferBytes);
  }
  ~Session() { core_->Unregister(id_); }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Start() {
    asio::dispatch(executor_, [self = shared_from_this()] { self->ReadHeader(); });
  }
  // Any thread.
  void PostClose() {
    asio::post(executor_, [self = shared_from_this()] { self->Close(); });
  }
  // Any thread.
  void PostResponse(HttpResponse response) {
    asio::post(executor_, [self = shared_from_this(), response = std::move(response)]() mutable {
      self->OnResponse(std::move(response));
    });
  }

 private:
  void ReadHeader() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(kHeaderLimitBytes);
    parser_->body_limit(core_->options().max_body_bytes);
    stream_.expires_after(idle_timeout_);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    const auto& request = parser_->get();
    if (request.version() >= 11 && beast::iequals(request[http::field::expect], "100-continue")) {
      // An announced Content-Length over the limit already failed with body_limit.
      continue_.emplace(http::status::continue_, request.version());
      stream_.expires_after(idle_timeout_);
      http::async_write(stream_, *continue_,
                        [self = shared_from_this()](beast::error_code write_ec, size_t) {
                          self->continue_.reset();
                          if (write_ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (closed_) return;
    if (parser_->is_done()) return Dispatch();
    stream_.expires_after(idle_timeout_);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->OnReadError(ec);
                       self->Dispatch();
                     });
  }

  void OnReadError(beast::error_code ec) {
    if (closed_) return;
    if (ec == http::error::body_limit) {
      core_->bodies_too_large.fetch_add(1, std::memory_order_relaxed);
      return SendErrorAndClose(ErrorResponse(
          413, "InvalidRequestException",
          "request body exceeds " + std::to_string(core_->options().max_body_bytes) + " bytes"));
    }
    if (ec == http::error::header_limit) {
      core_->bad_requests.fetch_add(1, std::memory_order_relaxed);
      return SendErrorAndClose(
          ErrorResponse(431, "InvalidRequestException",
                        "request header exceeds " + std::to_string(kHeaderLimitBytes) + " bytes"));
    }
    // end_of_stream: the client closed between requests; partial_message: it closed mid-request.
    if (ec != http::error::end_of_stream && ec != http::error::partial_message &&
        IsHttpProtocolError(ec)) {
      core_->bad_requests.fetch_add(1, std::memory_order_relaxed);
      return SendErrorAndClose(
          ErrorResponse(400, "InvalidRequestException", "malformed HTTP request: " + ec.message()));
    }
    // A timeout, a reset, a cancellation by Stop: nothing to answer.
    Close();
  }

  void Dispatch() {
    if (closed_) return;
    http::request<http::string_body> message = parser_->release();
    parser_.reset();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    head_request_ = message.method() == http::verb::head;

    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.headers.reserve(std::distance(message.begin(), message.end()));
    for (const auto& field : message) {
      request.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());

    awaiting_response_ = true;
    stream_.expires_never();  // the handler may take as long as it needs
    core_->requests.fetch_add(1, std::memory_order_relaxed);

    auto state = std::make_shared<ResponderState>(core_->shared_from_this(), shared_from_this());
    HttpResponder responder = [state](HttpResponse response) {
      state->Respond(std::move(response));
    };
    try {
      core_->handler()(std::move(request), std::move(responder));
    } catch (const std::exception& e) {
      log::Error(std::string("HTTP handler threw: ") + e.what());
    } catch (...) {
      log::Error("HTTP handler threw a non-standard exception");
    }
    // If the handler dropped the responder unanswered, ~ResponderState has queued a 500.
  }

  void OnResponse(HttpResponse response) {
    if (closed_) return;
    CHECK(awaiting_response_) << "a response arrived for no request";
    awaiting_response_ = false;
    bool close =
        !keep_alive_ || core_->stopping() || beast::iequals(response.Header("connection"), "close");
    Write(std::move(response), close);
  }

  void SendErrorAndClose(HttpResponse response) {
    version_ = 11;
    head_request_ = false;
    Write(std::move(response), /*close=*/true);
  }

  // Writes the response; then reads the next request, or (when `close`) lingers and closes.
  void Write(HttpResponse response, bool close) {
    CHECK(response.status >= 200 && response.status <= 999)
        << "HTTP handler answered status " << response.status;
    try {
      BuildResponse(std::move(response), close);
    } catch (const std::exception& e) {  // bad_alloc, Beast's length_error on a huge field
      log::Error(std::string("HTTP: cannot build the response: ") + e.what());
      BuildResponse(ErrorResponse(500, "InternalFailure", "the response could not be built"),
                    close);
    }
    stream_.expires_after(idle_timeout_);
    http::async_write(stream_, *response_,
                      [self = shared_from_this(), close](beast::error_code ec, size_t) {
                        self->response_.reset();
                        if (ec) return self->Close();
                        if (close) return self->Linger();
                        self->ReadHeader();
                      });
  }

  void BuildResponse(HttpResponse response, bool close) {
    auto& out = response_.emplace();
    out.version(version_);
    out.result(static_cast<unsigned>(response.status));
    for (auto& [name, value] : response.headers) {
      if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding") ||
          beast::iequals(name, "connection")) {
        continue;  // framing is ours
      }
      if (name.empty() || name.find_first_of(" \r\n:") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        log::Error("HTTP handler set a malformed header (empty, or with CR/LF/':'); dropped: " +
                   name);
        continue;
      }
      out.insert(name, value);
    }
    out.body() = std::move(response.body);
    out.keep_alive(!close);
    out.prepare_payload();                  // Content-Length
    if (head_request_) out.body().clear();  // HEAD: the length of the body that GET would send
  }

  // Half-closes and discards further input until the client closes, for a bounded time.
  void Linger() {
    if (closed_) return;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    linger_buffer_.resize(kLingerBufferBytes);
    stream_.expires_after(kLingerTime);
    Discard();
  }

  void Discard() {
    stream_.async_read_some(asio::buffer(linger_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->lingered_bytes_ += n;
                              if (ec || self->lingered_bytes_ > kLingerMaxBytes) {
                                return self->Close();
                              }
                              self->Discard();
                            });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();  // cancels pending operations and the timer
  }

  // The state shared by the copies of one request's HttpResponder.
  class ResponderState {
   public:
    ResponderState(std::shared_ptr<ServerCore> core, std::shared_ptr<Session> session)
        : core_(std::move(core)), session_(std::move(session)) {}
    ~ResponderState() {
      if (answered_.load() || core_->stopping()) return;
      log::Error("an HTTP handler dropped its responder without answering; sending 500");
      session_->PostResponse(ErrorResponse(500, "InternalFailure", "the request was not answered"));
    }
    ResponderState(const ResponderState&) = delete;
    ResponderState& operator=(const ResponderState&) = delete;

    void Respond(HttpResponse response) {
      CHECK(!answered_.exchange(true)) << "an HttpResponder was called more than once";
      if (core_->stopping()) return;
      session_->PostResponse(std::move(response));
    }

   private:
    std::shared_ptr<ServerCore> core_;  // declared first: outlives session_
    std::shared_ptr<Session> session_;
    std::atomic<bool> answered_{false};
  };

  // Constant after construction.
  ServerCore* const core_;
  const uint64_t id_;
  const asio::any_io_executor executor_;  // the connection's strand
  const std::chrono::seconds idle_timeout_;

  // Used on the strand only.
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> response_;
  std::vector<char> linger_buffer_;
  size_t lingered_bytes_ = 0;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  bool head_request_ = false;
  bool awaiting_response_ = false;
  bool closed_ = false;
};

class HttpServerImpl final : public HttpServer {
 public:
  HttpServerImpl(const HttpServerOptions& options, HttpHandler handler)
      : core_(std::make_shared<ServerCore>(options, std::move(handler))),
        acceptor_(asio::make_strand(core_->ioc())),
        accept_retry_(acceptor_.get_executor()),
        work_guard_(core_->ioc().get_executor()) {}

  ~HttpServerImpl() override { Stop(); }

  Status Listen() {
    const HttpServerOptions& options = core_->options();
    std::string where = options.address + ":" + std::to_string(options.port);
    beast::error_code ec;
    tcp::resolver resolver(core_->ioc());
    auto endpoints = resolver.resolve(options.address, std::to_string(options.port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || endpoints.empty()) {
      return Status::Unavailable("HTTP: cannot resolve " + where + ": " + ec.message());
    }
    tcp::endpoint endpoint = endpoints.begin()->endpoint();
    if (acceptor_.open(endpoint.protocol(), ec); ec) {
      return Status::Unavailable("HTTP: cannot open a socket for " + where + ": " + ec.message());
    }
    if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec); ec) {
      return Status::Unavailable("HTTP: cannot set SO_REUSEADDR: " + ec.message());
    }
    if (acceptor_.bind(endpoint, ec); ec) {
      return Status::Unavailable("HTTP: cannot bind " + where + ": " + ec.message());
    }
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return Status::Unavailable("HTTP: cannot listen on " + where + ": " + ec.message());
    }
    tcp::endpoint bound = acceptor_.local_endpoint(ec);
    if (ec) return Status::Unavailable("HTTP: getsockname failed: " + ec.message());
    port_ = bound.port();
    return Status::Ok();
  }

  void Run() {
    asio::post(acceptor_.get_executor(), [this] { Accept(); });
    int threads = core_->options().threads;
    running_threads_ = threads;
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        pthread_setname_np(pthread_self(), "roentgen-http");
        RunIoThread();
      });
    }
  }

  uint16_t port() const override { return port_; }

  void Stop() override {
    if (stopped_) return;
    stopped_ = true;
    for (const auto& thread : threads_) {
      CHECK(thread.get_id() != std::this_thread::get_id())
          << "HttpServer::Stop called from one of its own threads (a handler)";
    }
    std::vector<std::shared_ptr<Session>> sessions = core_->BeginStop();
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      accept_retry_.cancel();
    });
    for (auto& session : sessions) session->PostClose();
    sessions.clear();
    work_guard_.reset();
    {
      std::unique_lock lock(mu_);
      if (!threads_done_.wait_for(lock, kStopGrace, [this] { return running_threads_ == 0; })) {
        log::Warn("HTTP server: connections did not close within the grace period; forcing stop");
        core_->ioc().stop();
      }
    }
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

  HttpServerStats stats() const override {
    HttpServerStats stats;
    stats.connections_accepted = core_->connections_accepted.load(std::memory_order_relaxed);
    stats.open_connections = core_->open_connections();
    stats.requests = core_->requests.load(std::memory_order_relaxed);
    stats.bad_requests = core_->bad_requests.load(std::memory_order_relaxed);
    stats.bodies_too_large = core_->bodies_too_large.load(std::memory_order_relaxed);
    return stats;
  }

 private:
  void RunIoThread() {
    for (;;) {
      try {
        core_->ioc().run();
        break;
      } catch (const std::exception& e) {
        log::Error(std::string("HTTP io thread: unexpected exception: ") + e.what());
      } catch (...) {
        log::Error("HTTP io thread: unexpected non-standard exception");
      }
    }
    std::lock_guard lock(mu_);
    --running_threads_;
    threads_done_.notify_all();
  }

  // On the acceptor's strand.
  void Accept() {
    if (!acceptor_.is_open()) return;
    acceptor_.async_accept(
        asio::make_strand(core_->ioc()),
        [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // E.g. EMFILE: back off instead of spinning.
      log::Warn("HTTP accept failed: " + ec.message());
      accept_retry_.expires_after(kAcceptRetryDelay);
      accept_retry_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    core_->connections_accepted.fetch_add(1, std::memory_order_relaxed);
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    uint64_t id = next_session_id_++;
    auto session = std::make_shared<Session>(core_.get(), id, std::move(socket));
    if (core_->Register(id, session)) session->Start();
    Accept();
  }

  // Declared first: the io objects below are destroyed before it (and its io_context).
  std::shared_ptr<ServerCore> core_;
  tcp::acceptor acceptor_;           // used on its strand
  asio::steady_timer accept_retry_;  // used on the acceptor's strand
  asio::executor_work_guard<asio::io_context::executor_type> work_guard_;
  uint16_t port_ = 0;
  uint64_t next_session_id_ = 0;  // acceptor's strand
  bool stopped_ = false;          // controlling thread
  std::vector<std::thread> threads_;

  std::mutex mu_;
  std::condition_variable threads_done_;
  int running_threads_ = 0;  // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      HttpHandler handler) {
  if (options.threads < 1 || options.threads > 256) {
    return Status::InvalidArgument("HTTP: threads must be in [1, 256], got " +
                                   std::to_string(options.threads));
  }
  if (options.idle_timeout_seconds < 1) {
    return Status::InvalidArgument("HTTP: idle_timeout_seconds must be at least 1");
  }
  if (options.max_body_bytes == 0) {
    return Status::InvalidArgument("HTTP: max_body_bytes must be positive");
  }
  if (!handler) return Status::InvalidArgument("HTTP: no handler");
  try {
    auto server = std::make_unique<HttpServerImpl>(options, std::move(handler));
    RETURN_IF_ERROR(server->Listen());
    server->Run();
    return std::unique_ptr<HttpServer>(std::move(server));
  } catch (const std::exception& e) {
    return Status::Internal(std::string("HTTP: cannot start: ") + e.what());
  }
}

}  // namespace roentgen::transport
