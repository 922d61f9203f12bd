#include "query/inferred_node.h"

#include <algorithm>
#include <array>

namespace roentgen::query {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string AwsServiceName(std::string_view name) {
  // Python's botocore patch names subsegments by endpoint prefix ("dynamodb", "s3", ...).
  static constexpr std::array<std::string_view, 14> kCanonical = {
      "DynamoDB", "S3",  "SQS", "SNS", "Lambda",         "Kinesis",  "STS",
      "SSM",      "KMS", "EC2", "ECS", "SecretsManager", "Firehose", "CloudWatch"};
  for (std::string_view canonical : kCanonical) {
    if (canonical.size() == name.size() &&
        std::equal(name.begin(), name.end(), canonical.begin(),
                   [](char a, char b) { return Lower(a) == Lower(b); })) {
      return std::string(canonical);
    }
  }
  return std::string(name);
}

std::string InferredOrigin(std::string_view name_space, std::string_view subsegment_name,
                           bool has_sql, bool has_table_name) {
  if (name_space == "remote") return has_sql ? "Database::SQL" : "remote";
  if (has_table_name) return "AWS::DynamoDB::Table";
  return subsegment_name.empty() ? "AWS" : "AWS::" + AwsServiceName(subsegment_name);
}

}  // namespace roentgen::query
