#include "api/json_input.h"

#include <simdjson.h>

#include <charconv>
#include <cstdio>
#include <ctime>

namespace roentgen::api {

struct JsonInput::Impl {
  // `root` points into the document owned by `parser` (or into the parent's, for nested
  // objects, which then share ownership of that parser).
  std::shared_ptr<simdjson::dom::parser> parser;
  simdjson::dom::object root;

  // nullopt when absent or null.
  std::optional<simdjson::dom::element> Member(std::string_view member) const {
    simdjson::dom::element element;
    if (root.at_key(member).get(element) != simdjson::SUCCESS) return std::nullopt;
    if (element.is_null()) return std::nullopt;
    return element;
  }
};

namespace {

Status WrongType(std::string_view member, std::string_view expected) {
  return Status::InvalidArgument(std::string(member) + " must be " + std::string(expected));
}

}  // namespace

JsonInput::JsonInput(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonInput::JsonInput(JsonInput&&) noexcept = default;
JsonInput& JsonInput::operator=(JsonInput&&) noexcept = default;
JsonInput::~JsonInput() = default;

Result<JsonInput> JsonInput::Parse(std::string_view body) {
  auto impl = std::make_unique<Impl>();
  impl->parser = std::make_shared<simdjson::dom::parser>();
  size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) body = "{}";
  simdjson::padded_string padded(body);
  simdjson::dom::element element;
  if (auto error = impl->parser->parse(padded).get(element); error != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string("request body is not valid JSON: ") +
                                   simdjson::error_message(error));
  }
  if (element.get_object().get(impl->root) != simdjson::SUCCESS) {
    return Status::InvalidArgument("request body must be a JSON object");
  }
  return JsonInput(std::move(impl));
}

Result<std::optional<std::string>> JsonInput::String(std::string_view member) const {
  const auto element = impl_->Member(member);
  if (!element) return std::optional<std::string>();
  std::string_view value;
  if (element->get_string().get(value) != simdjson::SUCCESS) return WrongType(member, "a string");
  return std::optional<std::string>(std::string(value));
}

Result<std::optional<bool>> JsonInput::Bool(std::string_view member) const {
  const auto element = impl_->Member(member);
  if (!element) return std::optional<bool>();
  bool value = false;
  if (element->get_bool().get(value) != simdjson::SUCCESS) return WrongType(member, "a boolean");
  return std::optional<bool>(value);
}

Result<std::optional<double>> JsonInput::Number(std::string_view member) const {
  const auto element = impl_->Member(member);
  if (!element) return std::optional<double>();
  double value = 0;
  if (element->get_double().get(value) != simdjson::SUCCESS) return WrongType(member, "a number");
  return std::optional<double>(value);
}

Result<std::optional<EpochSeconds>> JsonInput::Timestamp(std::string_view member) const {
  const auto element = impl_->Member(member);
  if (!element) return std::optional<EpochSeconds>();
  double seconds = 0;
  if (element->get_double().get(seconds) == simdjson::SUCCESS) {
    // Java's SDKs may send epoch milliseconds; no X-Ray time is past the year 5000 in seconds.
    if (seconds > 1e11) seconds /= 1000;
    return std::optional<EpochSeconds>(seconds);
  }
  std::string_view text;
  if (element->get_string().get(text) == simdjson::SUCCESS) {
    if (auto parsed = ParseTimestampText(text)) return std::optional<EpochSeconds>(*parsed);
  }
  return WrongType(member, "a timestamp (epoch seconds or ISO-8601)");
}

Result<std::optional<std::vector<std::string>>> JsonInput::StringList(
    std::string_view member) const {
  const auto element = impl_->Member(member);
  if (!element) return std::optional<std::vector<std::string>>();
  simdjson::dom::array array;
  if (element->get_array().get(array) != simdjson::SUCCESS) {
    return WrongType(member, "a list of strings");
  }
  std::vector<std::string> values;
  for (simdjson::dom::element item : array) {
    std::string_view value;
    if (item.get_string().get(value) != simdjson::SUCCESS) {
      return WrongType(member, "a list of strings");
    }
    values.emplace_back(value);
  }
  return std::optional<std::vector<std::string>>(std::move(values));
}

Result<std::optional<JsonInput>> JsonInput::Object(std::string_view member) const {
  const auto element = impl_->Member(member);
  if (!element) return std::optional<JsonInput>();
  auto impl = std::make_unique<Impl>();
  impl->parser = impl_->parser;
  if (element->get_object().get(impl->root) != simdjson::SUCCESS) {
    return WrongType(member, "an object");
  }
  return std::optional<JsonInput>(JsonInput(std::move(impl)));
}

std::optional<EpochSeconds> ParseTimestampText(std::string_view text) {
  double number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error == std::errc() && end == text.data() + text.size()) return number;

  // YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]
  std::string s(text);
  int year, month, day, hour, minute, second, consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  double result = static_cast<double>(timegm(&tm));
  std::string_view rest = std::string_view(s).substr(consumed);
  if (!rest.empty() && rest.front() == '.') {
    size_t digits = 1;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    double fraction = 0;
    std::from_chars(rest.data(), rest.data() + digits, fraction);
    result += fraction;
    rest.remove_prefix(digits);
  }
  if (rest.empty() || rest == "Z" || rest == "z") return result;
  int offset_hours = 0, offset_minutes = 0;
  if ((rest.front() == '+' || rest.front() == '-') &&
      std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &offset_hours, &offset_minutes) ==
          2) {
    const double offset = offset_hours * 3600.0 + offset_minutes * 60.0;
    return rest.front() == '+' ? result - offset : result + offset;
  }
  return std::nullopt;
}

}  // namespace roentgen::api
