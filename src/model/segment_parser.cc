#include "model/segment_parser.h"

#include <simdjson.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "core/check.h"
#include "model/json_text.h"

namespace roentgen::model {
namespace {

namespace dom = simdjson::dom;

// Embedded subsegments may nest this deep (a top-level document's own subsegments are level 1).
// Real SDKs nest a handful of levels; the cap keeps the recursion below bounded.
constexpr int kMaxSubsegmentDepth = 64;
// Segment names: X-Ray's documented limit. Subsegment names: the general 250-character limit.
constexpr size_t kMaxSegmentNameChars = 200;
constexpr size_t kMaxSubsegmentNameChars = 250;

// ---- Field values ---------------------------------------------------------------------------

const char* TypeName(dom::element_type type) {
  switch (type) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "a number";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::BOOL:
      return "a boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown value";
}

bool IsNull(const std::optional<dom::element>& value) {
  return value.has_value() && value->is_null();
}

// The members the validator reads. When a key repeats, the last occurrence wins (as in Jackson
// and Go's encoding/json).
struct Fields {
  std::optional<dom::element> id;
  std::optional<dom::element> trace_id;
  std::optional<dom::element> parent_id;
  std::optional<dom::element> type;
  std::optional<dom::element> name;
  std::optional<dom::element> start_time;
  std::optional<dom::element> end_time;
  std::optional<dom::element> in_progress;
  std::optional<dom::element> subsegments;
};

Fields CollectFields(dom::object object) {
  Fields f;
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string_view key = it.key();
    switch (key.size()) {
      case 2:
        if (key == "id") f.id = it.value();
        break;
      case 4:
        if (key == "name") {
          f.name = it.value();
        } else if (key == "type") {
          f.type = it.value();
        }
        break;
      case 8:
        if (key == "trace_id") {
          f.trace_id = it.value();
        } else if (key == "end_time") {
          f.end_time = it.value();
        }
        break;
      case 9:
        if (key == "parent_id") f.parent_id = it.value();
        break;
      case 10:
        if (key == "start_time") f.start_time = it.value();
        break;
      case 11:
        if (key == "in_progress") {
          f.in_progress = it.value();
        } else if (key == "subsegments") {
          f.subsegments = it.value();
        }
        break;
      default:
        break;
    }
  }
  return f;
}

// ---- Names ----------------------------------------------------------------------------------

// ASCII bytes allowed in a segment name: letters, digits, whitespace and `_ . : / % & # = + \ - @`
// (X-Ray's documented set; the docs say "whitespace", so all ASCII whitespace is accepted).
constexpr std::array<bool, 128> MakeNameCharTable() {
  std::array<bool, 128> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (char c : std::string_view(" \t\n\v\f\r_.:/%&#=+\\-@")) table[static_cast<uint8_t>(c)] = true;
  return table;
}
constexpr std::array<bool, 128> kNameChar = MakeNameCharTable();

// Why `name` is not acceptable (naming the field as `<prefix>name`), or empty when it is.
// `segment_rules`: ≤ 200 characters from the allowed set; otherwise (subsegments) any
// non-empty text of ≤ 250 characters. Lengths count Unicode code points. Allocates only on error.
std::string CheckName(std::string_view name, bool segment_rules, std::string_view prefix) {
  const auto field = [prefix] { return std::string(prefix) + "name"; };
  const size_t max_chars = segment_rules ? kMaxSegmentNameChars : kMaxSubsegmentNameChars;
  if (name.empty()) return field() + " is empty";
  size_t chars = 0;
  size_t pos = 0;
  while (pos < name.size()) {
    const size_t start = pos;
    const auto byte = static_cast<uint8_t>(name[pos]);
    if (byte < 0x80) {  // ASCII: the common case, checked without decoding
      ++pos;
      ++chars;
      if (segment_rules && !kNameChar[byte]) {
        std::string detail = field() + " " + QuoteForDetail(name) + " contains ";
        detail += QuoteForDetail(name.substr(start, 1));
        detail += " (allowed: letters, digits, whitespace and _ . : / % & # = + \\ - @)";
        return detail;
      }
      continue;
    }
    // Any non-ASCII code point counts as a "Unicode letter": classifying all of Unicode would
    // need ICU for little gain, and rejecting a name AWS accepts loses data, while accepting
    // a symbol AWS would refuse only keeps a document. (simdjson has validated the UTF-8
    // already; decoding again only counts characters and guards against surprises.)
    if (!DecodeUtf8(name, &pos)) return field() + " is not valid UTF-8";
    ++chars;
  }
  if (chars > max_chars) {
    return field() + " is " + std::to_string(chars) + " characters long, more than " +
           std::to_string(max_chars);
  }
  return {};
}

// ---- Validation -----------------------------------------------------------------------------

DocumentError MakeError(DocumentErrorCode code, std::string id, bool is_subsegment,
                        std::string detail) {
  return DocumentError{code, std::move(id), is_subsegment, std::move(detail)};
}

// `prefix` is "" for the top-level document, else "subsegments[0].subsegments[2]." etc.
std::string FieldName(std::string_view prefix, std::string_view field) {
  std::string out(prefix);
  out += field;
  return out;
}

struct Times {
  EpochSeconds start_time = 0;
  std::optional<EpochSeconds> end_time;
  bool in_progress = false;
};

// Validates the members every (sub)segment needs besides ids: name, start_time, and end_time or
// in_progress. On success fills `times`; returns the error otherwise. `prefix` locates the
// (sub)segment for error details: "" or e.g. "subsegments[0].subsegments[2].".
std::optional<DocumentError> CheckNameAndTimes(const Fields& f, bool segment_rules,
                                               std::string_view prefix, const std::string& doc_id,
                                               bool is_subsegment, Times* times) {
  std::string_view name;
  if (!f.name.has_value()) {
    return MakeError(DocumentErrorCode::kInvalidName, doc_id, is_subsegment,
                     FieldName(prefix, "name") + " is missing");
  }
  if (f.name->get_string().get(name) != simdjson::SUCCESS) {
    return MakeError(
        DocumentErrorCode::kInvalidName, doc_id, is_subsegment,
        FieldName(prefix, "name") + " is " + TypeName(f.name->type()) + ", not a string");
  }
  if (std::string problem = CheckName(name, segment_rules, prefix); !problem.empty()) {
    return MakeError(DocumentErrorCode::kInvalidName, doc_id, is_subsegment, std::move(problem));
  }

  if (!f.start_time.has_value()) {
    return MakeError(DocumentErrorCode::kMissingStartTime, doc_id, is_subsegment,
                     FieldName(prefix, "start_time") + " is missing");
  }
  if (f.start_time->get_double().get(times->start_time) != simdjson::SUCCESS) {
    return MakeError(DocumentErrorCode::kMissingStartTime, doc_id, is_subsegment,
                     FieldName(prefix, "start_time") + " is " + TypeName(f.start_time->type()) +
                         ", not a number");
  }

  bool in_progress = false;
  if (f.in_progress.has_value() &&
      f.in_progress->get_bool().get(in_progress) != simdjson::SUCCESS) {
    in_progress = false;  // a non-boolean in_progress counts as absent
  }
  times->in_progress = in_progress;
  if (in_progress) return std::nullopt;  // end_time, if any, is not reported (see header)

  double end_time = 0;
  if (!f.end_time.has_value()) {
    return MakeError(DocumentErrorCode::kMissingEndTime, doc_id, is_subsegment,
                     FieldName(prefix, "end_time") + " is missing and " +
                         FieldName(prefix, "in_progress") + " is not true");
  }
  if (f.end_time->get_double().get(end_time) != simdjson::SUCCESS) {
    return MakeError(DocumentErrorCode::kMissingEndTime, doc_id, is_subsegment,
                     FieldName(prefix, "end_time") + " is " + TypeName(f.end_time->type()) +
                         ", not a number, and " + FieldName(prefix, "in_progress") +
                         " is not true");
  }
  times->end_time = end_time;
  return std::nullopt;
}

std::optional<DocumentError> CheckSubsegments(const Fields& f, std::string& path, int depth,
                                              const std::string& doc_id);

// One element of a `subsegments` array; `path` names it, e.g. "subsegments[1]".
std::optional<DocumentError> CheckEmbedded(dom::element element, std::string& path, int depth,
                                           const std::string& doc_id) {
  if (depth > kMaxSubsegmentDepth) {
    return MakeError(DocumentErrorCode::kInvalidJson, doc_id, true,
                     path + ": subsegments nested more than " +
                         std::to_string(kMaxSubsegmentDepth) + " levels deep");
  }
  dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) {
    return MakeError(DocumentErrorCode::kMissingId, doc_id, true,
                     path + " is " + TypeName(element.type()) + ", not a subsegment object");
  }
  const Fields f = CollectFields(object);
  const size_t path_size = path.size();
  path += '.';

  std::string_view id;
  if (!f.id.has_value() || f.id->get_string().get(id) != simdjson::SUCCESS ||
      !ParseEntityId(id).has_value()) {
    std::string detail = path + "id ";
    if (!f.id.has_value()) {
      detail += "is missing";
    } else if (!f.id->is_string()) {
      detail += std::string("is ") + TypeName(f.id->type()) + ", not a string";
    } else {
      detail += QuoteForDetail(id) + " is not 16 hex digits";
    }
    return MakeError(DocumentErrorCode::kMissingId, doc_id, true, std::move(detail));
  }

  Times times;
  if (auto error = CheckNameAndTimes(f, /*segment_rules=*/false, path, doc_id,
                                     /*is_subsegment=*/true, &times)) {
    return error;
  }
  if (auto error = CheckSubsegments(f, path, depth + 1, doc_id)) return error;
  path.resize(path_size);
  return std::nullopt;
}

// Checks f.subsegments, if it is an array. `path` ends with the owner's prefix ("" or "….").
// Anything else under "subsegments" (null, an object) is left alone: X-Ray drops data that does
// not fit its schema rather than refusing the document.
std::optional<DocumentError> CheckSubsegments(const Fields& f, std::string& path, int depth,
                                              const std::string& doc_id) {
  dom::array array;
  if (!f.subsegments.has_value() || f.subsegments->get_array().get(array) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  const size_t path_size = path.size();
  size_t index = 0;
  for (dom::element child : array) {
    path += "subsegments[";
    path += std::to_string(index);
    path += ']';
    if (auto error = CheckEmbedded(child, path, depth, doc_id)) return error;
    path.resize(path_size);
    ++index;
  }
  return std::nullopt;
}

// A top-level document (the whole text, or one element of a top-level array).
ParsedDocument CheckDocument(dom::element element, std::string_view json) {
  dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) {
    return MakeError(
        DocumentErrorCode::kInvalidJson, "", false,
        std::string("the document is ") + TypeName(element.type()) + ", not a JSON object");
  }
  const Fields f = CollectFields(object);

  // The kind first, so that every later error says "segment" or "subsegment" correctly.
  bool is_subsegment = false;
  bool bad_type = false;
  std::string_view type;
  if (f.type.has_value()) {
    if (f.type->get_string().get(type) == simdjson::SUCCESS && type == "subsegment") {
      is_subsegment = true;
    } else {
      bad_type = true;
    }
  }

  std::string_view id_text;
  std::optional<EntityId> id;
  if (f.id.has_value() && f.id->get_string().get(id_text) == simdjson::SUCCESS) {
    id = ParseEntityId(id_text);
  }
  if (!id.has_value()) {
    std::string detail = "id ";
    if (!f.id.has_value()) {
      detail += "is missing";
    } else if (!f.id->is_string()) {
      detail += std::string("is ") + TypeName(f.id->type()) + ", not a string";
    } else {
      detail += QuoteForDetail(id_text) + " is not 16 hex digits";
    }
    return MakeError(DocumentErrorCode::kMissingId, "", is_subsegment, std::move(detail));
  }
  std::string doc_id(id_text);

  if (bad_type) {
    std::string detail =
        f.type->is_string()
            ? "type " + QuoteForDetail(type) + " is not \"subsegment\""
            : std::string("type is ") + TypeName(f.type->type()) + ", not \"subsegment\"";
    return MakeError(DocumentErrorCode::kInvalidType, std::move(doc_id), false, std::move(detail));
  }

  // trace_id: required on segments and independent subsegments.
  std::optional<TraceId> trace_id;
  std::string_view trace_text;
  if (!f.trace_id.has_value() || IsNull(f.trace_id)) {
    return MakeError(DocumentErrorCode::kMissingTraceId, std::move(doc_id), is_subsegment,
                     "trace_id is missing");
  }
  if (f.trace_id->get_string().get(trace_text) != simdjson::SUCCESS) {
    return MakeError(DocumentErrorCode::kInvalidTraceId, std::move(doc_id), is_subsegment,
                     std::string("trace_id is ") + TypeName(f.trace_id->type()) + ", not a string");
  }
  trace_id = TraceId::Parse(trace_text);
  if (!trace_id.has_value()) {
    return MakeError(DocumentErrorCode::kInvalidTraceId, std::move(doc_id), is_subsegment,
                     "trace_id " + QuoteForDetail(trace_text) + " is not 1-<8 hex>-<24 hex>");
  }

  // parent_id: required on independent subsegments, optional (but well-formed) on segments.
  std::optional<EntityId> parent_id;
  if (!f.parent_id.has_value() || IsNull(f.parent_id)) {
    if (is_subsegment) {
      return MakeError(DocumentErrorCode::kMissingParentId, std::move(doc_id), true,
                       "parent_id is missing (required with \"type\": \"subsegment\")");
    }
  } else {
    std::string_view parent_text;
    if (f.parent_id->get_string().get(parent_text) != simdjson::SUCCESS) {
      return MakeError(
          DocumentErrorCode::kMissingParentId, std::move(doc_id), is_subsegment,
          std::string("parent_id is ") + TypeName(f.parent_id->type()) + ", not a string");
    }
    parent_id = ParseEntityId(parent_text);
    if (!parent_id.has_value()) {
      return MakeError(DocumentErrorCode::kMissingParentId, std::move(doc_id), is_subsegment,
                       "parent_id " + QuoteForDetail(parent_text) + " is not 16 hex digits");
    }
  }

  Times times;
  if (auto error = CheckNameAndTimes(f, /*segment_rules=*/!is_subsegment, "", doc_id, is_subsegment,
                                     &times)) {
    return std::move(*error);
  }
  std::string path;
  if (auto error = CheckSubsegments(f, path, 1, doc_id)) return std::move(*error);

  SegmentDocument doc;
  doc.trace_id = *trace_id;
  doc.id = *id;
  doc.parent_id = parent_id;
  doc.kind = is_subsegment ? DocumentKind::kSubsegment : DocumentKind::kSegment;
  doc.in_progress = times.in_progress;
  doc.start_time = times.start_time;
  doc.end_time = times.end_time;
  doc.json.assign(json);
  return doc;
}

// An error for text that could not be parsed at all, with the id found by a plain text search.
DocumentError UnparsedError(DocumentErrorCode code, std::string_view text, std::string detail) {
  std::string id;
  if (auto found = FindStringMember(text, "id"); found && ParseEntityId(*found)) id = *found;
  const auto type = FindStringMember(text, "type");
  return MakeError(code, std::move(id), type.has_value() && *type == "subsegment",
                   std::move(detail));
}

}  // namespace

struct SegmentParser::Impl {
  Impl()
      : parser(kMaxDocumentBytes),
        buffer(new char[kMaxDocumentBytes + simdjson::SIMDJSON_PADDING]) {
    // Allocate once for the largest document so parsing never allocates.
    CHECK(parser.allocate(kMaxDocumentBytes) == simdjson::SUCCESS) << "simdjson allocation";
  }

  // Reused for every document; holds the DOM of the last parse.
  dom::parser parser;
  // The document copied with simdjson's required readable padding after it.
  std::unique_ptr<char[]> buffer;
};

SegmentParser::SegmentParser() : impl_(std::make_unique<Impl>()) {}
SegmentParser::~SegmentParser() = default;

std::vector<ParsedDocument> SegmentParser::Parse(std::string_view text) {
  std::vector<ParsedDocument> out;
  const std::string_view doc = TrimJsonWhitespace(text);
  if (doc.size() > kMaxDocumentBytes) {
    out.push_back(UnparsedError(DocumentErrorCode::kDocumentTooLarge, doc,
                                "the document is " + std::to_string(doc.size()) +
                                    " bytes, more than " + std::to_string(kMaxDocumentBytes)));
    return out;
  }

  char* const buffer = impl_->buffer.get();
  std::memcpy(buffer, doc.data(), doc.size());
  std::memset(buffer + doc.size(), 0, simdjson::SIMDJSON_PADDING);
  dom::element root;
  const simdjson::error_code parse_error =
      impl_->parser.parse(buffer, doc.size(), /*realloc_if_needed=*/false).get(root);
  if (parse_error != simdjson::SUCCESS) {
    out.push_back(
        UnparsedError(DocumentErrorCode::kInvalidJson, doc,
                      std::string("not valid JSON: ") + simdjson::error_message(parse_error)));
    return out;
  }

  dom::array array;
  if (root.get_array().get(array) != simdjson::SUCCESS) {
    out.push_back(CheckDocument(root, doc));
    return out;
  }
  // X-Ray's "array of subsegments": every element is a document of its own.
  if (array.size() == 0) {
    out.push_back(
        MakeError(DocumentErrorCode::kMissingId, "", false, "the document is an empty array"));
    return out;
  }
  const std::vector<std::string_view> element_texts = SplitJsonArray(doc);
  CHECK(element_texts.size() == array.size())
      << "array split disagrees with simdjson: " << element_texts.size() << " vs " << array.size();
  out.reserve(element_texts.size());
  size_t index = 0;
  for (dom::element element : array) {
    out.push_back(CheckDocument(element, element_texts[index]));
    ++index;
  }
  return out;
}

}  // namespace roentgen::model
