// bench/segment_generator.h — realistic synthetic segment documents for load tests: traces of
// 1–3 services calling each other, each segment 0.5–3 KB with 2–6 subsegments (remote, aws and
// sql calls), annotations, metadata, and a share of errors, faults and exceptions with stacks.
// Thread-safety: one generator per thread (seeded, deterministic).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace roentgen::bench {

// The vocabulary of the generated traces (benchmarks that fake summaries reuse it).
inline constexpr const char* kServices[] = {"checkout-api",    "inventory", "payments", "catalog",
                                            "recommendations", "shipping",  "users",    "search"};
inline constexpr const char* kOrigins[] = {"AWS::EC2::Instance", "AWS::ECS::Container",
                                           "AWS::ElasticBeanstalk::Environment",
                                           "AWS::EKS::Container"};
inline constexpr const char* kPaths[] = {"/api/cart",      "/api/orders/42", "/checkout",
                                         "/items?page=3",  "/health",        "/api/users/me",
                                         "/search?q=shoes"};

class SegmentGenerator {
 public:
  explicit SegmentGenerator(uint64_t seed) : random_(seed) {}

  // Appends the segment documents of one new trace, started at `now` (epoch seconds).
  void NextTrace(double now, std::vector<std::string>& out);

 private:
  std::string Hex(int digits);
  std::string Segment(const std::string& trace_id, const std::string& id,
                      const std::string* parent_id, int service, double start, double end);
  int Uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
  double Uniform01() { return std::uniform_real_distribution<double>(0, 1)(random_); }

  std::mt19937_64 random_;
};

}  // namespace roentgen::bench
