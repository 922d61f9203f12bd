// core/check.h — CHECK(condition) << "context": abort with a message when an internal invariant
// is broken. Never used for untrusted input (that is a Status).
#pragma once

#include <cstdlib>
#include <iostream>
#include <sstream>

namespace roentgen::internal {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition) {
    stream_ << file << ":" << line << ": CHECK failed: " << condition << " ";
  }
  [[noreturn]] ~CheckFailure() {
    std::cerr << stream_.str() << std::endl;
    std::abort();
  }
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

}  // namespace roentgen::internal

#define CHECK(condition) \
  if (condition) {       \
  } else                 \
    ::roentgen::internal::CheckFailure(__FILE__, __LINE__, #condition).stream()
