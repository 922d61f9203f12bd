// model/segment_parser.h — turns untrusted JSON text into validated SegmentDocuments.
//
// Validation follows ../shared/spec/segment-document.md §9: ids, trace id, name rules,
// start_time, end_time/in_progress on the document and on every embedded subsegment, annotation
// keys and values. It accepts what real SDKs send (Python's `"namespace": "local"`,
// `"in_progress": false` next to end_time, `"line": null` in stacks, unknown keys).
// Thread-safety: one SegmentParser per thread (it owns a reusable parser buffer).
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

  // Parses one document text. A top-level JSON array is X-Ray's "array of subsegments" form:
  // each element is parsed as its own document and yields its own entry; an empty array yields
  // one kMissingId error. Never throws.
  std::vector<ParsedDocument> Parse(std::string_view text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roentgen::model
