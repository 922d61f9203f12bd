#include "transport/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "transport/http_server.h"

namespace roentgen::transport {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

HttpServerOptions ServerOptions() {
  HttpServerOptions options;
  options.port = 0;
  options.threads = 2;
  options.idle_timeout_seconds = 30;
  return options;
}

std::unique_ptr<HttpServer> StartServer(const HttpServerOptions& options, HttpHandler handler) {
  auto server = HttpServer::Start(options, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

void Echo(HttpRequest request, HttpResponder respond) {
  HttpResponse response;
  response.headers = {{"X-Echo-Method", request.method},
                      {"X-Echo-Content-Type", std::string(request.Header("content-type"))}};
  response.body = request.target + " " + request.body;
  respond(std::move(response));
}

HttpClientOptions ClientOptions(uint16_t port) {
  return {.host = "127.0.0.1", .port = port, .timeout_ms = 5000};
}

TEST(HttpClientTest, ReusesOneKeepAliveConnection) {
  auto server = StartServer(ServerOptions(), Echo);
  ASSERT_NE(server, nullptr);
  HttpClient client(ClientOptions(server->port()));
  EXPECT_FALSE(client.connected());
  for (int i = 0; i < 5; ++i) {
    auto response = client.Post("/TraceSegments", "n" + std::to_string(i),
                                {{"Content-Type", "application/json"}});
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "/TraceSegments n" + std::to_string(i));
    EXPECT_EQ(response->Header("x-echo-method"), "POST");
    EXPECT_EQ(response->Header("x-echo-content-type"), "application/json");
  }
  EXPECT_TRUE(client.connected());
  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_EQ(server->stats().connections_accepted, 1u);
}

TEST(HttpClientTest, SendsOtherMethodsAndLargeBodies) {
  auto server = StartServer(ServerOptions(), Echo);
  ASSERT_NE(server, nullptr);
  HttpClient client(ClientOptions(server->port()));
  auto response = client.Send("GET", "/GetSamplingRules", "");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->Header("x-echo-method"), "GET");
  std::string big(2 * 1024 * 1024, 'z');
  response = client.Post("/big", big);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "/big " + big);
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(HttpClientTest, ReconnectsAfterTheServerClosedAnIdleConnection) {
  HttpServerOptions options = ServerOptions();
  options.idle_timeout_seconds = 1;
  auto server = StartServer(options, Echo);
  ASSERT_NE(server, nullptr);
  HttpClient client(ClientOptions(server->port()));
  ASSERT_TRUE(client.Post("/a", "1").ok());
  // Wait until the server has dropped the idle connection; the client has not noticed yet.
  for (int i = 0; i < 50 && server->stats().open_connections > 0; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_EQ(server->stats().open_connections, 0u);
  EXPECT_TRUE(client.connected());
  auto response = client.Post("/b", "2");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "/b 2");
  EXPECT_EQ(client.connections_opened(), 2u);
  EXPECT_EQ(server->stats().requests, 2u);  // the stale attempt never reached the server
}

TEST(HttpClientTest, ReconnectsAfterConnectionClose) {
  auto server = StartServer(ServerOptions(), [](HttpRequest, HttpResponder respond) {
    HttpResponse response;
    response.headers = {{"Connection", "close"}};
    response.body = "bye";
    respond(std::move(response));
  });
  ASSERT_NE(server, nullptr);
  HttpClient client(ClientOptions(server->port()));
  for (int i = 0; i < 3; ++i) {
    auto response = client.Post("/x", "");
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->body, "bye");
    EXPECT_FALSE(client.connected());
  }
  EXPECT_EQ(client.connections_opened(), 3u);
}

TEST(HttpClientTest, RefusedConnectionIsUnavailable) {
  // A bound socket that does not listen: connecting to it is refused.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  HttpClient client(ClientOptions(ntohs(address.sin_port)));
  auto response = client.Post("/x", "");
  close(fd);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("connect"), std::string::npos);
}

TEST(HttpClientTest, TimesOutWhenTheServerDoesNotAnswer) {
  std::mutex mu;
  std::vector<HttpResponder> parked;
  auto server = StartServer(ServerOptions(), [&](HttpRequest, HttpResponder respond) {
    std::lock_guard lock(mu);
    parked.push_back(std::move(respond));
  });
  ASSERT_NE(server, nullptr);
  HttpClient client({.host = "127.0.0.1", .port = server->port(), .timeout_ms = 300});
  auto start = steady_clock::now();
  auto response = client.Post("/x", "");
  auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("timed out"), std::string::npos)
      << response.status().ToString();
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, milliseconds(2000));
  EXPECT_FALSE(client.connected());
  server.reset();
}

TEST(HttpClientTest, RejectsBadArguments) {
  HttpClient client(ClientOptions(1));
  EXPECT_EQ(client.Post("no space allowed", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Post("/x", "", {{"X-Bad", "a\r\nInjected: 1"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(client.connections_opened(), 0u);
}

}  // namespace
}  // namespace roentgen::transport
