// transport/http_types.h — the HTTP request and response as the API layer sees them; no network
// library types leak past this header.
// Thread-safety: values.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace roentgen::transport {

struct HttpRequest {
  std::string method;  // "POST", "GET", ...
  std::string target;  // path and query, e.g. "/TraceSegments"
  // Header names lower-cased; values as received.
  std::vector<std::pair<std::string, std::string>> headers;
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
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Sends the response for one request. Call exactly once, from any thread.
using HttpResponder = std::function<void(HttpResponse)>;

// Handles one request; may answer later (after a durable write) through the responder.
using HttpHandler = std::function<void(HttpRequest, HttpResponder)>;

}  // namespace roentgen::transport
