// core/status.h — the outcome of an operation that can fail: OK, or a code and a message.
//
// Untrusted input (datagrams, request bodies, documents) is reported with a Status, never an
// exception; a broken internal invariant is a CHECK failure instead (core/check.h).
// Thread-safety: a Status is a value; distinct objects may be used concurrently.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace roentgen {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller sent something malformed; the message says what and where
  kNotFound,           // the thing asked for does not exist (or no longer does)
  kResourceExhausted,  // a bounded queue or quota is full; the caller may retry later
  kUnavailable,        // shutting down, or a dependency is not reachable
  kIoError,            // the operating system refused a read, write or sync
  kCorruption,         // stored data failed a checksum or could not be decoded
  kInternal,           // a bug or an unexpected third-party failure
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidArgument: <message>", or "OK".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

}  // namespace roentgen

// Returns early from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                            \
  do {                                                   \
    ::roentgen::Status roentgen_status_ = (expr);        \
    if (!roentgen_status_.ok()) return roentgen_status_; \
  } while (false)
