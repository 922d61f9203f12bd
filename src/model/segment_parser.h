// model/segment_parser.h — turns untrusted JSON text into validated SegmentDocuments.
//
// Validation follows ../shared/spec/segment-document.md §9, checked in this order (the first
// failure is reported): at most kMaxDocumentBytes (kDocumentTooLarge), a JSON object
// (kInvalidJson), 16-hex `id` (kMissingId), `type` absent or "subsegment" (kInvalidType),
// `trace_id` (kMissingTraceId / kInvalidTraceId), `parent_id` (kMissingParentId: required on
// independent subsegments, 16 hex when present), `name` (kInvalidName; segments: 1–200
// characters of letters, digits, whitespace and `_ . : / % & # = + \ - @`, any non-ASCII
// character counting as a letter; subsegments: 1–250 characters of anything), `start_time`
// number (kMissingStartTime), `end_time` number or `"in_progress": true` (kMissingEndTime);
// then every embedded subsegment, depth first, needs `id`, `name`, `start_time` and
// `end_time`/`in_progress` (errors name the path, e.g. `subsegments[1].subsegments[0].end_time`);
// nesting deeper than 64 subsegment levels is kInvalidJson. Annotations are never a reason to
// refuse (X-Ray drops bad ones silently). Repeated keys: the last one wins.
// It accepts what real SDKs send (Python's `"namespace": "local"`, `"in_progress": false` next
// to end_time, `"line": null` in stacks, unknown keys such as Node's `notTraced`, Go's `Dummy`).
//
// Known limit: JSON that simdjson refuses although it is valid JSON — integers beyond 64 bits,
// numbers beyond double range, escaped unpaired UTF-16 surrogates — is kInvalidJson.
// Thread-safety: one SegmentParser per thread (it owns a reusable parser buffer of about 1 MB,
// allocated once in the constructor, so Parse allocates only the results).
#pragma once

#include <memory>
#include <string_view>
#include <variant>
#include <vector>

#include "model/segment_document.h"

namespace roentgen::model {

using ParsedDocument = std::variant<SegmentDocument, DocumentError>;

class SegmentParser {
 public:
  SegmentParser();
  ~SegmentParser();
  SegmentParser(const SegmentParser&) = delete;
  SegmentParser& operator=(const SegmentParser&) = delete;

  // Parses one document text (surrounding JSON whitespace ignored). A top-level JSON array is
  // X-Ray's "array of subsegments" form: each element is parsed as its own document and yields
  // its own entry, in order, with `json` = that element's raw text; an empty array yields one
  // kMissingId error. Otherwise the result has exactly one entry. Never throws, never crashes.
  // The size limit applies to the whole text.
  std::vector<ParsedDocument> Parse(std::string_view text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roentgen::model
