// core/result.h — a value or the Status explaining why there is none (shaped like std::expected,
// which g++ 12 offers only with -std=c++2b).
// Thread-safety: a Result is a value; distinct objects may be used concurrently.
#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include "core/check.h"
#include "core/status.h"

namespace roentgen {

template <typename T>
class [[nodiscard]] Result {
 public:
  static_assert(!std::is_same_v<T, Status>, "use Status directly");

  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}        // NOLINT: implicit
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {  // NOLINT: implicit
    CHECK(!std::get<1>(state_).ok()) << "a Result's error must not be OK";
  }

  bool ok() const { return state_.index() == 0; }
  // OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<1>(state_); }

  // Precondition for the accessors below: ok().
  T& value() & { return Checked(); }
  const T& value() const& { return const_cast<Result*>(this)->Checked(); }
  T&& value() && { return std::move(Checked()); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  T& Checked() {
    CHECK(ok()) << "value() on an error Result: " << std::get<1>(state_).ToString();
    return std::get<0>(state_);
  }

  std::variant<T, Status> state_;
};

}  // namespace roentgen

// `ASSIGN_OR_RETURN(auto x, Expr())` binds the value of a Result or returns its Status.
#define ROENTGEN_CONCAT_INNER(a, b) a##b
#define ROENTGEN_CONCAT(a, b) ROENTGEN_CONCAT_INNER(a, b)
#define ASSIGN_OR_RETURN(lhs, expr)                              \
  auto ROENTGEN_CONCAT(roentgen_result_, __LINE__) = (expr);     \
  if (!ROENTGEN_CONCAT(roentgen_result_, __LINE__).ok())         \
    return ROENTGEN_CONCAT(roentgen_result_, __LINE__).status(); \
  lhs = std::move(ROENTGEN_CONCAT(roentgen_result_, __LINE__)).value()
