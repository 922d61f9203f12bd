// api/page_token.h — NextToken values: opaque to clients, checked when they come back.
//
// A token is base64url(version, fingerprint of the query it belongs to, payload, checksum). A
// token that was altered, truncated, or sent with a different query is refused with
// InvalidArgument instead of silently paging something else.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace roentgen::api {

// A 64-bit FNV-1a hash, for query fingerprints.
uint64_t Fingerprint(std::string_view text);

std::string EncodePageToken(uint64_t query_fingerprint, std::string_view payload);
// The payload, if `token` is intact and was made for this query.
Result<std::string> DecodePageToken(std::string_view token, uint64_t query_fingerprint);

}  // namespace roentgen::api
