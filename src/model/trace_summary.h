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
  // Set by the store: 1 on the first write, +1 on every write that touches the trace.
  uint32_t revision = 0;
  // Set by the store: when the trace last received a document (server clock).
  EpochSeconds updated_at = 0;
};

}  // namespace roentgen::model
