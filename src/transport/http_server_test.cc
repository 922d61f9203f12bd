#include "transport/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "transport/http_client.h"

namespace roentgen::transport {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// A blocking TCP connection to 127.0.0.1 that speaks bytes, for exact control of what is sent
// (pipelining, chunking, malformed requests). Every read gives up after 5 s.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One response: status line, headers, and a Content-Length body (none for 1xx).
  std::optional<RawResponse> ReadResponse(bool head_request = false) {
    size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    std::string head = pending_.substr(0, end);
    pending_.erase(0, end + 4);
    RawResponse response;
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return std::nullopt;
    response.status = std::stoi(status_line.substr(9, 3));
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t next = head.find("\r\n", pos);
      if (next == std::string::npos) next = head.size();
      std::string line = head.substr(pos, next - pos);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      response.headers[name] = value;
      pos = next + 2;
    }
    if (response.status < 200 || head_request) return response;
    auto length = response.headers.find("content-length");
    if (length == response.headers.end()) return std::nullopt;  // we always send it
    size_t size = std::stoul(length->second);
    while (pending_.size() < size) {
      if (!Fill()) return std::nullopt;
    }
    response.body = pending_.substr(0, size);
    pending_.erase(0, size);
    return response;
  }

  // True when the server closes the connection (EOF or reset) before the read timeout.
  bool WaitForClose() {
    char buffer[4096];
    for (;;) {
      ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

 private:
  bool Fill() {
    char buffer[4096];
    ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

HttpServerOptions TestOptions() {
  HttpServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.idle_timeout_seconds = 30;
  return options;
}

HttpResponse Text(std::string body, int status = 200) {
  HttpResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "text/plain"}};
  response.body = std::move(body);
  return response;
}

// Answers "<method> <target> <body>".
void Echo(HttpRequest request, HttpResponder respond) {
  respond(Text(request.method + " " + request.target + " " + request.body));
}

std::unique_ptr<HttpServer> StartServer(const HttpServerOptions& options, HttpHandler handler) {
  auto server = HttpServer::Start(options, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

// Threads that answer later; joined on destruction (declare before the server, so they finish
// before the server is destroyed — though answering after that would be harmless too).
class LaterThreads {
 public:
  ~LaterThreads() {
    for (auto& thread : threads_) thread.join();
  }
  void Answer(HttpResponder respond, HttpResponse response, milliseconds delay) {
    std::lock_guard lock(mu_);
    threads_.emplace_back([respond = std::move(respond), response = std::move(response), delay] {
      std::this_thread::sleep_for(delay);
      respond(response);
    });
  }

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

std::string Post(std::string_view target, std::string_view body, std::string_view extra = "") {
  return "POST " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

TEST(HttpServerTest, BindsAFreePortWhenAskedForPortZero) {
  auto server = StartServer(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  EXPECT_NE(server->port(), 0);
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send(Post("/TraceSegments", "{}")));
  auto response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /TraceSegments {}");
}

TEST(HttpServerTest, StartFailsWhenThePortIsTaken) {
  auto first = StartServer(TestOptions(), Echo);
  ASSERT_NE(first, nullptr);
  HttpServerOptions options = TestOptions();
  options.port = first->port();
  auto second = HttpServer::Start(options, Echo);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
}

TEST(HttpServerTest, RejectsBadOptions) {
  HttpServerOptions options = TestOptions();
  options.threads = 0;
  EXPECT_EQ(HttpServer::Start(options, Echo).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpServer::Start(TestOptions(), nullptr).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(HttpServerTest, ServesSequentialRequestsOnOneKeepAliveConnection) {
  auto server = StartServer(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  for (int i = 0; i < 2; ++i) {
    std::string body = "request " + std::to_string(i);
    ASSERT_TRUE(connection.Send(Post("/x", body)));
    auto response = connection.ReadResponse();
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "POST /x " + body);
    EXPECT_EQ(response->headers["content-length"], std::to_string(response->body.size()));
    EXPECT_EQ(response->headers.count("connection"), 0u);
    EXPECT_EQ(response->headers["content-type"], "text/plain");
  }
  HttpServerStats stats = server->stats();
  EXPECT_EQ(stats.connections_accepted, 1u);
  EXPECT_EQ(stats.requests, 2u);
  EXPECT_EQ(stats.open_connections, 1u);
}

TEST(HttpServerTest, AnswersPipelinedRequestsInOrder) {
  LaterThreads later;
  auto server = StartServer(TestOptions(), [&later](HttpRequest request, HttpResponder respond) {
    if (request.target == "/slow") {
      later.Answer(std::move(respond), Text("slow"), milliseconds(200));
    } else {
      respond(Text("fast"));
    }
  });
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.Send(Post("/slow", "a") + Post("/fast", "b") + Post("/slow", "c")));
  for (const char* expected : {"slow", "fast", "slow"}) {
    auto response = connection.ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->body, expected);
  }
}

TEST(HttpServerTest, ChunkedRequestBodyArrivesDechunked) {
  std::string transfer_encoding;
  auto server = StartServer(TestOptions(), [&](HttpRequest request, HttpResponder respond) {
    transfer_encoding = std::string(request.Header("transfer-encoding"));
    Echo(std::move(request), std::move(respond));
  });
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.Send(
      "POST /TraceSegments HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"));
  auto response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "POST /TraceSegments hello world");
  EXPECT_EQ(transfer_encoding, "chunked");
  // The connection stays usable.
  ASSERT_TRUE(connection.Send(Post("/again", "x")));
  response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "POST /again x");
}

constexpr std::string_view kTooLargeBody =
    R"({"__type":"InvalidRequestException","message":"request body exceeds 1024 bytes"})";

void ExpectTooLarge(const std::optional<RawResponse>& response) {
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->body, kTooLargeBody);
  auto headers = response->headers;
  EXPECT_EQ(headers["content-type"], "application/json");
  EXPECT_EQ(headers["x-amzn-errortype"], "InvalidRequestException");
  EXPECT_EQ(headers["connection"], "close");
  EXPECT_EQ(headers["content-length"], std::to_string(kTooLargeBody.size()));
}

TEST(HttpServerTest, BodyOverTheLimitGets413WithoutReachingTheHandler) {
  HttpServerOptions options = TestOptions();
  options.max_body_bytes = 1024;
  std::atomic<int> calls{0};
  auto server = StartServer(options, [&](HttpRequest request, HttpResponder respond) {
    ++calls;
    Echo(std::move(request), std::move(respond));
  });
  ASSERT_NE(server, nullptr);
  {
    RawConnection connection(server->port());
    ASSERT_TRUE(connection.Send(Post("/ok", std::string(1024, 'a'))));  // exactly the limit
    auto response = connection.ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200);
  }
  {
    RawConnection connection(server->port());
    ASSERT_TRUE(connection.Send(Post("/big", std::string(4096, 'a'))));
    ExpectTooLarge(connection.ReadResponse());
    EXPECT_TRUE(connection.WaitForClose());
  }
  {
    // Chunked: the limit applies to the de-chunked body as it arrives.
    RawConnection connection(server->port());
    std::string request = "POST /big HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 5; ++i) request += "100\r\n" + std::string(256, 'b') + "\r\n";
    request += "0\r\n\r\n";
    ASSERT_TRUE(connection.Send(request));
    ExpectTooLarge(connection.ReadResponse());
    EXPECT_TRUE(connection.WaitForClose());
  }
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(server->stats().bodies_too_large, 2u);
}

TEST(HttpServerTest, ExpectContinueGets100ThenTheResponse) {
  auto server = StartServer(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.Send(
      "POST /x HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto interim = connection.ReadResponse();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(connection.Send("hello"));
  auto response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /x hello");
}

TEST(HttpServerTest, ExpectContinueOverTheLimitGets413Instead) {
  HttpServerOptions options = TestOptions();
  options.max_body_bytes = 1024;
  auto server = StartServer(options, Echo);
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.Send(
      "POST /x HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 2048\r\n\r\n"));
  ExpectTooLarge(connection.ReadResponse());
  EXPECT_TRUE(connection.WaitForClose());
}

TEST(HttpServerTest, HandlerAnswersFromAnotherThreadAfterADelay) {
  LaterThreads later;
  auto server = StartServer(TestOptions(), [&later](HttpRequest request, HttpResponder respond) {
    later.Answer(std::move(respond), Text("durable: " + request.body), milliseconds(150));
  });
  ASSERT_NE(server, nullptr);
  HttpClient client({.host = "127.0.0.1", .port = server->port()});
  for (int i = 0; i < 2; ++i) {
    auto start = steady_clock::now();
    auto response = client.Post("/TraceSegments", "batch");
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->body, "durable: batch");
    EXPECT_GE(steady_clock::now() - start, milliseconds(150));
  }
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(HttpServerTest, MalformedRequestsGet400AndTheConnectionIsClosed) {
  std::atomic<int> calls{0};
  auto server = StartServer(TestOptions(), [&](HttpRequest request, HttpResponder respond) {
    ++calls;
    Echo(std::move(request), std::move(respond));
  });
  ASSERT_NE(server, nullptr);
  for (std::string_view garbage : {
           std::string_view("this is not http\r\n\r\n"),
           std::string_view("GET / HTTP/1.1\r\nHost: test\r\nNo colon here\r\n\r\n"),
           std::string_view("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: abc\r\n\r\n"),
           std::string_view("POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "zz\r\nhello\r\n0\r\n\r\n"),
       }) {
    RawConnection connection(server->port());
    ASSERT_TRUE(connection.Send(garbage));
    auto response = connection.ReadResponse();
    ASSERT_TRUE(response.has_value()) << garbage;
    EXPECT_EQ(response->status, 400) << garbage;
    EXPECT_EQ(response->headers["connection"], "close");
    EXPECT_EQ(response->headers["x-amzn-errortype"], "InvalidRequestException");
    EXPECT_TRUE(connection.WaitForClose()) << garbage;
  }
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(server->stats().bad_requests, 4u);
}

TEST(HttpServerTest, HeaderBlockOverTheLimitGets431) {
  auto server = StartServer(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.Send(
      "GET / HTTP/1.1\r\nHost: test\r\nX-Big: " + std::string(70 * 1024, 'h') + "\r\n\r\n"));
  auto response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(response->headers["connection"], "close");
  EXPECT_TRUE(connection.WaitForClose());
}

TEST(HttpServerTest, MalformedResponseHeadersAreDropped) {
  auto server = StartServer(TestOptions(), [](HttpRequest, HttpResponder respond) {
    HttpResponse response = Text("ok");
    response.headers.emplace_back("X-Injected", "a\r\nSet-Cookie: evil=1");
    response.headers.emplace_back("Bad:Name", "v");
    response.headers.emplace_back("X-Fine", "yes");
    respond(std::move(response));
  });
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.Send(Post("/x", "")));
  auto response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers.count("x-injected"), 0u);
  EXPECT_EQ(response->headers.count("set-cookie"), 0u);
  EXPECT_EQ(response->headers.count("bad"), 0u);
  EXPECT_EQ(response->headers["x-fine"], "yes");
  EXPECT_EQ(response->body, "ok");
}

TEST(HttpServerTest, HeaderNamesAreLowerCasedAndValuesKept) {
  HttpRequest seen;
  auto server = StartServer(TestOptions(), [&](HttpRequest request, HttpResponder respond) {
    seen = request;
    respond(Text("ok"));
  });
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  ASSERT_TRUE(
      connection.Send("GET /Groups?x=1 HTTP/1.1\r\nHost: test\r\n"
                      "X-Amz-Target: AWSXRay.GetGroups\r\nCONTENT-type: Application/JSON\r\n"
                      "\r\n"));
  ASSERT_TRUE(connection.ReadResponse().has_value());
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/Groups?x=1");
  EXPECT_EQ(seen.Header("x-amz-target"), "AWSXRay.GetGroups");
  EXPECT_EQ(seen.Header("content-type"), "Application/JSON");
  EXPECT_EQ(seen.Header("host"), "test");
  EXPECT_TRUE(seen.body.empty());
}

TEST(HttpServerTest, ServerOwnsFramingHeadersAndHonoursConnectionClose) {
  auto server = StartServer(TestOptions(), [](HttpRequest request, HttpResponder respond) {
    HttpResponse response = Text("body");
    response.headers.emplace_back("Content-Length", "999");  // ignored: the server computes it
    response.headers.emplace_back("Transfer-Encoding", "chunked");
    if (request.target == "/close") response.headers.emplace_back("Connection", "close");
    respond(std::move(response));
  });
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.Send(Post("/keep", "")));
  auto response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->headers["content-length"], "4");
  EXPECT_EQ(response->headers.count("transfer-encoding"), 0u);
  EXPECT_EQ(response->body, "body");
  ASSERT_TRUE(connection.Send(Post("/close", "")));
  response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->headers["connection"], "close");
  EXPECT_TRUE(connection.WaitForClose());
}

TEST(HttpServerTest, Http10WithoutKeepAliveIsClosedAfterTheResponse) {
  auto server = StartServer(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.Send("POST /x HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi"));
  auto response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "POST /x hi");
  EXPECT_EQ(response->headers["content-length"], "10");
  EXPECT_TRUE(connection.WaitForClose());
}

TEST(HttpServerTest, HeadResponseCarriesTheLengthButNoBody) {
  auto server = StartServer(
      TestOptions(), [](HttpRequest, HttpResponder respond) { respond(Text("twelve bytes")); });
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.Send("HEAD / HTTP/1.1\r\nHost: test\r\n\r\n"));
  auto response = connection.ReadResponse(/*head_request=*/true);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->headers["content-length"], "12");
  // No body bytes were sent: the next response follows immediately.
  ASSERT_TRUE(connection.Send("GET / HTTP/1.1\r\nHost: test\r\n\r\n"));
  response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "twelve bytes");
}

TEST(HttpServerTest, ADroppedResponderAnswers500) {
  auto server = StartServer(TestOptions(), [](HttpRequest request, HttpResponder) {
    if (request.target == "/throw") throw std::runtime_error("handler bug");
    // Drops the responder without calling it.
  });
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  for (const char* target : {"/drop", "/throw"}) {
    ASSERT_TRUE(connection.Send(Post(target, "")));
    auto response = connection.ReadResponse();
    ASSERT_TRUE(response.has_value()) << target;
    EXPECT_EQ(response->status, 500) << target;
    EXPECT_EQ(response->headers["x-amzn-errortype"], "InternalFailure");
  }
}

TEST(HttpServerTest, ServesConcurrentClients) {
  HttpServerOptions options = TestOptions();
  options.threads = 3;
  auto server = StartServer(options, Echo);
  ASSERT_NE(server, nullptr);
  constexpr int kClients = 8;
  constexpr int kRequests = 50;
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client({.host = "127.0.0.1", .port = server->port()});
      for (int i = 0; i < kRequests; ++i) {
        std::string body = std::to_string(c) + "/" + std::to_string(i);
        auto response = client.Post("/c", body);
        if (response.ok() && response->status == 200 && response->body == "POST /c " + body) {
          ++good;
        }
      }
    });
  }
  for (auto& thread : clients) thread.join();
  EXPECT_EQ(good.load(), kClients * kRequests);
  EXPECT_EQ(server->stats().connections_accepted, static_cast<uint64_t>(kClients));
}

TEST(HttpServerTest, IdleConnectionsAreClosedAfterTheIdleTimeout) {
  HttpServerOptions options = TestOptions();
  options.idle_timeout_seconds = 1;
  auto server = StartServer(options, Echo);
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.Send(Post("/x", "")));
  ASSERT_TRUE(connection.ReadResponse().has_value());
  auto start = steady_clock::now();
  EXPECT_TRUE(connection.WaitForClose());
  EXPECT_LT(steady_clock::now() - start, milliseconds(3000));
}

TEST(HttpServerTest, StopWithOpenConnectionsReturnsPromptly) {
  std::mutex mu;
  std::vector<HttpResponder> parked;  // requests the handler never answers before Stop
  HttpServerOptions options = TestOptions();
  options.idle_timeout_seconds = 60;
  auto server = StartServer(options, [&](HttpRequest, HttpResponder respond) {
    std::lock_guard lock(mu);
    parked.push_back(std::move(respond));
  });
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<RawConnection>> connections;
  for (int i = 0; i < 4; ++i) {
    connections.push_back(std::make_unique<RawConnection>(server->port()));
    ASSERT_TRUE(connections.back()->connected());
  }
  ASSERT_TRUE(connections[1]->Send(Post("/parked", "x")));         // waiting for the handler
  ASSERT_TRUE(connections[2]->Send("POST /half HTTP/1.1\r\nHo"));  // half a request
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard lock(mu);
      if (!parked.empty()) break;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(server->stats().open_connections, 4u);

  auto start = steady_clock::now();
  server->Stop();
  EXPECT_LT(steady_clock::now() - start, milliseconds(1500));  // well inside the forced-stop grace
  server->Stop();                                              // idempotent
  for (auto& connection : connections) EXPECT_TRUE(connection->WaitForClose());

  // Answering after Stop, and even after the server is gone, is a no-op.
  std::lock_guard lock(mu);
  ASSERT_EQ(parked.size(), 1u);
  parked[0](Text("too late"));
  server.reset();
  parked.clear();
}

TEST(HttpServerTest, AnsweringAfterTheServerIsDestroyedIsANoOp) {
  HttpResponder parked;
  std::atomic<bool> arrived{false};
  auto server = StartServer(TestOptions(), [&](HttpRequest, HttpResponder respond) {
    parked = std::move(respond);
    arrived = true;
  });
  ASSERT_NE(server, nullptr);
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.Send(Post("/parked", "x")));
  for (int i = 0; i < 200 && !arrived; ++i) std::this_thread::sleep_for(milliseconds(10));
  ASSERT_TRUE(arrived);
  server.reset();
  parked(Text("too late"));
  parked = nullptr;
  EXPECT_TRUE(connection.WaitForClose());
}

TEST(HttpServerDeathTest, CallingAResponderTwiceIsABrokenInvariant) {
  EXPECT_DEATH(
      {
        auto server = StartServer(TestOptions(), [](HttpRequest, HttpResponder respond) {
          respond(Text("one"));
          respond(Text("two"));
        });
        RawConnection connection(server->port());
        connection.Send(Post("/x", ""));
        connection.ReadResponse();
        std::this_thread::sleep_for(milliseconds(2000));
      },
      "called more than once");
}

}  // namespace
}  // namespace roentgen::transport
