// query/document_scanner.h — reads, in one simdjson On-Demand pass (no DOM), the facts that the
// summarizer and the trace assembler need from one stored segment document: its service
// identity, flags and http block, every embedded subsegment id, the latest end time, annotations,
// and on request either the downstream calls that may yield inferred segments (for the trace
// assembler) or the document's entity tree (for the summarizer's graph and root causes).
// Internal to query/. The document is trusted to be one validated by model::SegmentParser, but a
// malformed one is reported as an error, never a crash.
// Thread-safety: a DocumentScanner owns a reusable parser and buffer; use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/ids.h"
#include "model/segment_document.h"
#include "model/trace_summary.h"

namespace roentgen::query {

// A subsegment with namespace "aws" or "remote": a call to something that may not send segments
// of its own, so the assembler may infer a segment for it (traces-and-graphs.md §2.5).
struct RemoteCall {
  model::EntityId id = 0;
  std::string name;
  std::string name_space;  // "aws" or "remote"
  EpochSeconds start_time = 0;
  std::optional<EpochSeconds> end_time;  // absent while in progress
  bool traced = false;                   // top-level "traced": true (Node's form)
  bool error = false;
  bool fault = false;
  bool throttle = false;
  bool has_sql = false;   // carries an "sql" object
  std::string http_json;  // the "http" object's text exactly as sent; empty when absent
  std::string aws_json;   // the "aws" object's text exactly as sent; empty when absent
};

// A piece of DocumentFacts::text (ScanDetail::kEntities keeps every entity string there, so a
// reused DocumentFacts scans without allocating).
struct TextRef {
  uint32_t offset = 0;
  uint32_t size = 0;
};

// One exception of an entity's "cause" object.
struct ScannedException {
  std::optional<model::EntityId> id;
  TextRef type;
  TextRef message;
};

// An entity's http block, field by field.
struct ScannedHttp {
  TextRef url;
  TextRef method;
  TextRef user_agent;
  TextRef client_ip;
  std::optional<int32_t> status;
};

// One entity of a document (ScanDetail::kEntities): its top-level entity or an embedded
// subsegment. Strings are empty when absent or not strings.
struct ScannedEntity {
  std::optional<model::EntityId> id;
  int32_t parent = -1;  // index in DocumentFacts::entities of the enclosing entity; -1 for the top
  TextRef name;
  TextRef name_space;
  EpochSeconds start_time = 0;
  std::optional<EpochSeconds> end_time;  // absent while in progress ("in_progress" or no end)
  bool fault = false;
  bool error = false;
  bool throttle = false;
  bool traced = false;              // "traced": true at the top level or in http.request
  bool has_sql = false;             // carries an "sql" object
  std::optional<ScannedHttp> http;  // absent without an "http" object
  // From the "aws" object of a subsegment: the resource it called, the first non-empty of
  // resource_names[0], table_name, function_name, the queue name in queue_url, bucket_name.
  TextRef resource_name;
  bool has_table_name = false;  // aws.table_name is a non-empty string
  // This entity's exceptions: DocumentFacts::exceptions[first_exception, +exception_count).
  uint32_t first_exception = 0;
  uint32_t exception_count = 0;
  // "cause" given as the id of an exception recorded elsewhere in the trace.
  std::optional<model::EntityId> cause_id;
};

// How much of a document DocumentScanner::Scan reads beyond the summary fields.
enum class ScanDetail {
  kSummary,      // DocumentFacts without remote_calls, entities, exceptions and text
  kRemoteCalls,  // plus remote_calls (the trace assembler)
  kEntities,     // plus entities, exceptions and text (the summarizer)
};

// An annotation that passes X-Ray's rules (see IsIndexableAnnotationKey below).
struct ScannedAnnotation {
  std::string key;
  model::AnnotationValue value;
};

struct DocumentFacts {
  // The document's top-level entity. Strings are empty when absent or not strings.
  std::string name;
  std::string origin;
  std::string user;
  std::string resource_arn;
  std::string account_id;         // aws.account_id (segments only)
  std::string instance_id;        // aws.ec2.instance_id (segments only)
  std::string availability_zone;  // aws.ec2.availability_zone (segments only)
  bool fault = false;
  bool error = false;
  std::optional<model::HttpInfo> http;  // segments only; absent without an "http" object

  // Over the document and all its embedded subsegments, at any depth.
  std::optional<EpochSeconds> latest_end;      // the latest end_time; absent if none is set
  bool embedded_in_progress = false;           // some embedded subsegment has no end yet
  bool any_throttle = false;                   // the document or an embedded subsegment throttled
  std::vector<ScannedAnnotation> annotations;  // indexable ones only, in document order
  std::vector<model::EntityId> embedded_ids;   // every embedded subsegment's id (post-order)
  // ScanDetail::kRemoteCalls only: the document itself (if an independent subsegment) and every
  // embedded subsegment with namespace "aws" or "remote" (post-order).
  std::vector<RemoteCall> remote_calls;
  // ScanDetail::kEntities only: the top-level entity, then every embedded subsegment in
  // pre-order (a parent comes before its children); their exceptions; the text they refer to.
  std::vector<ScannedEntity> entities;
  std::vector<ScannedException> exceptions;
  std::string text;

  std::string_view Text(TextRef ref) const {
    return std::string_view(text).substr(ref.offset, ref.size);
  }

  // Empties every member but keeps the memory, so a reused DocumentFacts scans without
  // allocating (the summarizer runs on the writer thread for every write).
  void Clear();
};

// X-Ray's annotation key rule: 1–500 characters of [A-Za-z0-9_], plus '.' (accepted since 2024).
bool IsIndexableAnnotationKey(std::string_view key);
// Strings of at most 1000 characters (UTF-8 code points), numbers and booleans.
bool IsIndexableAnnotationString(std::string_view value);

class DocumentScanner {
 public:
  DocumentScanner();
  ~DocumentScanner();
  DocumentScanner(const DocumentScanner&) = delete;
  DocumentScanner& operator=(const DocumentScanner&) = delete;

  // Scans `json` (one document object). `kind` says whether its top level is a segment (whose
  // aws/http blocks are read field by field) or an independent subsegment. Replaces *facts.
  // Corruption if the text is not a JSON object.
  Status Scan(std::string_view json, model::DocumentKind kind, ScanDetail detail,
              DocumentFacts* facts);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roentgen::query
