// model/trace_summary.h — X-Ray's TraceSummary (GetTraceSummaries), derived from all documents of
// one trace. Field meanings: ../shared/spec/traces-and-graphs.md §3 and api.md "TraceSummary".
// Thread-safety: a value.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "model/ids.h"

namespace roentgen::model {

struct ServiceId {
  std::string name;
  std::vector<std::string> names;
  std::string account_id;  // empty when unknown
  std::string type;        // the segment's origin, e.g. "AWS::EC2::Instance"; empty when none
  auto operator<=>(const ServiceId&) const = default;
};

using AnnotationValue = std::variant<std::string, double, bool>;

struct ValueWithServiceIds {
  AnnotationValue value;
  std::vector<ServiceId> service_ids;
};

struct TraceUser {
  std::string user_name;
  std::vector<ServiceId> service_ids;
};

struct HttpInfo {
  std::string url;
  std::optional<int32_t> status;
  std::string method;
  std::string user_agent;
  std::string client_ip;
  bool operator==(const HttpInfo&) const = default;
};

// Root causes (spec traces-and-graphs.md §4): the path from the entry service to a culprit.
struct RootCauseException {
  std::string name;  // the exception's type
  std::string message;
  bool operator==(const RootCauseException&) const = default;
};

struct RootCauseEntity {
  std::string name;
  std::vector<RootCauseException> exceptions;  // fault and error causes only
  std::optional<double> coverage;  // response-time causes only: share of the root's time
  bool remote = false;             // a remote-call subsegment (namespace aws/remote)
  bool operator==(const RootCauseEntity&) const = default;
};

struct RootCauseService {
  std::string name;
  std::vector<std::string> names;
  std::string type;
  std::string account_id;
  bool inferred = false;
  std::vector<RootCauseEntity> entity_path;  // the service's segment, then subsegments downwards
  bool operator==(const RootCauseService&) const = default;
};

struct RootCause {
  std::vector<RootCauseService> services;  // entry service first, culprit last
  bool client_impacting = false;
  bool operator==(const RootCause&) const = default;
};

// What the filter language's node view (service(){...}) and edge view (edge(){...}) read: one
// segment of a node, or one call on an edge as the caller's subsegment recorded it. Not part of
// the API's TraceSummary.
struct EntityFacts {
  bool root = false;  // this is the trace's root segment
  bool fault = false;
  bool error = false;
  bool throttle = false;
  bool in_progress = false;
  std::optional<double> response_time;  // end − start; absent while in progress
  std::optional<HttpInfo> http;
  std::string user;
  std::string availability_zone;
  std::string instance_id;
  std::string resource_arn;
  bool operator==(const EntityFacts&) const = default;
};

// A node of the trace's service graph: a real service (its segments) or an inferred one (the
// inferred segments made from callers' aws/remote/SQL subsegments).
struct TraceNode {
  ServiceId id;
  bool inferred = false;
  bool root = false;  // the trace's entry point
  std::vector<EntityFacts> segments;
  bool operator==(const TraceNode&) const = default;
};

// Calls from one node to another in this trace, as recorded by the caller.
struct TraceEdge {
  uint32_t source = 0;  // index into TraceSummary::nodes
  uint32_t destination = 0;
  std::vector<EntityFacts> calls;
  bool operator==(const TraceEdge&) const = default;
};

struct TraceSummary {
  TraceId id;
  EpochSeconds start_time = 0;          // earliest start_time of any document
  std::optional<double> duration;       // latest end − earliest start; absent if nothing ended
  std::optional<double> response_time;  // root end − root start; absent without a complete root
  bool has_fault = false;               // root segment's fault flag
  bool has_error = false;               // root segment's error flag
  bool has_throttle = false;            // any segment or subsegment's throttle flag
  bool is_partial = false;              // some document still in progress
  std::optional<HttpInfo> http;         // the root segment's http block
  std::map<std::string, std::vector<ValueWithServiceIds>> annotations;
  std::vector<TraceUser> users;
  std::vector<ServiceId> service_ids;
  std::vector<std::string> resource_arns;
  std::vector<std::string> instance_ids;
  std::vector<std::string> availability_zones;
  std::optional<ServiceId> entry_point;  // the root segment's service
  std::vector<RootCause> fault_root_causes;
  std::vector<RootCause> error_root_causes;
  std::vector<RootCause> response_time_root_causes;
  // The trace's service graph, for the filter's node and edge views; nodes sorted by id.
  std::vector<TraceNode> nodes;
  std::vector<TraceEdge> edges;
  // Set by the store: 1 on the first write, +1 on every write that touches the trace.
  uint32_t revision = 0;
  // Set by the store: when the trace last received a document (server clock).
  EpochSeconds updated_at = 0;
};

}  // namespace roentgen::model
