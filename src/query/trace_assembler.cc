#include "query/trace_assembler.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/check.h"
#include "query/document_scanner.h"
#include "query/document_tree.h"
#include "query/inferred_node.h"

namespace roentgen::query {
namespace {

namespace rj = rapidjson;

constexpr unsigned kParseFlags = rj::kParseFullPrecisionFlag;

Status CannotParse(const model::SegmentDocument& doc, const rj::Document& parsed) {
  return Status::Corruption("stored document " + model::FormatEntityId(doc.id) +
                            " cannot be parsed at offset " +
                            std::to_string(parsed.GetErrorOffset()) + ": " +
                            rj::GetParseError_En(parsed.GetParseError()));
}

std::optional<model::EntityId> EntityIdOf(const rj::Value& entity) {
  auto id = entity.FindMember("id");
  if (id == entity.MemberEnd() || !id->value.IsString()) return std::nullopt;
  return model::ParseEntityId(std::string_view(id->value.GetString(), id->value.GetStringLength()));
}

// Builds the merged documents: each document of a merge group is parsed once into `values`, and
// children are moved into their parent entity, deepest documents first.
class Merger {
 public:
  Merger(std::span<const DocumentRef> docs, const std::vector<std::vector<size_t>>& children,
         rj::Document::AllocatorType& allocator)
      : docs_(docs), children_(children), allocator_(allocator), values_(docs.size()) {}

  Status Parse(size_t index) {
    const model::SegmentDocument& doc = *docs_[index].document;
    rj::Document parsed(&allocator_);
    parsed.Parse<kParseFlags>(doc.json.data(), doc.json.size());
    if (parsed.HasParseError() || !parsed.IsObject()) return CannotParse(doc, parsed);
    values_[index].Swap(parsed);
    return Status::Ok();
  }

  // Moves the (already merged) children of document `index` into it.
  Status AttachChildren(size_t index) {
    if (children_[index].empty()) return Status::Ok();
    std::unordered_map<model::EntityId, std::vector<size_t>> pending;
    for (size_t child : children_[index]) {
      pending[*docs_[child].document->parent_id].push_back(child);
    }
    RETURN_IF_ERROR(Attach(values_[index], &pending));
    // The scanner saw these parents in the document but the walk did not (e.g. a duplicated
    // "subsegments" key): keep the children visible at the document's top level.
    for (size_t child : children_[index]) {
      auto it = pending.find(*docs_[child].document->parent_id);
      if (it == pending.end()) continue;
      RETURN_IF_ERROR(Append(values_[index], it->second));
      pending.erase(it);
    }
    return Status::Ok();
  }

  rj::Value& value(size_t index) { return values_[index]; }

 private:
  Status Attach(rj::Value& entity,
                std::unordered_map<model::EntityId, std::vector<size_t>>* pending) {
    if (pending->empty() || !entity.IsObject()) return Status::Ok();
    auto subsegments = entity.FindMember("subsegments");
    if (subsegments != entity.MemberEnd() && subsegments->value.IsArray()) {
      for (rj::Value& child : subsegments->value.GetArray()) {
        RETURN_IF_ERROR(Attach(child, pending));
      }
    }
    std::optional<model::EntityId> id = EntityIdOf(entity);
    if (!id) return Status::Ok();
    auto it = pending->find(*id);
    if (it == pending->end()) return Status::Ok();
    RETURN_IF_ERROR(Append(entity, it->second));
    pending->erase(it);
    return Status::Ok();
  }

  Status Append(rj::Value& entity, const std::vector<size_t>& children) {
    auto subsegments = entity.FindMember("subsegments");
    if (subsegments == entity.MemberEnd()) {
      entity.AddMember("subsegments", rj::Value(rj::kArrayType), allocator_);
      subsegments = entity.FindMember("subsegments");
    }
    if (!subsegments->value.IsArray()) {
      return Status::Corruption("\"subsegments\" is not an array in the parent of subsegment " +
                                model::FormatEntityId(docs_[children.front()].document->id));
    }
    for (size_t child : children) subsegments->value.PushBack(values_[child].Move(), allocator_);
    return Status::Ok();
  }

  std::span<const DocumentRef> docs_;
  const std::vector<std::vector<size_t>>& children_;
  rj::Document::AllocatorType& allocator_;
  std::vector<rj::Value> values_;
};

// RapidJSON's writer, but doubles in the shortest text that reads back to the same value
// (std::to_chars), so 1795306220.2306397 stays 1795306220.2306397 (Grisu2 may print ...398).
class JsonWriter : public rj::Writer<rj::StringBuffer> {
 public:
  explicit JsonWriter(rj::StringBuffer& buffer) : rj::Writer<rj::StringBuffer>(buffer) {}

  bool Double(double d) {
    if (!std::isfinite(d)) return false;  // not representable in JSON
    std::array<char, 32> text;
    auto [end, error] = std::to_chars(text.data(), text.data() + text.size(), d);
    CHECK(error == std::errc()) << "to_chars cannot print " << d;
    return RawValue(text.data(), static_cast<size_t>(end - text.data()), rj::kNumberType);
  }
};

std::string Serialize(const rj::Value& value) {
  rj::StringBuffer buffer;
  JsonWriter writer(buffer);
  // Cannot fail: the value came from parsing JSON (no NaN or infinity).
  CHECK(value.Accept(writer)) << "re-serializing a parsed document failed";
  return std::string(buffer.GetString(), buffer.GetSize());
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool ParseObject(const std::string& text, rj::Document* out) {
  if (text.empty()) return false;
  out->Parse<kParseFlags>(text.data(), text.size());
  return !out->HasParseError() && out->IsObject();
}

bool HttpSaysTraced(const std::string& http_json) {
  rj::Document http;
  if (!ParseObject(http_json, &http)) return false;
  auto request = http.FindMember("request");
  if (request == http.MemberEnd() || !request->value.IsObject()) return false;
  auto traced = request->value.FindMember("traced");
  return traced != request->value.MemberEnd() && traced->value.IsBool() && traced->value.GetBool();
}

std::string InferredOrigin(const RemoteCall& call) {
  bool has_table_name = false;
  rj::Document aws;
  if (call.name_space == "aws" && ParseObject(call.aws_json, &aws)) {
    auto table = aws.FindMember("table_name");
    has_table_name =
        table != aws.MemberEnd() && table->value.IsString() && table->value.GetStringLength() > 0;
  }
  return query::InferredOrigin(call.name_space, call.name, call.has_sql, has_table_name);
}

std::string InferredDocument(const RemoteCall& call, model::EntityId id,
                             const std::string& trace_id, const std::string& origin) {
  rj::StringBuffer buffer;
  JsonWriter w(buffer);
  auto string = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rj::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("id");
  string(model::FormatEntityId(id));
  w.Key("name");
  string(call.name);
  w.Key("trace_id");
  string(trace_id);
  w.Key("start_time");
  w.Double(call.start_time);
  if (call.end_time) {
    w.Key("end_time");
    w.Double(*call.end_time);
  } else {
    w.Key("in_progress");
    w.Bool(true);
  }
  w.Key("parent_id");
  string(model::FormatEntityId(call.id));
  w.Key("inferred");
  w.Bool(true);
  w.Key("origin");
  string(origin);
  if (!call.http_json.empty()) {
    w.Key("http");
    w.RawValue(call.http_json.data(), call.http_json.size(), rj::kObjectType);
  }
  if (!call.aws_json.empty()) {
    w.Key("aws");
    w.RawValue(call.aws_json.data(), call.aws_json.size(), rj::kObjectType);
  }
  const std::array<std::pair<const char*, bool>, 3> flags = {
      {{"error", call.error}, {"fault", call.fault}, {"throttle", call.throttle}}};
  for (const auto& [key, flag] : flags) {
    if (!flag) continue;
    w.Key(key);
    w.Bool(true);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Indexes (into `documents`) of the documents to assemble: the earliest received that fit.
std::vector<size_t> SelectWithinCap(std::span<const storage::StoredDocument> documents,
                                    size_t max_bytes, bool* limit_exceeded) {
  std::vector<size_t> order(documents.size());
  std::iota(order.begin(), order.end(), 0);
  size_t total = 0;
  for (const storage::StoredDocument& d : documents) total += d.document.json.size();
  *limit_exceeded = total > max_bytes;
  if (!*limit_exceeded) return order;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return documents[a].received_at < documents[b].received_at;
  });
  size_t used = 0;
  size_t kept = 0;
  while (kept < order.size() && used + documents[order[kept]].document.json.size() <= max_bytes) {
    used += documents[order[kept]].document.json.size();
    ++kept;
  }
  order.resize(kept);
  std::sort(order.begin(), order.end());
  return order;
}

}  // namespace

Result<AssembledTrace> AssembleTrace(const model::TraceId& id,
                                     std::span<const storage::StoredDocument> documents,
                                     const AssembleOptions& options) {
  AssembledTrace trace;
  trace.id = id;

  thread_local DocumentScanner scanner;
  std::vector<DocumentFacts> facts(documents.size());
  std::vector<DocumentRef> all;
  all.reserve(documents.size());
  for (size_t i = 0; i < documents.size(); ++i) {
    const model::SegmentDocument& doc = documents[i].document;
    CHECK(doc.trace_id == id) << "document " << model::FormatEntityId(doc.id)
                              << " is not part of trace " << id.ToString();
    Status scanned = scanner.Scan(
        doc.json, doc.kind,
        options.infer_segments ? ScanDetail::kRemoteCalls : ScanDetail::kSummary, &facts[i]);
    if (!scanned.ok()) {
      return Status::Corruption("stored document " + model::FormatEntityId(doc.id) + " of trace " +
                                id.ToString() + ": " + scanned.message());
    }
    all.push_back({&doc, &facts[i]});
  }
  trace.duration = ComputeTraceTimes(all).duration;

  std::vector<DocumentRef> docs;
  for (size_t i : SelectWithinCap(documents, options.max_trace_bytes, &trace.limit_exceeded)) {
    docs.push_back(all[i]);
  }
  const size_t n = docs.size();
  const DocumentTree tree = BuildDocumentTree(docs);

  // Children per document, ordered by start time then arrival.
  std::vector<std::vector<size_t>> children(n);
  for (size_t i = 0; i < n; ++i) {
    if (tree.parent[i]) children[*tree.parent[i]].push_back(i);
  }
  for (std::vector<size_t>& list : children) {
    std::stable_sort(list.begin(), list.end(), [&](size_t a, size_t b) {
      return docs[a].document->start_time < docs[b].document->start_time;
    });
  }

  // Depth of every document on its parent chain (tops are 0); chains have no cycles.
  std::vector<int> depth(n, -1);
  std::vector<size_t> path;
  for (size_t i = 0; i < n; ++i) {
    path.clear();
    size_t j = i;
    while (depth[j] < 0 && tree.parent[j]) {
      path.push_back(j);
      j = *tree.parent[j];
    }
    if (depth[j] < 0) depth[j] = 0;
    int d = depth[j];
    for (auto it = path.rbegin(); it != path.rend(); ++it) depth[*it] = ++d;
  }

  // Merge groups (a top with children, and everything under it), deepest documents first.
  rj::Document arena;
  Merger merger(docs, children, arena.GetAllocator());
  std::vector<size_t> to_merge;
  for (size_t i = 0; i < n; ++i) {
    if (!children[tree.top[i]].empty()) to_merge.push_back(i);
  }
  std::stable_sort(to_merge.begin(), to_merge.end(),
                   [&](size_t a, size_t b) { return depth[a] > depth[b]; });
  for (size_t i : to_merge) {
    RETURN_IF_ERROR(merger.Parse(i));
    RETURN_IF_ERROR(merger.AttachChildren(i));
  }

  for (size_t i = 0; i < n; ++i) {
    if (tree.parent[i]) continue;  // merged into its parent
    AssembledSegment segment;
    segment.id = docs[i].document->id;
    segment.document = children[i].empty() ? docs[i].document->json : Serialize(merger.value(i));
    trace.segments.push_back(std::move(segment));
  }

  if (!options.infer_segments) return trace;
  std::unordered_set<model::EntityId> called;  // subsegments whose callee sent a segment
  std::unordered_set<model::EntityId> taken;   // ids already used in the trace
  for (const DocumentRef& ref : docs) {
    if (ref.document->kind == model::DocumentKind::kSegment && ref.document->parent_id) {
      called.insert(*ref.document->parent_id);
    }
  }
  for (const auto& [entity, holder] : tree.holder) taken.insert(entity);
  std::unordered_set<model::EntityId> inferred_from;
  const std::string trace_id = id.ToString();
  for (const DocumentRef& ref : docs) {
    for (const RemoteCall& call : ref.facts->remote_calls) {
      if (call.traced || called.contains(call.id) || inferred_from.contains(call.id)) continue;
      if (HttpSaysTraced(call.http_json)) continue;
      inferred_from.insert(call.id);
      model::EntityId inferred_id = SplitMix64(call.id);
      while (inferred_id == 0 || taken.contains(inferred_id)) inferred_id = SplitMix64(inferred_id);
      taken.insert(inferred_id);
      trace.segments.push_back(
          {.id = inferred_id,
           .document = InferredDocument(call, inferred_id, trace_id, InferredOrigin(call)),
           .inferred = true});
    }
  }
  return trace;
}

}  // namespace roentgen::query
