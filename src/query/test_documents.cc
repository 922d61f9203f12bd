#include "query/test_documents.h"

#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "core/check.h"
#include "model/ids.h"

namespace roentgen::query::testing {

storage::StoredDocument MakeDocument(std::string json, EpochSeconds received_at) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  CHECK(parser.parse(json).get(root) == simdjson::SUCCESS) << "not JSON: " << json;
  model::SegmentDocument doc;
  std::string_view text;
  CHECK(root["trace_id"].get_string().get(text) == simdjson::SUCCESS) << json;
  std::optional<model::TraceId> trace_id = model::TraceId::Parse(text);
  CHECK(trace_id.has_value()) << text;
  doc.trace_id = *trace_id;
  CHECK(root["id"].get_string().get(text) == simdjson::SUCCESS) << json;
  std::optional<model::EntityId> id = model::ParseEntityId(text);
  CHECK(id.has_value()) << text;
  doc.id = *id;
  if (root["parent_id"].get_string().get(text) == simdjson::SUCCESS) {
    doc.parent_id = model::ParseEntityId(text);
    CHECK(doc.parent_id.has_value()) << text;
  }
  if (root["type"].get_string().get(text) == simdjson::SUCCESS && text == "subsegment") {
    doc.kind = model::DocumentKind::kSubsegment;
  }
  bool in_progress = false;
  if (root["in_progress"].get_bool().get(in_progress) == simdjson::SUCCESS) {
    doc.in_progress = in_progress;
  }
  CHECK(root["start_time"].get_double().get(doc.start_time) == simdjson::SUCCESS) << json;
  double end_time = 0;
  if (root["end_time"].get_double().get(end_time) == simdjson::SUCCESS) doc.end_time = end_time;
  doc.json = std::move(json);
  return storage::StoredDocument{.document = std::move(doc), .received_at = received_at};
}

std::string ReadDatagramDocument(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  CHECK(in.good()) << "cannot open " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string datagram = buffer.str();
  size_t newline = datagram.find('\n');
  CHECK(newline != std::string::npos) << "no header line in " << path;
  std::string document = datagram.substr(newline + 1);
  while (!document.empty() && (document.back() == '\n' || document.back() == '\r')) {
    document.pop_back();
  }
  return document;
}

}  // namespace roentgen::query::testing
