// query/inferred_node.h — the identity of an inferred segment, made for an "aws" or "remote"
// subsegment whose callee sent no segment of its own (../shared/spec/traces-and-graphs.md §2.5).
// Shared by the trace assembler (the inferred segment's origin) and the summarizer (the graph
// node's name and type), so both agree. Internal to query/.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace roentgen::query {

// X-Ray's spelling of an AWS service named by its SDK subsegment: the canonical form of common
// services whatever the case ("dynamodb" → "DynamoDB"), else `name` unchanged.
std::string AwsServiceName(std::string_view name);

// The inferred segment's origin, which is its node's type: "Database::SQL" for a remote call
// with an sql block, "remote" for other remote calls; "AWS::DynamoDB::Table" for an aws call
// with a table_name, else "AWS::<Service>" ("AWS" when the subsegment has no name).
std::string InferredOrigin(std::string_view name_space, std::string_view subsegment_name,
                           bool has_sql, bool has_table_name);

// The inferred node's name: the resource the call named (aws.resource_names[0], table_name,
// function_name, queue, bucket) when there is one, else the subsegment's name.
inline std::string_view InferredNodeName(std::string_view subsegment_name,
                                         std::string_view resource_name) {
  return resource_name.empty() ? subsegment_name : resource_name;
}

}  // namespace roentgen::query
