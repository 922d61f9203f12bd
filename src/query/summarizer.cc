#include "query/summarizer.h"

#include <algorithm>
#include <list>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/check.h"
#include "query/document_scanner.h"
#include "query/document_tree.h"
#include "query/inferred_node.h"

namespace roentgen::query {
namespace {

using NodeIndex = size_t;  // into the (unsorted) node list being built

struct ValueAccumulator {
  model::AnnotationValue value;
  std::vector<NodeIndex> services;
};

// Sorted, de-duplicated ServiceIds for a set of node indexes.
std::vector<model::ServiceId> ToServiceIds(std::vector<NodeIndex> indexes,
                                           const std::vector<model::TraceNode>& nodes) {
  std::vector<model::ServiceId> out;
  out.reserve(indexes.size());
  for (NodeIndex index : indexes) out.push_back(nodes[index].id);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void AddUnique(std::vector<NodeIndex>* indexes, NodeIndex index) {
  if (std::find(indexes->begin(), indexes->end(), index) == indexes->end()) {
    indexes->push_back(index);
  }
}

bool IsRemoteNamespace(std::string_view name_space) {
  return name_space == "aws" || name_space == "remote";
}

std::optional<double> Elapsed(EpochSeconds start, std::optional<EpochSeconds> end) {
  if (!end) return std::nullopt;
  return std::max(0.0, *end - start);
}

// What the caller's subsegment `e` recorded about one call.
model::EntityFacts CallFacts(const DocumentFacts& f, const ScannedEntity& e) {
  model::EntityFacts facts;
  facts.fault = e.fault;
  facts.error = e.error;
  facts.throttle = e.throttle;
  facts.in_progress = !e.end_time;
  facts.response_time = Elapsed(e.start_time, e.end_time);
  if (e.http) {
    facts.http = model::HttpInfo{.url = std::string(f.Text(e.http->url)),
                                 .status = e.http->status,
                                 .method = std::string(f.Text(e.http->method)),
                                 .user_agent = std::string(f.Text(e.http->user_agent)),
                                 .client_ip = std::string(f.Text(e.http->client_ip))};
  }
  return facts;
}

// A segment document's own facts.
model::EntityFacts SegmentFacts(const model::SegmentDocument& doc, const DocumentFacts& f,
                                bool root) {
  model::EntityFacts facts;
  facts.root = root;
  facts.fault = f.fault;
  facts.error = f.error;
  facts.throttle = !f.entities.empty() && f.entities[0].throttle;
  facts.in_progress = doc.in_progress;
  if (!doc.in_progress) facts.response_time = Elapsed(doc.start_time, doc.end_time);
  facts.http = f.http;
  facts.user = f.user;
  facts.availability_zone = f.availability_zone;
  facts.instance_id = f.instance_id;
  facts.resource_arn = f.resource_arn;
  return facts;
}

// One call on an edge, before node indexes are final: its facts come from the caller's
// subsegment `entity`, or from the child segment `entity` when the caller is a segment.
struct PendingCall {
  NodeIndex source;
  NodeIndex destination;
  uint32_t entity;
  bool from_child_segment;
};

// The trace's entity tree for root causes (traces-and-graphs.md §4.2): every scanned entity (a
// segment or subsegment of some document, by global index), plus one inferred segment per
// remote call without a callee segment (indexes after the scanned ones).
class EntityTree {
 public:
  EntityTree(std::span<const storage::StoredDocument> documents,
             const std::vector<DocumentFacts>& facts, const std::vector<model::TraceNode>& nodes)
      : documents_(documents), facts_(facts), nodes_(nodes) {}

  // Numbers document `doc`'s scanned entities; call once per document, in order.
  void AddDocument(size_t doc) {
    base_.push_back(static_cast<uint32_t>(doc_of_.size()));
    for (size_t local = 0; local < facts_[doc].entities.size(); ++local) {
      doc_of_.push_back(static_cast<uint32_t>(doc));
      const int32_t parent = facts_[doc].entities[local].parent;
      parent_.push_back(parent < 0 ? -1 : static_cast<int32_t>(base_[doc]) + parent);
      node_.push_back(kNoNode);
    }
  }
  size_t scanned_size() const { return doc_of_.size(); }
  size_t size() const { return parent_.size(); }
  uint32_t base(size_t doc) const { return base_[doc]; }
  size_t doc_of(uint32_t entity) const { return doc_of_[entity]; }
  const ScannedEntity& scanned(uint32_t entity) const {
    return facts_[doc_of_[entity]].entities[entity - base_[doc_of_[entity]]];
  }
  const DocumentFacts& facts_of(uint32_t entity) const { return facts_[doc_of_[entity]]; }
  bool is_segment(uint32_t entity) const {
    return entity < scanned_size() && entity == base_[doc_of_[entity]] &&
           documents_[doc_of_[entity]].document.kind == model::DocumentKind::kSegment;
  }

  void SetParent(uint32_t entity, uint32_t parent) {
    parent_[entity] = static_cast<int32_t>(parent);
  }
  void SetNode(uint32_t entity, std::optional<NodeIndex> node) {
    if (node) node_[entity] = *node;
  }
  // Adds the inferred segment made from remote call `caller`, in node `node`.
  void AddInferred(uint32_t caller, NodeIndex node, std::string_view name) {
    inferred_caller_.push_back(caller);
    inferred_name_.push_back(name);
    parent_.push_back(static_cast<int32_t>(caller));
    node_.push_back(node);
  }

  // Builds the children of every entity, each list ordered by start time.
  void Link() {
    const size_t n = parent_.size();
    child_begin_.assign(n + 1, 0);
    for (int32_t parent : parent_) {
      if (parent >= 0) ++child_begin_[static_cast<size_t>(parent) + 1];
    }
    std::partial_sum(child_begin_.begin(), child_begin_.end(), child_begin_.begin());
    children_.resize(child_begin_[n]);
    std::vector<uint32_t> fill(child_begin_.begin(), child_begin_.end() - 1);
    for (size_t i = 0; i < n; ++i) {
      if (parent_[i] >= 0)
        children_[fill[static_cast<size_t>(parent_[i])]++] = static_cast<uint32_t>(i);
    }
    for (size_t i = 0; i < n; ++i) {
      if (child_begin_[i + 1] - child_begin_[i] < 2) continue;
      std::stable_sort(children_.begin() + child_begin_[i], children_.begin() + child_begin_[i + 1],
                       [this](uint32_t a, uint32_t b) { return StartTime(a) < StartTime(b); });
    }
  }

  std::span<const uint32_t> Children(uint32_t entity) const {
    return std::span<const uint32_t>(children_).subspan(
        child_begin_[entity], child_begin_[entity + 1] - child_begin_[entity]);
  }
  std::optional<uint32_t> Parent(uint32_t entity) const {
    if (parent_[entity] < 0) return std::nullopt;
    return static_cast<uint32_t>(parent_[entity]);
  }

  // The data of an entity; an inferred segment's is its caller's.
  const ScannedEntity& Data(uint32_t entity) const {
    return entity < scanned_size() ? scanned(entity) : scanned(Caller(entity));
  }
  EpochSeconds StartTime(uint32_t entity) const { return Data(entity).start_time; }
  std::optional<double> Duration(uint32_t entity) const {
    const ScannedEntity& e = Data(entity);
    return Elapsed(e.start_time, e.end_time);
  }
  bool IsInferred(uint32_t entity) const { return entity >= scanned_size(); }
  // A segment or an inferred segment: the first entity of a service on a path.
  bool StartsService(uint32_t entity) const { return IsInferred(entity) || is_segment(entity); }
  bool IsRemote(uint32_t entity) const {
    return !StartsService(entity) &&
           IsRemoteNamespace(facts_of(entity).Text(scanned(entity).name_space));
  }
  std::string_view Name(uint32_t entity) const {
    return IsInferred(entity) ? inferred_name_[entity - scanned_size()]
                              : facts_of(entity).Text(scanned(entity).name);
  }
  std::optional<NodeIndex> Node(uint32_t entity) const {
    if (node_[entity] == kNoNode) return std::nullopt;
    return node_[entity];
  }
  // The entity's node; an empty one if its chain ends outside the trace (never in the root's
  // tree, which hangs under a segment).
  const model::TraceNode& NodeOf(uint32_t entity) const {
    static const model::TraceNode kNone;
    std::optional<NodeIndex> node = Node(entity);
    return node ? nodes_[*node] : kNone;
  }

  // The exceptions `entity` recorded (inferred segments have none): its cause's list, or the
  // exception its cause names by id.
  std::vector<model::RootCauseException> Exceptions(uint32_t entity) {
    std::vector<model::RootCauseException> out;
    if (IsInferred(entity)) return out;
    const ScannedEntity& e = scanned(entity);
    const DocumentFacts& f = facts_of(entity);
    for (uint32_t i = 0; i < e.exception_count; ++i) {
      const ScannedException& exception = f.exceptions[e.first_exception + i];
      out.push_back({std::string(f.Text(exception.type)), std::string(f.Text(exception.message))});
    }
    if (out.empty() && e.cause_id) {
      if (!exceptions_indexed_) IndexExceptions();
      auto it = exception_by_id_.find(*e.cause_id);
      if (it != exception_by_id_.end()) {
        const DocumentFacts& holder = facts_[it->second.first];
        const ScannedException& exception = holder.exceptions[it->second.second];
        out.push_back({std::string(holder.Text(exception.type)),
                       std::string(holder.Text(exception.message))});
      }
    }
    return out;
  }

 private:
  static constexpr NodeIndex kNoNode = static_cast<NodeIndex>(-1);

  uint32_t Caller(uint32_t inferred) const { return inferred_caller_[inferred - scanned_size()]; }

  void IndexExceptions() {
    exceptions_indexed_ = true;
    for (size_t doc = 0; doc < facts_.size() && doc < base_.size(); ++doc) {
      const std::vector<ScannedException>& list = facts_[doc].exceptions;
      for (size_t i = 0; i < list.size(); ++i) {
        if (list[i].id) exception_by_id_.try_emplace(*list[i].id, doc, i);
      }
    }
  }

  std::span<const storage::StoredDocument> documents_;
  const std::vector<DocumentFacts>& facts_;
  const std::vector<model::TraceNode>& nodes_;
  std::vector<uint32_t> base_;    // per document
  std::vector<uint32_t> doc_of_;  // per scanned entity
  std::vector<int32_t> parent_;   // per entity; -1 for none
  std::vector<NodeIndex> node_;   // per entity; kNoNode when its chain ends outside the trace
  std::vector<uint32_t> inferred_caller_;
  std::vector<std::string_view> inferred_name_;
  std::vector<uint32_t> child_begin_;
  std::vector<uint32_t> children_;
  bool exceptions_indexed_ = false;
  std::unordered_map<model::EntityId, std::pair<size_t, size_t>> exception_by_id_;
};

// Turns a path of entities (root first) into a root cause: a service for each segment or
// inferred segment on it, whose entity path is that segment followed by the subsegments under
// it on the path for which `include` holds.
template <typename Include, typename Coverage>
model::RootCause MakeRootCause(EntityTree& tree, std::span<const uint32_t> path,
                               bool client_impacting, bool with_exceptions, Include include,
                               Coverage coverage) {
  model::RootCause cause;
  cause.client_impacting = client_impacting;
  for (uint32_t entity : path) {
    const bool starts = tree.StartsService(entity);
    if (starts || cause.services.empty()) {
      const model::TraceNode& node = tree.NodeOf(entity);
      model::RootCauseService& service = cause.services.emplace_back();
      service.name = node.id.name;
      service.names = node.id.names;
      service.type = node.id.type;
      service.account_id = node.id.account_id;
      service.inferred = node.inferred;
    }
    if (!starts && !include(entity)) continue;
    model::RootCauseEntity& step = cause.services.back().entity_path.emplace_back();
    step.name = std::string(tree.Name(entity));
    if (with_exceptions) step.exceptions = tree.Exceptions(entity);
    step.coverage = coverage(entity);
    step.remote = tree.IsRemote(entity);
  }
  return cause;
}

// Fault or error root causes (§4.2): one per culprit, a flagged entity of the root's tree with
// no flagged descendant, in pre-order; identical ones once; at most kMaxRootCausesPerKind.
template <typename Flag>
std::vector<model::RootCause> FlagRootCauses(EntityTree& tree, std::span<const uint32_t> preorder,
                                             Flag flagged) {
  std::vector<model::RootCause> causes;
  if (preorder.empty()) return causes;
  std::vector<bool> flagged_below(tree.size());
  for (auto it = preorder.rbegin(); it != preorder.rend(); ++it) {
    if (!flagged(*it) && !flagged_below[*it]) continue;
    if (std::optional<uint32_t> parent = tree.Parent(*it)) flagged_below[*parent] = true;
  }
  const bool client_impacting = flagged(preorder[0]);
  std::vector<uint32_t> path;
  for (uint32_t entity : preorder) {
    if (!flagged(entity) || flagged_below[entity]) continue;
    path.clear();
    for (std::optional<uint32_t> e = entity; e; e = tree.Parent(*e)) {
      path.push_back(*e);
      if (*e == preorder[0]) break;
    }
    std::reverse(path.begin(), path.end());
    model::RootCause cause =
        MakeRootCause(tree, path, client_impacting, /*with_exceptions=*/true, flagged,
                      [](uint32_t) { return std::optional<double>(); });
    if (std::find(causes.begin(), causes.end(), cause) != causes.end()) continue;
    causes.push_back(std::move(cause));
    if (causes.size() == kMaxRootCausesPerKind) break;
  }
  return causes;
}

// The response-time root cause (§4.2): from the root, step into the longest complete child while
// it takes more than kResponseTimeDescentShare of its parent's time.
std::vector<model::RootCause> ResponseTimeRootCauses(EntityTree& tree, uint32_t root,
                                                     double response_time) {
  std::vector<uint32_t> path = {root};
  if (response_time > 0) {
    for (uint32_t at = root;;) {
      const double parent_time = tree.Duration(at).value_or(0);
      std::optional<uint32_t> longest;
      double longest_time = 0;
      for (uint32_t child : tree.Children(at)) {
        std::optional<double> time = tree.Duration(child);
        if (time && (!longest || *time > longest_time)) {
          longest = child;
          longest_time = *time;
        }
      }
      if (!longest || longest_time <= kResponseTimeDescentShare * parent_time) break;
      path.push_back(*longest);
      at = *longest;
    }
  }
  return {MakeRootCause(
      tree, path, /*client_impacting=*/true, /*with_exceptions=*/false,
      [](uint32_t) { return true; },
      [&](uint32_t entity) -> std::optional<double> {
        if (entity == root || response_time <= 0) return 1.0;
        return tree.Duration(entity).value_or(0) / response_time;
      })};
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
    Status scanned = scanner.Scan(doc.json, doc.kind, ScanDetail::kEntities, &facts[i]);
    static_cast<void>(scanned);
    refs.push_back({&doc, &facts[i]});
  }
  const DocumentTree tree = BuildDocumentTree(refs);
  const TraceTimes times = ComputeTraceTimes(refs);

  model::TraceSummary summary;
  summary.id = id;
  summary.start_time = times.start_time;
  summary.duration = times.duration;

  // Real nodes: one per distinct (name, origin) of segment documents. Inferred nodes follow.
  std::vector<model::TraceNode> nodes;
  std::map<std::pair<std::string_view, std::string_view>, NodeIndex> node_by_key;
  std::vector<std::optional<NodeIndex>> own_node(n);
  for (size_t i = 0; i < n; ++i) {
    if (documents[i].document.kind != model::DocumentKind::kSegment) continue;
    const DocumentFacts& f = facts[i];
    auto [it, inserted] = node_by_key.try_emplace({f.name, f.origin}, nodes.size());
    if (inserted) {
      nodes.emplace_back().id = model::ServiceId{
          .name = f.name, .names = {f.name}, .account_id = f.account_id, .type = f.origin};
    } else if (nodes[it->second].id.account_id.empty()) {
      nodes[it->second].id.account_id = f.account_id;
    }
    own_node[i] = it->second;
  }
  // The node each document belongs to: that of the segment its chain ends at.
  std::vector<std::optional<NodeIndex>> node_of(n);
  for (size_t i = 0; i < n; ++i) node_of[i] = own_node[tree.top[i]];

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
    summary.entry_point = nodes[*own_node[*root]].id;
    nodes[*own_node[*root]].root = true;
    if (!doc.in_progress && doc.end_time) {
      summary.response_time = std::max(0.0, *doc.end_time - doc.start_time);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (own_node[i]) {
      nodes[*own_node[i]].segments.push_back(
          SegmentFacts(documents[i].document, facts[i], i == root));
    }
  }

  // The entity tree: embedded parents come from the scan; a document's top entity hangs under
  // the entity its parent_id names, wherever that is held.
  EntityTree entities(documents, facts, nodes);
  for (size_t i = 0; i < n; ++i) entities.AddDocument(i);
  std::vector<PendingCall> calls;
  std::vector<model::EntityId> called;  // subsegments whose callee sent a segment (sorted below)
  for (size_t i = 0; i < n; ++i) {
    for (uint32_t e = entities.base(i); e < entities.base(i) + facts[i].entities.size(); ++e) {
      entities.SetNode(e, node_of[i]);
    }
    const model::SegmentDocument& doc = documents[i].document;
    if (!doc.parent_id) continue;
    if (doc.kind == model::DocumentKind::kSegment) called.push_back(*doc.parent_id);
    if (facts[i].entities.empty()) continue;
    auto holder = tree.holder.find(*doc.parent_id);
    if (holder == tree.holder.end() || holder->second == i) continue;
    const size_t h = holder->second;
    const std::vector<ScannedEntity>& held = facts[h].entities;
    auto parent = std::find_if(held.begin(), held.end(),
                               [&](const ScannedEntity& e) { return e.id == doc.parent_id; });
    if (parent == held.end()) continue;
    const uint32_t parent_entity = entities.base(h) + static_cast<uint32_t>(parent - held.begin());
    entities.SetParent(entities.base(i), parent_entity);
    // A call from another service: an edge, as the caller's subsegment recorded it (the child
    // segment's own facts when the parent is a segment: there is no caller subsegment).
    if (doc.kind != model::DocumentKind::kSegment || !node_of[h] || *node_of[h] == *own_node[i]) {
      continue;
    }
    const bool from_segment = entities.is_segment(parent_entity);
    calls.push_back(
        {*node_of[h], *own_node[i], from_segment ? entities.base(i) : parent_entity, from_segment});
  }
  std::sort(called.begin(), called.end());

  // Inferred nodes: remote calls (aws/remote subsegments) not marked traced whose callee sent no
  // segment, named and typed like the trace assembler's inferred segments (inferred_node.h).
  std::list<std::string> inferred_types;       // node_by_key's views of them stay valid
  std::vector<model::EntityId> inferred_from;  // sorted
  const size_t scanned_entities = entities.scanned_size();
  for (uint32_t e = 0; e < scanned_entities; ++e) {
    const size_t doc = entities.doc_of(e);
    const ScannedEntity& call = entities.scanned(e);
    const DocumentFacts& f = facts[doc];
    const bool subsegment =
        e != entities.base(doc) || documents[doc].document.kind == model::DocumentKind::kSubsegment;
    if (!subsegment || !call.id || call.traced || !IsRemoteNamespace(f.Text(call.name_space)) ||
        std::binary_search(called.begin(), called.end(), *call.id)) {
      continue;
    }
    auto seen = std::lower_bound(inferred_from.begin(), inferred_from.end(), *call.id);
    if (seen != inferred_from.end() && *seen == *call.id) continue;  // the same call again
    inferred_from.insert(seen, *call.id);
    const std::string_view subsegment_name = f.Text(call.name);
    const std::string_view name = InferredNodeName(subsegment_name, f.Text(call.resource_name));
    std::string type =
        InferredOrigin(f.Text(call.name_space), subsegment_name, call.has_sql, call.has_table_name);
    auto it = node_by_key.find({name, type});
    if (it == node_by_key.end()) {
      const std::string& kept = inferred_types.emplace_back(std::move(type));
      it = node_by_key.emplace(std::pair{name, std::string_view(kept)}, nodes.size()).first;
      model::TraceNode& inferred = nodes.emplace_back();
      inferred.id = model::ServiceId{
          .name = std::string(name), .names = {std::string(name)}, .account_id = "", .type = kept};
      inferred.inferred = true;
    }
    const NodeIndex node = it->second;
    if (nodes[node].inferred) nodes[node].segments.push_back(CallFacts(f, call));
    if (node_of[doc] && *node_of[doc] != node) {
      calls.push_back({*node_of[doc], node, e, /*from_child_segment=*/false});
    }
    entities.AddInferred(e, node, name);
  }

  // Root causes, over the root segment's tree.
  if (root && !facts[*root].entities.empty()) {
    entities.Link();
    const uint32_t root_entity = entities.base(*root);
    std::vector<uint32_t> preorder;
    std::vector<uint32_t> stack = {root_entity};
    while (!stack.empty()) {
      const uint32_t e = stack.back();
      stack.pop_back();
      preorder.push_back(e);
      std::span<const uint32_t> children = entities.Children(e);
      stack.insert(stack.end(), children.rbegin(), children.rend());
    }
    summary.fault_root_causes =
        FlagRootCauses(entities, preorder, [&](uint32_t e) { return entities.Data(e).fault; });
    summary.error_root_causes =
        FlagRootCauses(entities, preorder, [&](uint32_t e) { return entities.Data(e).error; });
    if (summary.response_time) {
      summary.response_time_root_causes =
          ResponseTimeRootCauses(entities, root_entity, *summary.response_time);
    }
  }

  std::map<std::string, std::vector<ValueAccumulator>> annotations;
  std::map<std::string, std::vector<NodeIndex>> users;
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
      if (node_of[i]) AddUnique(&value->services, *node_of[i]);
    }
    if (doc.kind != model::DocumentKind::kSegment) continue;
    if (!f.user.empty()) AddUnique(&users[f.user], *own_node[i]);
    if (!f.resource_arn.empty()) resource_arns.insert(f.resource_arn);
    if (!f.instance_id.empty()) instance_ids.insert(f.instance_id);
    if (!f.availability_zone.empty()) availability_zones.insert(f.availability_zone);
  }

  for (auto& [key, accumulated] : annotations) {
    std::vector<model::ValueWithServiceIds>& out = summary.annotations[key];
    out.reserve(accumulated.size());
    for (ValueAccumulator& v : accumulated) {
      out.push_back({std::move(v.value), ToServiceIds(std::move(v.services), nodes)});
    }
    std::sort(out.begin(), out.end(),
              [](const model::ValueWithServiceIds& a, const model::ValueWithServiceIds& b) {
                return a.value < b.value;
              });
  }
  for (auto& [user, indexes] : users) {
    summary.users.push_back({user, ToServiceIds(std::move(indexes), nodes)});
  }
  summary.resource_arns.assign(resource_arns.begin(), resource_arns.end());
  summary.instance_ids.assign(instance_ids.begin(), instance_ids.end());
  summary.availability_zones.assign(availability_zones.begin(), availability_zones.end());

  // The graph: nodes sorted by id, edges by (source, destination), calls in discovery order.
  std::vector<uint32_t> order(nodes.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return nodes[a].id < nodes[b].id; });
  std::vector<uint32_t> rank(nodes.size());
  summary.nodes.reserve(nodes.size());
  summary.service_ids.reserve(nodes.size());
  for (uint32_t position = 0; position < order.size(); ++position) {
    rank[order[position]] = position;
    summary.service_ids.push_back(nodes[order[position]].id);
    summary.nodes.push_back(std::move(nodes[order[position]]));
  }
  for (PendingCall& call : calls) {
    call.source = rank[call.source];
    call.destination = rank[call.destination];
  }
  std::stable_sort(calls.begin(), calls.end(), [](const PendingCall& a, const PendingCall& b) {
    return std::pair(a.source, a.destination) < std::pair(b.source, b.destination);
  });
  for (PendingCall& call : calls) {
    if (summary.edges.empty() || summary.edges.back().source != call.source ||
        summary.edges.back().destination != call.destination) {
      model::TraceEdge& edge = summary.edges.emplace_back();
      edge.source = static_cast<uint32_t>(call.source);
      edge.destination = static_cast<uint32_t>(call.destination);
    }
    summary.edges.back().calls.push_back(
        call.from_child_segment
            ? SegmentFacts(documents[entities.doc_of(call.entity)].document,
                           facts[entities.doc_of(call.entity)], /*root=*/false)
            : CallFacts(entities.facts_of(call.entity), entities.scanned(call.entity)));
  }
  return summary;
}

}  // namespace roentgen::query
