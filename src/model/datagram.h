// model/datagram.h — the X-Ray daemon's UDP framing: `<header JSON>\n<segment document>`
// (../shared/spec/daemon-protocol.md §2). Splits one datagram into its document body after
// checking the header the way the reference daemon does; the body itself is not looked at here
// (SegmentParser does that).
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

namespace roentgen::model {

// Why a datagram is refused (the reference daemon logs these and counts the datagram rejected).
enum class DatagramError : uint8_t {
  kMissingHeader,  // no '\n' in the datagram, or nothing after the first one
  kBadHeader,      // the header line is not {"format": "json", "version": 1}
};

// "MissingHeader" / "BadHeader".
std::string_view DatagramErrorName(DatagramError error);
// The reference daemon's log text: "Missing header or segment" / "Invalid header".
std::string_view DatagramErrorMessage(DatagramError error);

// The document body (a view into `datagram`), or why there is none.
using SplitDatagramResult = std::variant<std::string_view, DatagramError>;

// Splits at the first '\n': the header is before it, the body (returned, byte for byte, not
// trimmed) everything after it. The header must be a JSON object whose "format" is "json" in
// any letter case and whose "version" is the integer 1 (the string "1", 1.0 and 1e0 are
// refused, as Go's json.Unmarshal into an int refuses them); member names match case-insensitively
// and the last duplicate wins (Go's rules); other members and any JSON whitespace are accepted.
// Headers over 64 KiB (more than a UDP datagram can hold) are refused.
// The two headers SDKs actually send, `{"format":"json","version":1}` and
// `{"format": "json", "version": 1}`, are recognised without parsing. Never throws.
SplitDatagramResult SplitDatagram(std::string_view datagram);

}  // namespace roentgen::model
