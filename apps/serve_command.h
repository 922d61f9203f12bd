// apps/serve_command.h — `roentgen serve`: the all-in-one server (UDP intake, the X-Ray HTTP
// API, the embedded store) wired together, running until SIGINT or SIGTERM.
#pragma once

#include <cstdint>
#include <string>

namespace roentgen::apps {

struct Endpoint {
  std::string address;
  uint16_t port = 0;
};

struct ServeOptions {
  Endpoint udp{"127.0.0.1", 2000};
  Endpoint http{"127.0.0.1", 2000};
  std::string data_dir = "data";
  double retention_seconds = 30 * 86400.0;
  std::string log_level = "info";
};

// Returns the process exit code: 0 after a clean shutdown, 1 when start-up failed.
int RunServe(const ServeOptions& options);

}  // namespace roentgen::apps
