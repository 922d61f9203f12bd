// transport/http_client.cc — HttpClient on Boost.Beast. Each call runs the client's private
// io_context until its asynchronous operations finish, so that tcp_stream's timeouts apply
// (Beast's synchronous calls have none).

#include "transport/http_client.h"

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/status.h"

namespace roentgen::transport {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr uint32_t kResponseHeaderLimitBytes = 64 * 1024;

// The connection ended (or was refused a write) in a way a server closing an idle keep-alive
// connection produces.
bool IsStaleConnection(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

bool HasLineBreak(std::string_view text) { return text.find_first_of("\r\n") != text.npos; }

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

class HttpClient::Impl {
 public:
  explicit Impl(HttpClientOptions options)
      : options_(std::move(options)),
        where_(options_.host + ":" + std::to_string(options_.port)),
        stream_(ioc_) {}

  Result<HttpResponse> Send(std::string_view method, std::string_view target, std::string_view body,
                            const HttpHeaders& headers) {
    try {
      return SendOrThrow(method, target, body, headers);
    } catch (const std::exception& e) {  // bad_alloc, Beast's length_error on huge fields
      Close();
      return Status::Internal(std::string("HTTP client: unexpected exception: ") + e.what());
    }
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
  }

  bool connected() const { return stream_.socket().is_open(); }
  uint64_t connections_opened() const { return connections_opened_; }

 private:
  Result<HttpResponse> SendOrThrow(std::string_view method, std::string_view target,
                                   std::string_view body, const HttpHeaders& headers) {
    if (options_.timeout_ms <= 0) {
      return Status::InvalidArgument("HTTP client: timeout_ms must be positive");
    }
    if (method.empty() || method.find_first_of(" \r\n") != method.npos) {
      return Status::InvalidArgument("HTTP client: bad method '" + std::string(method) + "'");
    }
    if (target.empty() || target.find_first_of(" \r\n") != target.npos) {
      return Status::InvalidArgument("HTTP client: bad target '" + std::string(target) + "'");
    }
    http::request<http::string_body> request;
    request.version(11);
    if (http::verb verb = http::string_to_verb(method); verb != http::verb::unknown) {
      request.method(verb);
    } else {
      request.method_string(method);
    }
    request.target(target);
    request.set(http::field::host, where_);
    for (const auto& [name, value] : headers) {
      if (beast::iequals(name, "host") || beast::iequals(name, "content-length") ||
          beast::iequals(name, "connection") || beast::iequals(name, "transfer-encoding")) {
        continue;
      }
      if (name.empty() || name.find_first_of(" :\r\n") != name.npos || HasLineBreak(value)) {
        return Status::InvalidArgument("HTTP client: bad header '" + name + "'");
      }
      request.insert(name, value);
    }
    request.body() = std::string(body);
    request.keep_alive(true);
    request.prepare_payload();
    return SendWithRetry(request);
  }

  Result<HttpResponse> SendWithRetry(const http::request<http::string_body>& request) {
    const SteadyClock::time_point deadline =
        SteadyClock::now() + std::chrono::milliseconds(options_.timeout_ms);
    for (int attempt = 0;; ++attempt) {
      const bool reused = connected();
      const bool may_retry = reused && attempt == 0;
      if (!reused) {
        if (beast::error_code ec = Connect(deadline)) {
          Close();
          return Failure("connect to", ec);
        }
      }

      beast::error_code ec;
      stream_.expires_at(deadline);
      http::async_write(stream_, request, [&ec](beast::error_code e, size_t) { ec = e; });
      RunUntilDone();
      if (ec) {
        Close();
        if (may_retry && IsStaleConnection(ec)) continue;
        return Failure("send to", ec);
      }

      http::response_parser<http::string_body> parser;
      parser.header_limit(kResponseHeaderLimitBytes);
      parser.body_limit(options_.max_response_body_bytes);
      stream_.expires_at(deadline);
      http::async_read(stream_, buffer_, parser, [&ec](beast::error_code e, size_t) { ec = e; });
      RunUntilDone();
      if (ec) {
        Close();
        if (may_retry && !parser.got_some() && IsStaleConnection(ec)) continue;
        return Failure("receive from", ec);
      }
      stream_.expires_never();

      http::response<http::string_body> message = parser.release();
      if (!message.keep_alive()) Close();
      HttpResponse response;
      response.status = static_cast<int>(message.result_int());
      for (const auto& field : message) {
        response.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
      }
      response.body = std::move(message.body());
      return response;
    }
  }

  beast::error_code Connect(SteadyClock::time_point deadline) {
    beast::error_code ec;
    buffer_.clear();
    tcp::resolver resolver(ioc_);
    // Synchronous: not bounded by the deadline (immediate for addresses and local names).
    auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port),
                                      tcp::resolver::numeric_service, ec);
    if (ec) return ec;
    stream_.expires_at(deadline);
    stream_.async_connect(endpoints, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
    RunUntilDone();
    if (ec) return ec;
    ++connections_opened_;
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    return {};
  }

  void RunUntilDone() {
    ioc_.restart();
    ioc_.run();
  }

  Status Failure(std::string_view what, const beast::error_code& ec) const {
    std::string message = "HTTP client: " + std::string(what) + " " + where_ + ": ";
    if (ec == beast::error::timeout) {
      message += "timed out after " + std::to_string(options_.timeout_ms) + " ms";
    } else {
      message += ec.message();
    }
    return Status::Unavailable(std::move(message));
  }

  const HttpClientOptions options_;
  const std::string where_;  // "host:port", also the Host header
  asio::io_context ioc_{1};
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  uint64_t connections_opened_ = 0;
};

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Post(std::string_view target, std::string_view body,
                                      const HttpHeaders& headers) {
  return impl_->Send("POST", target, body, headers);
}

Result<HttpResponse> HttpClient::Send(std::string_view method, std::string_view target,
                                      std::string_view body, const HttpHeaders& headers) {
  return impl_->Send(method, target, body, headers);
}

void HttpClient::Close() { impl_->Close(); }
bool HttpClient::connected() const { return impl_->connected(); }
uint64_t HttpClient::connections_opened() const { return impl_->connections_opened(); }

}  // namespace roentgen::transport
