#include "query/document_tree.h"

#include <algorithm>

#include "core/check.h"

namespace roentgen::query {

DocumentTree BuildDocumentTree(std::span<const DocumentRef> documents) {
  const size_t n = documents.size();
  DocumentTree tree;
  tree.parent.assign(n, std::nullopt);
  tree.top.assign(n, 0);
  tree.holder.reserve(n * 4);
  for (size_t i = 0; i < n; ++i) tree.holder.emplace(documents[i].document->id, i);
  for (size_t i = 0; i < n; ++i) {
    for (model::EntityId id : documents[i].facts->embedded_ids) tree.holder.emplace(id, i);
  }

  for (size_t i = 0; i < n; ++i) {
    const model::SegmentDocument& doc = *documents[i].document;
    if (doc.kind != model::DocumentKind::kSubsegment || !doc.parent_id) continue;
    auto it = tree.holder.find(*doc.parent_id);
    if (it != tree.holder.end() && it->second != i) tree.parent[i] = it->second;
  }

  // Cut parent cycles (only possible between independent subsegments that name each other): walk
  // every chain once; a chain that runs into itself loses the edge of its earliest member.
  enum : uint8_t { kNew, kOnPath, kDone };
  std::vector<uint8_t> state(n, kNew);
  std::vector<size_t> path;
  for (size_t i = 0; i < n; ++i) {
    path.clear();
    std::optional<size_t> j = i;
    while (j && state[*j] == kNew) {
      state[*j] = kOnPath;
      path.push_back(*j);
      j = tree.parent[*j];
    }
    if (j && state[*j] == kOnPath) {
      auto cycle_begin = std::find(path.begin(), path.end(), *j);
      CHECK(cycle_begin != path.end());
      tree.parent[*std::min_element(cycle_begin, path.end())] = std::nullopt;
    }
    for (size_t p : path) state[p] = kDone;
  }

  // Tops: follow each chain to its end, memoising every document passed on the way.
  std::vector<bool> resolved(n, false);
  for (size_t i = 0; i < n; ++i) {
    path.clear();
    size_t j = i;
    while (!resolved[j] && tree.parent[j]) {
      path.push_back(j);
      j = *tree.parent[j];
    }
    const size_t top = resolved[j] ? tree.top[j] : j;
    tree.top[j] = top;
    resolved[j] = true;
    for (size_t p : path) {
      tree.top[p] = top;
      resolved[p] = true;
    }
  }
  return tree;
}

TraceTimes ComputeTraceTimes(std::span<const DocumentRef> documents) {
  TraceTimes times;
  if (documents.empty()) return times;
  times.start_time = documents[0].document->start_time;
  std::optional<EpochSeconds> latest_end;
  for (const DocumentRef& ref : documents) {
    times.start_time = std::min(times.start_time, ref.document->start_time);
    for (const std::optional<EpochSeconds>& end : {ref.document->end_time, ref.facts->latest_end}) {
      if (end && (!latest_end || *end > *latest_end)) latest_end = end;
    }
  }
  if (latest_end) times.duration = std::max(0.0, *latest_end - times.start_time);
  return times;
}

}  // namespace roentgen::query
