#include "query/summarizer.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/check.h"
#include "query/document_scanner.h"
#include "query/document_tree.h"

namespace roentgen::query {
namespace {

using ServiceIndex = size_t;

struct ValueAccumulator {
  model::AnnotationValue value;
  std::vector<ServiceIndex> services;
};

// Sorted, de-duplicated ServiceIds for a set of service indexes.
std::vector<model::ServiceId> ToServiceIds(std::vector<ServiceIndex> indexes,
                                           const std::vector<model::ServiceId>& services) {
  std::vector<model::ServiceId> out;
  out.reserve(indexes.size());
  for (ServiceIndex index : indexes) out.push_back(services[index]);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void AddUnique(std::vector<ServiceIndex>* indexes, ServiceIndex index) {
  if (std::find(indexes->begin(), indexes->end(), index) == indexes->end()) {
    indexes->push_back(index);
  }
}

}  // namespace

model::TraceSummary SummarizeTrace(const model::TraceId& id,
                                   std::span<const storage::StoredDocument> documents) {
  thread_local DocumentScanner scanner;
  // Reused across calls: scanning then mostly fills memory it already has.
  thread_local std::vector<DocumentFacts> facts;
  const size_t n = documents.size();
  if (facts.size() < n) facts.resize(n);
  std::vector<DocumentRef> refs;
  refs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const model::SegmentDocument& doc = documents[i].document;
    CHECK(doc.trace_id == id) << "document " << model::FormatEntityId(doc.id)
                              << " is not part of trace " << id.ToString();
    // An unreadable document leaves empty facts: it still counts by its own fields.
    Status scanned = scanner.Scan(doc.json, doc.kind, /*collect_remote_calls=*/false, &facts[i]);
    static_cast<void>(scanned);
    refs.push_back({&doc, &facts[i]});
  }
  const DocumentTree tree = BuildDocumentTree(refs);
  const TraceTimes times = ComputeTraceTimes(refs);

  model::TraceSummary summary;
  summary.id = id;
  summary.start_time = times.start_time;
  summary.duration = times.duration;

  // Services: one per distinct (name, origin) of segment documents.
  std::vector<model::ServiceId> services;
  std::map<std::pair<std::string_view, std::string_view>, ServiceIndex> service_by_key;
  std::vector<std::optional<ServiceIndex>> own_service(n);
  for (size_t i = 0; i < n; ++i) {
    if (documents[i].document.kind != model::DocumentKind::kSegment) continue;
    const DocumentFacts& f = facts[i];
    auto [it, inserted] = service_by_key.try_emplace({f.name, f.origin}, services.size());
    if (inserted) {
      services.push_back(model::ServiceId{
          .name = f.name, .names = {f.name}, .account_id = f.account_id, .type = f.origin});
    } else if (services[it->second].account_id.empty()) {
      services[it->second].account_id = f.account_id;
    }
    own_service[i] = it->second;
  }
  // The service each document's annotations belong to: that of the segment its chain ends at.
  std::vector<std::optional<ServiceIndex>> service_of(n);
  for (size_t i = 0; i < n; ++i) service_of[i] = own_service[tree.top[i]];

  // Root: the earliest-starting segment without a parent.
  std::optional<size_t> root;
  for (size_t i = 0; i < n; ++i) {
    const model::SegmentDocument& doc = documents[i].document;
    if (doc.kind != model::DocumentKind::kSegment || doc.parent_id) continue;
    if (!root || doc.start_time < documents[*root].document.start_time) root = i;
  }
  if (root) {
    const model::SegmentDocument& doc = documents[*root].document;
    const DocumentFacts& f = facts[*root];
    summary.has_fault = f.fault;
    summary.has_error = f.error;
    summary.http = f.http;
    summary.entry_point = services[*own_service[*root]];
    if (!doc.in_progress && doc.end_time) {
      summary.response_time = std::max(0.0, *doc.end_time - doc.start_time);
    }
  }

  std::map<std::string, std::vector<ValueAccumulator>> annotations;
  std::map<std::string, std::vector<ServiceIndex>> users;
  std::set<std::string> resource_arns;
  std::set<std::string> instance_ids;
  std::set<std::string> availability_zones;
  for (size_t i = 0; i < n; ++i) {
    const model::SegmentDocument& doc = documents[i].document;
    const DocumentFacts& f = facts[i];
    if (doc.in_progress || f.embedded_in_progress) summary.is_partial = true;
    if (f.any_throttle) summary.has_throttle = true;
    for (const ScannedAnnotation& annotation : f.annotations) {
      auto it = annotations.find(annotation.key);
      if (it == annotations.end()) {
        if (annotations.size() >= kMaxAnnotationKeysPerTrace) continue;
        it = annotations.emplace(annotation.key, std::vector<ValueAccumulator>()).first;
      }
      std::vector<ValueAccumulator>& values = it->second;
      auto value = std::find_if(values.begin(), values.end(), [&](const ValueAccumulator& v) {
        return v.value == annotation.value;
      });
      if (value == values.end()) {
        values.push_back({annotation.value, {}});
        value = values.end() - 1;
      }
      if (service_of[i]) AddUnique(&value->services, *service_of[i]);
    }
    if (doc.kind != model::DocumentKind::kSegment) continue;
    if (!f.user.empty()) AddUnique(&users[f.user], *own_service[i]);
    if (!f.resource_arn.empty()) resource_arns.insert(f.resource_arn);
    if (!f.instance_id.empty()) instance_ids.insert(f.instance_id);
    if (!f.availability_zone.empty()) availability_zones.insert(f.availability_zone);
  }

  for (auto& [key, accumulated] : annotations) {
    std::vector<model::ValueWithServiceIds>& out = summary.annotations[key];
    out.reserve(accumulated.size());
    for (ValueAccumulator& v : accumulated) {
      out.push_back({std::move(v.value), ToServiceIds(std::move(v.services), services)});
    }
    std::sort(out.begin(), out.end(),
              [](const model::ValueWithServiceIds& a, const model::ValueWithServiceIds& b) {
                return a.value < b.value;
              });
  }
  for (auto& [user, indexes] : users) {
    summary.users.push_back({user, ToServiceIds(std::move(indexes), services)});
  }
  summary.service_ids = services;
  std::sort(summary.service_ids.begin(), summary.service_ids.end());
  summary.resource_arns.assign(resource_arns.begin(), resource_arns.end());
  summary.instance_ids.assign(instance_ids.begin(), instance_ids.end());
  summary.availability_zones.assign(availability_zones.begin(), availability_zones.end());
  return summary;
}

}  // namespace roentgen::query
