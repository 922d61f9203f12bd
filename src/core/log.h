// core/log.h — the process log (spdlog behind a small facade, so no other folder includes it).
// Thread-safety: all functions may be called from any thread.
#pragma once

#include <string_view>

namespace roentgen::log {

void Info(std::string_view message);
void Warn(std::string_view message);
void Error(std::string_view message);
// "debug", "info", "warn", "error"; unknown names leave the level unchanged and return false.
bool SetLevel(std::string_view level);

}  // namespace roentgen::log
