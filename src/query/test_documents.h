// query/test_documents.h — builds storage::StoredDocuments for query/ tests and benchmarks from
// captured SDK datagrams or hand-written document text. The identity fields (trace_id, id,
// parent_id, type, in_progress, start/end) are read with simdjson's DOM API, independently of
// model::SegmentParser, so these tests exercise only query/. Test-only code: bad input CHECK-fails.
// Thread-safety: plain functions.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "storage/trace_store.h"

namespace roentgen::query::testing {

// A StoredDocument whose json is `json` exactly.
storage::StoredDocument MakeDocument(std::string json, EpochSeconds received_at = 0);

// The document part of a UDP datagram file: everything after the first newline (the header).
std::string ReadDatagramDocument(const std::string& path);

#ifdef ROENTGEN_SAMPLES_DIR  // defined for test binaries (see roentgen_test in CMakeLists.txt)
// The document of a captured datagram, by its path under ../shared/samples/udp/.
inline std::string UdpSample(const std::string& relative) {
  return ReadDatagramDocument(std::string(ROENTGEN_SAMPLES_DIR) + "/udp/" + relative);
}
#endif

}  // namespace roentgen::query::testing
