#include "api/trace_summary_json.h"

#include <string_view>
#include <variant>
#include <vector>

namespace roentgen::api {
namespace {

void WriteServiceId(JsonOutput& out, const model::ServiceId& service) {
  out.BeginObject().Member("Name", service.name).Key("Names").BeginArray();
  for (const std::string& name : service.names) out.String(name);
  out.EndArray();
  out.MemberIfNotEmpty("AccountId", service.account_id);
  out.MemberIfNotEmpty("Type", service.type);
  out.EndObject();
}

void WriteServiceIds(JsonOutput& out, const std::vector<model::ServiceId>& services) {
  out.BeginArray();
  for (const model::ServiceId& service : services) WriteServiceId(out, service);
  out.EndArray();
}

void WriteAnnotationValue(JsonOutput& out, const model::AnnotationValue& value) {
  out.BeginObject();
  if (const auto* text = std::get_if<std::string>(&value)) {
    out.Member("StringValue", *text);
  } else if (const auto* number = std::get_if<double>(&value)) {
    out.MemberDouble("NumberValue", *number);
  } else {
    out.Member("BooleanValue", std::get<bool>(value));
  }
  out.EndObject();
}

// [{"<key>": "<value>"}, ...] for the simple detail lists (ResourceARNs, InstanceIds, ...).
void WriteDetails(JsonOutput& out, std::string_view list, std::string_view key,
                  const std::vector<std::string>& values) {
  out.Key(list).BeginArray();
  for (const std::string& value : values) out.BeginObject().Member(key, value).EndObject();
  out.EndArray();
}

// Which root-cause list is written: fault and error entities carry Exceptions, response-time
// entities Coverage.
enum class RootCauseKind { kFaultOrError, kResponseTime };

void WriteRootCauseEntity(JsonOutput& out, const model::RootCauseEntity& entity,
                          RootCauseKind kind) {
  out.BeginObject().Member("Name", entity.name);
  if (kind == RootCauseKind::kFaultOrError) {
    out.Key("Exceptions").BeginArray();
    for (const model::RootCauseException& exception : entity.exceptions) {
      out.BeginObject();
      out.MemberIfNotEmpty("Name", exception.name);
      out.MemberIfNotEmpty("Message", exception.message);
      out.EndObject();
    }
    out.EndArray();
  } else if (entity.coverage) {
    out.MemberDouble("Coverage", *entity.coverage);
  }
  out.Member("Remote", entity.remote);
  out.EndObject();
}

// FaultRootCauses / ErrorRootCauses / ResponseTimeRootCauses (api.md "FaultRootCause" etc.).
void WriteRootCauses(JsonOutput& out, std::string_view key,
                     const std::vector<model::RootCause>& causes, RootCauseKind kind) {
  out.Key(key).BeginArray();
  for (const model::RootCause& cause : causes) {
    out.BeginObject().Key("Services").BeginArray();
    for (const model::RootCauseService& service : cause.services) {
      out.BeginObject().Member("Name", service.name).Key("Names").BeginArray();
      for (const std::string& name : service.names) out.String(name);
      out.EndArray();
      out.MemberIfNotEmpty("Type", service.type);
      out.MemberIfNotEmpty("AccountId", service.account_id);
      out.Key("EntityPath").BeginArray();
      for (const model::RootCauseEntity& entity : service.entity_path) {
        WriteRootCauseEntity(out, entity, kind);
      }
      out.EndArray();
      out.Member("Inferred", service.inferred);
      out.EndObject();
    }
    out.EndArray();
    out.Member("ClientImpacting", cause.client_impacting);
    out.EndObject();
  }
  out.EndArray();
}

}  // namespace

void WriteTraceSummary(JsonOutput& out, const model::TraceSummary& summary,
                       bool with_matched_event_time) {
  out.BeginObject();
  out.Member("Id", summary.id.ToString());
  out.MemberDouble("StartTime", summary.start_time);
  out.MemberIfPresent("Duration", summary.duration);
  out.MemberIfPresent("ResponseTime", summary.response_time);
  out.Member("HasFault", summary.has_fault);
  out.Member("HasError", summary.has_error);
  out.Member("HasThrottle", summary.has_throttle);
  out.Member("IsPartial", summary.is_partial);
  if (summary.http) {
    const model::HttpInfo& http = *summary.http;
    out.Key("Http").BeginObject();
    out.MemberIfNotEmpty("HttpURL", http.url);
    if (http.status) out.MemberInt("HttpStatus", *http.status);
    out.MemberIfNotEmpty("HttpMethod", http.method);
    out.MemberIfNotEmpty("UserAgent", http.user_agent);
    out.MemberIfNotEmpty("ClientIp", http.client_ip);
    out.EndObject();
  }
  out.Key("Annotations").BeginObject();
  for (const auto& [key, values] : summary.annotations) {
    out.Key(key).BeginArray();
    for (const model::ValueWithServiceIds& value : values) {
      out.BeginObject().Key("AnnotationValue");
      WriteAnnotationValue(out, value.value);
      out.Key("ServiceIds");
      WriteServiceIds(out, value.service_ids);
      out.EndObject();
    }
    out.EndArray();
  }
  out.EndObject();
  out.Key("Users").BeginArray();
  for (const model::TraceUser& user : summary.users) {
    out.BeginObject().Member("UserName", user.user_name).Key("ServiceIds");
    WriteServiceIds(out, user.service_ids);
    out.EndObject();
  }
  out.EndArray();
  out.Key("ServiceIds");
  WriteServiceIds(out, summary.service_ids);
  WriteDetails(out, "ResourceARNs", "ARN", summary.resource_arns);
  WriteDetails(out, "InstanceIds", "Id", summary.instance_ids);
  WriteDetails(out, "AvailabilityZones", "Name", summary.availability_zones);
  if (summary.entry_point) {
    out.Key("EntryPoint");
    WriteServiceId(out, *summary.entry_point);
  }
  WriteRootCauses(out, "FaultRootCauses", summary.fault_root_causes, RootCauseKind::kFaultOrError);
  WriteRootCauses(out, "ErrorRootCauses", summary.error_root_causes, RootCauseKind::kFaultOrError);
  WriteRootCauses(out, "ResponseTimeRootCauses", summary.response_time_root_causes,
                  RootCauseKind::kResponseTime);
  // nodes and edges are internal (the filter's node and edge views): never written.
  out.MemberInt("Revision", summary.revision);
  if (with_matched_event_time) out.MemberDouble("MatchedEventTime", summary.updated_at);
  out.EndObject();
}

}  // namespace roentgen::api
