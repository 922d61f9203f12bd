// model/segment_document.h — one validated segment document, as accepted from UDP or
// PutTraceSegments: the identity and state the store and the assembler need, plus the document
// text exactly as the client sent it (so BatchGetTraces can return it losslessly).
// Thread-safety: a value.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "model/ids.h"

namespace roentgen::model {

enum class DocumentKind : uint8_t {
  kSegment = 0,     // a segment (no "type"), complete or in progress
  kSubsegment = 1,  // an independently sent subsegment ("type": "subsegment")
};

struct SegmentDocument {
  TraceId trace_id;
  EntityId id = 0;
  // A segment's upstream caller, or an independent subsegment's parent (segment or subsegment).
  std::optional<EntityId> parent_id;
  DocumentKind kind = DocumentKind::kSegment;
  // true: a placeholder to be replaced by the complete document with the same id.
  bool in_progress = false;
  EpochSeconds start_time = 0;
  // Absent while in progress.
  std::optional<EpochSeconds> end_time;
  // The JSON object, byte for byte as received (no header line, no surrounding whitespace).
  std::string json;
};

// Why a document was refused. The names are X-Ray's own ErrorCode values where AWS has one.
enum class DocumentErrorCode : uint8_t {
  kInvalidJson,        // not parseable JSON, or not an object
  kMissingId,          // no "id", or not 16 hex digits
  kInvalidTraceId,     // "trace_id" missing or not 1-<8 hex>-<24 hex>
  kInvalidName,        // "name" missing, empty, longer than 200, or outside the allowed charset
  kMissingStartTime,   // "start_time" missing or not a number
  kMissingEndTime,     // neither "end_time" nor "in_progress": true (also for embedded subsegments)
  kMissingParentId,    // "type": "subsegment" without a 16-hex "parent_id"
  kInvalidType,        // "type" present but not "subsegment"
  kInvalidAnnotation,  // an annotation key or value breaks X-Ray's rules
  kDocumentTooLarge,   // over 64 KiB
};

std::string_view DocumentErrorCodeName(DocumentErrorCode code);

struct DocumentError {
  DocumentErrorCode code;
  // The document's "id" when it could be read, else empty.
  std::string id;
  bool is_subsegment = false;
  // What exactly is wrong, naming the field (and its path for embedded subsegments).
  std::string detail;

  // X-Ray's message form: "Invalid segment. ErrorCode: InvalidTraceId" (+ detail).
  std::string Message() const;
};

// The largest document accepted, in bytes (X-Ray's 64 kB).
inline constexpr size_t kMaxDocumentBytes = 64 * 1024;

}  // namespace roentgen::model
