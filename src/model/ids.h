// model/ids.h — X-Ray identifiers: the trace id `1-<8 hex epoch>-<24 hex random>` and the 64-bit
// entity id (segment, subsegment, exception) written as 16 hex digits.
// Thread-safety: values; safe to copy and share.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roentgen::model {

// Stored as 16 bytes: the epoch (big-endian) then the 12 random bytes, so that byte order is
// time order. Only version 1 exists; other versions are rejected by Parse.
class TraceId {
 public:
  static constexpr size_t kTextLength = 35;
  using Key = std::array<uint8_t, 16>;

  TraceId() = default;
  // Accepts exactly `1-` + 8 hex + `-` + 24 hex, either case. nullopt otherwise.
  static std::optional<TraceId> Parse(std::string_view text);
  static TraceId FromKey(const Key& key) { return TraceId(key); }

  // The time the trace started, as encoded by the SDK (seconds). Untrusted: W3C ids converted
  // by OpenTelemetry carry random bits here.
  uint32_t epoch() const;
  const Key& key() const { return key_; }
  // Lower-case canonical text form.
  std::string ToString() const;

  auto operator<=>(const TraceId&) const = default;

 private:
  explicit TraceId(const Key& key) : key_(key) {}
  Key key_{};
};

// A segment, subsegment or exception id.
using EntityId = uint64_t;

// Parses exactly 16 hex digits (either case). nullopt otherwise.
std::optional<EntityId> ParseEntityId(std::string_view text);
// 16 lower-case hex digits.
std::string FormatEntityId(EntityId id);

}  // namespace roentgen::model

template <>
struct std::hash<roentgen::model::TraceId> {
  size_t operator()(const roentgen::model::TraceId& id) const noexcept;
};
