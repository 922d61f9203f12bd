#include "core/log.h"

#include <spdlog/spdlog.h>

namespace roentgen::log {

void Info(std::string_view message) { spdlog::info("{}", message); }
void Warn(std::string_view message) { spdlog::warn("{}", message); }
void Error(std::string_view message) { spdlog::error("{}", message); }

bool SetLevel(std::string_view level) {
  auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") return false;
  spdlog::set_level(parsed);
  return true;
}

}  // namespace roentgen::log
