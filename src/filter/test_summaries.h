// filter/test_summaries.h — small builders of model::TraceSummary values for the filter's tests
// and benchmark (a trace's nodes, edges, annotations and root causes, set field by field).
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/trace_summary.h"

namespace roentgen::filter::fixtures {

inline model::ServiceId Id(std::string name, std::string type = "", std::string account_id = "") {
  model::ServiceId id;
  id.names = {name};
  id.name = std::move(name);
  id.type = std::move(type);
  id.account_id = std::move(account_id);
  return id;
}

inline model::HttpInfo Http(std::string method, std::string url, std::optional<int32_t> status) {
  model::HttpInfo http;
  http.method = std::move(method);
  http.url = std::move(url);
  http.status = status;
  return http;
}

// A segment (or call) with the given flags and response time.
inline model::EntityFacts Facts(bool fault = false, bool error = false, bool throttle = false,
                                std::optional<double> response_time = 0.1) {
  model::EntityFacts facts;
  facts.fault = fault;
  facts.error = error;
  facts.throttle = throttle;
  facts.response_time = response_time;
  return facts;
}

inline model::TraceNode Node(model::ServiceId id, std::vector<model::EntityFacts> segments,
                             bool inferred = false) {
  model::TraceNode node;
  node.id = std::move(id);
  node.segments = std::move(segments);
  node.inferred = inferred;
  for (const model::EntityFacts& segment : node.segments) node.root = node.root || segment.root;
  return node;
}

inline model::TraceEdge Edge(uint32_t source, uint32_t destination,
                             std::vector<model::EntityFacts> calls) {
  model::TraceEdge edge;
  edge.source = source;
  edge.destination = destination;
  edge.calls = std::move(calls);
  return edge;
}

inline void Annotate(model::TraceSummary* summary, const std::string& key,
                     model::AnnotationValue value) {
  model::ValueWithServiceIds entry;
  entry.value = std::move(value);
  summary->annotations[key].push_back(std::move(entry));
}

// A root cause through `services`, entry service first and culprit last.
inline model::RootCause Cause(std::vector<model::RootCauseService> services) {
  model::RootCause cause;
  cause.services = std::move(services);
  return cause;
}

inline model::RootCauseService CauseService(std::string name, std::string type,
                                            std::vector<model::RootCauseEntity> path,
                                            bool inferred = false) {
  model::RootCauseService service;
  service.names = {name};
  service.name = std::move(name);
  service.type = std::move(type);
  service.inferred = inferred;
  service.entity_path = std::move(path);
  return service;
}

inline model::RootCauseEntity CauseEntity(std::string name, bool remote = false,
                                          std::vector<model::RootCauseException> exceptions = {},
                                          std::optional<double> coverage = std::nullopt) {
  model::RootCauseEntity entity;
  entity.name = std::move(name);
  entity.remote = remote;
  entity.exceptions = std::move(exceptions);
  entity.coverage = coverage;
  return entity;
}

inline model::RootCauseException CauseException(std::string name, std::string message) {
  model::RootCauseException exception;
  exception.name = std::move(name);
  exception.message = std::move(message);
  return exception;
}

// A two-node trace: root service `web` (one root segment) calling `db` (an inferred
// AWS::DynamoDB::Table node), with the summary's trace-level fields consistent with the nodes.
inline model::TraceSummary WebCallsDb(bool web_fault = false, bool db_fault = false) {
  model::TraceSummary summary;
  model::EntityFacts root = Facts(web_fault, false, false, 1.5);
  root.root = true;
  root.http = Http("GET", "https://shop.example.org/api/cart", web_fault ? 500 : 200);
  root.user = "u-1";
  summary.nodes.push_back(Node(Id("db", "AWS::DynamoDB::Table"), {Facts(db_fault)}, true));
  summary.nodes.push_back(Node(Id("web", "AWS::EC2::Instance", "111122223333"), {root}));
  model::EntityFacts call = Facts(db_fault, false, false, 0.3);
  call.http = Http("POST", "https://dynamodb", db_fault ? 500 : 200);
  summary.edges.push_back(Edge(1, 0, {call}));
  summary.has_fault = web_fault;
  summary.response_time = 1.5;
  summary.duration = 1.6;
  summary.http = root.http;
  summary.users.push_back({"u-1", {}});
  summary.service_ids = {summary.nodes[0].id, summary.nodes[1].id};
  summary.entry_point = summary.nodes[1].id;
  return summary;
}

}  // namespace roentgen::filter::fixtures
