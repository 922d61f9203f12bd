// transport/http_types.h — the HTTP request and response as the API layer sees them; no network
// library types leak past this header.
// Thread-safety: values.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roentgen::transport {

// Header fields in order of appearance. Names as documented on each use.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "POST", "GET", ...
  std::string target;  // path and query, e.g. "/TraceSegments"
  // Header names lower-cased; values as received.
  HttpHeaders headers;
  std::string body;  // complete, de-chunked

  // The first value of a header (name in lower case), or empty.
  std::string_view Header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return value;
    }
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  // Server side: sent as given, except that the server owns the framing: Content-Length,
  // Transfer-Encoding and Connection are computed (a "connection: close" entry asks the server to
  // close after this response). Client side (HttpClient): names lower-cased, values as received.
  HttpHeaders headers;
  std::string body;

  // The first value of a header (name in lower case, matched case-insensitively), or empty.
  std::string_view Header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name.size() != lower_name.size()) continue;
      bool equal = true;
      for (size_t i = 0; i < name.size() && equal; ++i) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        equal = c == lower_name[i];
      }
      if (equal) return value;
    }
    return {};
  }
};

// Sends the response for one request. Call exactly once, from any thread (a second call is a
// CHECK failure). Copies share one state. Calling it after the connection died or the server
// stopped (even after the server was destroyed) is a harmless no-op. Dropping every copy without
// calling it answers 500 InternalFailure, so a lost responder never hangs a client.
using HttpResponder = std::function<void(HttpResponse)>;

// Handles one request; may answer later (after a durable write) through the responder.
using HttpHandler = std::function<void(HttpRequest, HttpResponder)>;

}  // namespace roentgen::transport
