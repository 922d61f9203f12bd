// api/json_input.h — reads the members of an X-Ray request body (a JSON object), naming the
// member in every error so clients learn exactly what was wrong.
//
// An empty body reads as `{}` (botocore sends none for member-less inputs) and explicit `null`
// members read as absent (the Go SDK sends `{"NextToken": null}`). Timestamps accept any JSON
// number (integer, fraction, exponent: epoch seconds) and ISO-8601 strings.
// Thread-safety: one object per request.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace roentgen::api {

class JsonInput {
 public:
  // InvalidArgument when the body is not a JSON object.
  static Result<JsonInput> Parse(std::string_view body);
  JsonInput(JsonInput&&) noexcept;
  JsonInput& operator=(JsonInput&&) noexcept;
  ~JsonInput();

  // Each accessor: nullopt when the member is absent or null; InvalidArgument when it has the
  // wrong type.
  Result<std::optional<std::string>> String(std::string_view member) const;
  Result<std::optional<bool>> Bool(std::string_view member) const;
  Result<std::optional<double>> Number(std::string_view member) const;
  Result<std::optional<EpochSeconds>> Timestamp(std::string_view member) const;
  Result<std::optional<std::vector<std::string>>> StringList(std::string_view member) const;
  // A nested object, as its own input.
  Result<std::optional<JsonInput>> Object(std::string_view member) const;

 private:
  struct Impl;
  explicit JsonInput(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Parses "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.5+02:00" and plain "1704067200" forms.
std::optional<EpochSeconds> ParseTimestampText(std::string_view text);

}  // namespace roentgen::api
