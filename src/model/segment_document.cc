#include "model/segment_document.h"

namespace roentgen::model {

std::string_view DocumentErrorCodeName(DocumentErrorCode code) {
  switch (code) {
    case DocumentErrorCode::kInvalidJson:
      return "InvalidJson";
    case DocumentErrorCode::kMissingId:
      return "MissingId";
    case DocumentErrorCode::kMissingTraceId:
      return "MissingTraceId";
    case DocumentErrorCode::kInvalidTraceId:
      return "InvalidTraceId";
    case DocumentErrorCode::kInvalidName:
      return "InvalidName";
    case DocumentErrorCode::kMissingStartTime:
      return "MissingStartTime";
    case DocumentErrorCode::kMissingEndTime:
      return "MissingEndTime";
    case DocumentErrorCode::kMissingParentId:
      return "MissingParentId";
    case DocumentErrorCode::kInvalidType:
      return "InvalidType";
    case DocumentErrorCode::kDocumentTooLarge:
      return "DocumentTooLarge";
  }
  return "Unknown";
}

std::string DocumentError::Message() const {
  std::string out =
      is_subsegment ? "Invalid subsegment. ErrorCode: " : "Invalid segment. ErrorCode: ";
  out += DocumentErrorCodeName(code);
  if (!detail.empty()) {
    out += " (";
    out += detail;
    out += ')';
  }
  return out;
}

}  // namespace roentgen::model
