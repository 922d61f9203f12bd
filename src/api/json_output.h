// api/json_output.h — writes X-Ray response bodies: a thin layer over RapidJSON's streaming
// Writer that speaks X-Ray's conventions (timestamps as epoch-second numbers; absent optional
// members omitted rather than null).
// Thread-safety: one object per response.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <optional>
#include <string>
#include <string_view>

namespace roentgen::api {

class JsonOutput {
 public:
  JsonOutput() : writer_(buffer_) {}

  JsonOutput& BeginObject() { return Did(writer_.StartObject()); }
  JsonOutput& EndObject() { return Did(writer_.EndObject()); }
  JsonOutput& BeginArray() { return Did(writer_.StartArray()); }
  JsonOutput& EndArray() { return Did(writer_.EndArray()); }
  JsonOutput& Key(std::string_view key) {
    return Did(writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size())));
  }
  JsonOutput& String(std::string_view value) {
    return Did(writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size())));
  }
  JsonOutput& Bool(bool value) { return Did(writer_.Bool(value)); }
  JsonOutput& Int(int64_t value) { return Did(writer_.Int64(value)); }
  // Non-finite numbers have no JSON form; they are written as 0.
  JsonOutput& Double(double value) { return Did(writer_.Double(std::isfinite(value) ? value : 0)); }

  // Key + value helpers for the common member shapes.
  JsonOutput& Member(std::string_view key, std::string_view value) {
    return Key(key).String(value);
  }
  JsonOutput& Member(std::string_view key, bool value) { return Key(key).Bool(value); }
  JsonOutput& MemberInt(std::string_view key, int64_t value) { return Key(key).Int(value); }
  JsonOutput& MemberDouble(std::string_view key, double value) { return Key(key).Double(value); }
  JsonOutput& MemberIfPresent(std::string_view key, const std::optional<double>& value) {
    return value ? MemberDouble(key, *value) : *this;
  }
  JsonOutput& MemberIfNotEmpty(std::string_view key, std::string_view value) {
    return value.empty() ? *this : Member(key, value);
  }

  std::string Take() { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  JsonOutput& Did(bool) { return *this; }  // RapidJSON's Writer only fails on misuse

  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace roentgen::api
