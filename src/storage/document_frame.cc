#include "storage/document_frame.h"

#include <variant>

#include "model/segment_parser.h"
#include "storage/coding.h"

namespace roentgen::storage {

uint32_t FrameBodyBuilder::Add(std::string_view json) {
  body_.append(json);
  lengths_.push_back(static_cast<uint32_t>(json.size()));
  return static_cast<uint32_t>(lengths_.size() - 1);
}

std::string FrameBodyBuilder::Take() {
  const size_t directory_start = body_.size();
  PutVarint64(&body_, lengths_.size());
  for (uint32_t length : lengths_) PutVarint64(&body_, length);
  PutFixed32LE(&body_, static_cast<uint32_t>(body_.size() - directory_start));
  std::string body = std::move(body_);
  body_.clear();
  body_.reserve(body.capacity());
  lengths_.clear();
  return body;
}

Status DecodeFrameDirectory(std::string_view body, std::vector<uint32_t>* offsets) {
  auto malformed = [] { return Status::Corruption("malformed frame directory"); };
  if (body.size() < 4) return malformed();
  const uint32_t directory_size = DecodeFixed32LE(body.data() + body.size() - 4);
  if (directory_size > body.size() - 4) return malformed();
  const size_t directory_start = body.size() - 4 - directory_size;
  ByteReader in(body.substr(directory_start, directory_size));
  uint64_t n = 0;
  if (!in.ReadCount(1, &n)) return malformed();
  offsets->clear();
  offsets->reserve(n + 1);
  uint64_t offset = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t length = 0;
    if (!in.ReadVarint64(&length) || length > directory_start - offset) return malformed();
    offsets->push_back(static_cast<uint32_t>(offset));
    offset += length;
  }
  if (!in.empty() || offset != directory_start) return malformed();
  offsets->push_back(static_cast<uint32_t>(offset));
  return Status::Ok();
}

Status ParseStoredDocument(std::string_view json, model::SegmentDocument* out) {
  thread_local model::SegmentParser parser;
  std::vector<model::ParsedDocument> parsed = parser.Parse(json);
  if (parsed.size() != 1 || !std::holds_alternative<model::SegmentDocument>(parsed[0])) {
    std::string why = "stored document does not parse";
    if (!parsed.empty()) {
      if (const auto* error = std::get_if<model::DocumentError>(&parsed[0])) {
        why += ": " + error->Message();
      }
    }
    return Status::Corruption(std::move(why));
  }
  *out = std::move(std::get<model::SegmentDocument>(parsed[0]));
  return Status::Ok();
}

}  // namespace roentgen::storage
