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
  // true: a placeholder to be replaced by the complete document with the same id
  // ("in_progress": true; "in_progress": false is the same as absent).
  bool in_progress = false;
  EpochSeconds start_time = 0;
  // Absent while in progress. (An "end_time" sent next to "in_progress": true is not reported
  // here: the SDK said the work is not finished. It stays in `json`.)
  std::optional<EpochSeconds> end_time;
  // The JSON object, byte for byte as received (no header line, no surrounding whitespace).
  std::string json;
};

// Why a document was refused. The names are X-Ray's own ErrorCode values where AWS has one.
//
// Annotations are never a reason: X-Ray drops bad annotation keys/values silently, so the parser
// keeps them in the raw JSON and the summarizer filters them.
enum class DocumentErrorCode : uint8_t {
  kInvalidJson,       // not parseable JSON, not an object, or subsegments nested too deep
  kMissingId,         // no "id", or not 16 hex digits (also: an empty top-level array)
  kMissingTraceId,    // no "trace_id" (or null) on a segment or independent subsegment
  kInvalidTraceId,    // "trace_id" present but not 1-<8 hex>-<24 hex>
  kInvalidName,       // "name" missing, empty, too long, or outside the allowed charset
  kMissingStartTime,  // "start_time" missing or not a number
  kMissingEndTime,    // neither "end_time" nor "in_progress": true (also for embedded subsegments)
  kMissingParentId,   // "type": "subsegment" without a 16-hex "parent_id"; or a segment's
                      // optional "parent_id" present but not 16 hex digits
  kInvalidType,       // "type" present but not "subsegment"
  kDocumentTooLarge,  // over kMaxDocumentBytes
};

std::string_view DocumentErrorCodeName(DocumentErrorCode code);

struct DocumentError {
  DocumentErrorCode code;
  // The top-level document's "id" as written, when it is 16 hex digits, else empty. For an error
  // inside an embedded subsegment this is still the enclosing document's id (as AWS reports it).
  // For unparseable or oversized text, best effort: the first `"id": "<16 hex>"` in the text.
  std::string id;
  // The entity at fault is a subsegment: an independent one, or one embedded in the document.
  bool is_subsegment = false;
  // What exactly is wrong, naming the field (with its path, e.g. `subsegments[0].end_time`, for
  // embedded subsegments). Client text quoted in it is escaped and truncated.
  std::string detail;

  // X-Ray's message form: "Invalid segment. ErrorCode: InvalidTraceId" or "Invalid subsegment.
  // ErrorCode: MissingEndTime", followed by " (<detail>)" when there is a detail.
  std::string Message() const;
};

// The largest document accepted, in bytes (X-Ray's 64 kB).
inline constexpr size_t kMaxDocumentBytes = 64 * 1024;

}  // namespace roentgen::model
