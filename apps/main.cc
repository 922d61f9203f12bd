// apps/main.cc — the `roentgen` command line: parses flags and hands over to a subcommand.
// Bad flags print a message naming the problem and exit with status 2.

#include <CLI/CLI.hpp>

#include <charconv>
#include <iostream>
#include <optional>
#include <string>

#include "apps/serve_command.h"

namespace {

using roentgen::apps::Endpoint;

// "127.0.0.1:2000", ":2000" (loopback) or "2000".
std::optional<Endpoint> ParseEndpoint(const std::string& text) {
  const size_t colon = text.rfind(':');
  std::string host = colon == std::string::npos ? "127.0.0.1" : text.substr(0, colon);
  std::string port_text = colon == std::string::npos ? text : text.substr(colon + 1);
  if (host.empty()) host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return std::nullopt;
  }
  return Endpoint{host, static_cast<uint16_t>(port)};
}

// "30d", "12h", "90m", "3600s".
std::optional<double> ParseDuration(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size() - 1, value);
  if (error != std::errc() || end != text.data() + text.size() - 1 || value <= 0) {
    return std::nullopt;
  }
  switch (text.back()) {
    case 's':
      return value;
    case 'm':
      return value * 60;
    case 'h':
      return value * 3600;
    case 'd':
      return value * 86400;
    default:
      return std::nullopt;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Roentgen: a self-hosted, drop-in compatible AWS X-Ray."};
  app.require_subcommand(1);

  roentgen::apps::ServeOptions serve;
  std::string udp = "127.0.0.1:2000", http = "127.0.0.1:2000", retention = "30d";
  CLI::App* serve_command =
      app.add_subcommand("serve", "Run the all-in-one server: UDP intake, X-Ray API, store.");
  serve_command->add_option("--udp", udp, "UDP segment intake address:port")->capture_default_str();
  serve_command->add_option("--http", http, "HTTP API address:port (aws xray --endpoint-url)")
      ->capture_default_str();
  serve_command->add_option("--data-dir", serve.data_dir, "where traces are stored")
      ->capture_default_str();
  serve_command->add_option("--retention", retention, "how long traces are kept: 30d, 12h, 90m")
      ->capture_default_str();
  serve_command->add_option("--log-level", serve.log_level, "debug, info, warn or error")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "roentgen: " << e.what() << "\nRun 'roentgen serve --help' for the options.\n";
    return 2;
  }

  if (serve_command->parsed()) {
    auto udp_endpoint = ParseEndpoint(udp);
    auto http_endpoint = ParseEndpoint(http);
    auto retention_seconds = ParseDuration(retention);
    if (!udp_endpoint) {
      std::cerr << "roentgen: --udp: expected address:port, got '" << udp << "'\n";
      return 2;
    }
    if (!http_endpoint) {
      std::cerr << "roentgen: --http: expected address:port, got '" << http << "'\n";
      return 2;
    }
    if (!retention_seconds) {
      std::cerr << "roentgen: --retention: expected a duration like 30d, 12h or 90m, got '"
                << retention << "'\n";
      return 2;
    }
    serve.udp = *udp_endpoint;
    serve.http = *http_endpoint;
    serve.retention_seconds = *retention_seconds;
    return roentgen::apps::RunServe(serve);
  }
  return 2;
}
