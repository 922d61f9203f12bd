// query/document_tree.h — how the documents of one trace hang together (internal to query/):
// which document holds each entity id, and, for every independent subsegment, the document that
// holds its parent entity (a segment, an embedded subsegment at any depth, or another independent
// subsegment), regardless of arrival order.
// Thread-safety: plain functions over values.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "model/ids.h"
#include "model/segment_document.h"
#include "query/document_scanner.h"

namespace roentgen::query {

// One document of the trace and what the scanner read from it. Both pointers are non-null.
struct DocumentRef {
  const model::SegmentDocument* document;
  const DocumentFacts* facts;
};

struct DocumentTree {
  // Per document: the index of the document holding its parent entity. Only independent
  // subsegments have one; nullopt for segments, for orphans (parent not in the trace) and for the
  // earliest member of a parent cycle (the cycle is cut there, so every chain ends).
  std::vector<std::optional<size_t>> parent;
  // Per document: the last document on its parent chain (itself when it has no parent). A
  // segment when the document hangs under one; otherwise an orphan subsegment.
  std::vector<size_t> top;
  // Entity id → index of the document holding it. A document's own id wins over an embedded one;
  // between equals, the earlier document wins.
  std::unordered_map<model::EntityId, size_t> holder;
};

DocumentTree BuildDocumentTree(std::span<const DocumentRef> documents);

struct TraceTimes {
  EpochSeconds start_time = 0;  // earliest document start; 0 without documents
  // Latest end of any document or embedded subsegment minus start_time (never negative); absent
  // when nothing has ended.
  std::optional<double> duration;
};

TraceTimes ComputeTraceTimes(std::span<const DocumentRef> documents);

}  // namespace roentgen::query
