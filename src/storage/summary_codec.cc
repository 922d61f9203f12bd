#include "storage/summary_codec.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "storage/coding.h"

namespace roentgen::storage {
namespace {

// Version 2 added the root causes and the trace graph (flag kHasGraph); a version-1 record is a
// version-2 one without them, so it still decodes (with those fields empty).
constexpr uint8_t kVersion = 2;
constexpr uint8_t kVersionWithoutGraph = 1;

// Presence and boolean flags, one varint.
enum Flag : uint64_t {
  kHasFault = 1 << 0,
  kHasError = 1 << 1,
  kHasThrottle = 1 << 2,
  kIsPartial = 1 << 3,
  kHasDuration = 1 << 4,
  kHasResponseTime = 1 << 5,
  kHasHttp = 1 << 6,
  kHasEntryPoint = 1 << 7,
  kAllVersion1Flags = (1 << 8) - 1,
  kHasGraph = 1 << 8,  // root causes, nodes and edges follow (version 2)
  kAllFlags = (1 << 9) - 1,
};

// EntityFacts flags, one varint.
enum FactsFlag : uint64_t {
  kFactsRoot = 1 << 0,
  kFactsFault = 1 << 1,
  kFactsError = 1 << 2,
  kFactsThrottle = 1 << 3,
  kFactsInProgress = 1 << 4,
  kFactsHasResponseTime = 1 << 5,
  kFactsHasHttp = 1 << 6,
  kAllFactsFlags = (1 << 7) - 1,
};

// TraceNode flags, one byte.
enum NodeFlag : uint8_t { kNodeInferred = 1 << 0, kNodeRoot = 1 << 1, kAllNodeFlags = 3 };

// RootCauseEntity flags, one byte.
enum EntityFlag : uint8_t {
  kEntityRemote = 1 << 0,
  kEntityHasCoverage = 1 << 1,
  kAllEntityFlags = 3
};

// How a double is stored: exact integer milliseconds or microseconds when that round-trips
// (timestamps and durations usually are), else the raw IEEE bits.
enum DoubleForm : uint8_t { kRawDouble = 0, kMillis = 1, kMicros = 2 };

// Annotation value tags.
enum ValueTag : uint8_t { kString = 0, kNumber = 1, kFalse = 2, kTrue = 3 };

void PutDouble(std::string* out, double value) {
  // Below 2^53 / 1e6 every integer count of micro- or milliseconds is exact in a double.
  if (value >= 0 && !std::signbit(value) && value < 9.0e9) {
    const double ms = std::nearbyint(value * 1e3);
    if (ms / 1e3 == value) {
      out->push_back(static_cast<char>(kMillis));
      PutVarint64(out, static_cast<uint64_t>(ms));
      return;
    }
    const double us = std::nearbyint(value * 1e6);
    if (us / 1e6 == value) {
      out->push_back(static_cast<char>(kMicros));
      PutVarint64(out, static_cast<uint64_t>(us));
      return;
    }
  }
  out->push_back(static_cast<char>(kRawDouble));
  PutFixed64LE(out, DoubleBits(value));
}

bool ReadDouble(ByteReader& in, double* out) {
  uint8_t form = 0;
  if (!in.ReadByte(&form)) return false;
  uint64_t v = 0;
  switch (form) {
    case kRawDouble:
      if (!in.ReadFixed64LE(&v)) return false;
      *out = DoubleFromBits(v);
      return true;
    case kMillis:
      if (!in.ReadVarint64(&v)) return false;
      *out = static_cast<double>(v) / 1e3;
      return true;
    case kMicros:
      if (!in.ReadVarint64(&v)) return false;
      *out = static_cast<double>(v) / 1e6;
      return true;
    default:
      return false;
  }
}

// Builds the record body while interning strings and services; then writes tables + body.
class Encoder {
 public:
  void String(std::string_view s) { PutVarint64(&body_, InternString(s)); }

  void Service(const model::ServiceId& service) {
    Service(service.name, service.names, service.account_id, service.type);
  }

  // A service given by its fields (a RootCauseService is one too). The fields must outlive the
  // Encoder.
  void Service(const std::string& name, const std::vector<std::string>& names,
               const std::string& account_id, const std::string& type) {
    const ServiceRef ref{&name, &names, &account_id, &type};
    for (size_t i = 0; i < services_.size(); ++i) {
      if (services_[i] == ref) {
        PutVarint64(&body_, i);
        return;
      }
    }
    PutVarint64(&service_table_, InternString(name));
    PutVarint64(&service_table_, names.size());
    for (const std::string& alias : names) PutVarint64(&service_table_, InternString(alias));
    PutVarint64(&service_table_, InternString(account_id));
    PutVarint64(&service_table_, InternString(type));
    PutVarint64(&body_, services_.size());
    services_.push_back(ref);
  }

  void Services(const std::vector<model::ServiceId>& services) {
    Count(services.size());
    for (const model::ServiceId& service : services) Service(service);
  }

  void Strings(const std::vector<std::string>& strings) {
    Count(strings.size());
    for (const std::string& s : strings) String(s);
  }

  void Count(size_t n) { PutVarint64(&body_, n); }
  void Varint(uint64_t v) { PutVarint64(&body_, v); }
  void Byte(uint8_t b) { body_.push_back(static_cast<char>(b)); }
  void Double(double v) { PutDouble(&body_, v); }

  void Finish(std::string* out) {
    out->push_back(static_cast<char>(kVersion));
    PutVarint64(out, strings_.size());
    for (std::string_view s : strings_) PutLengthPrefixed(out, s);
    PutVarint64(out, services_.size());
    out->append(service_table_);
    out->append(body_);
  }

 private:
  // A linear search beats hashing for the few dozen strings of a typical summary; large ones
  // switch to a map.
  uint64_t InternString(std::string_view s) {
    if (strings_.size() < kLinearSearchLimit) {
      for (size_t i = 0; i < strings_.size(); ++i) {
        if (strings_[i].size() == s.size() && strings_[i] == s) return i;
      }
      strings_.push_back(s);
      return strings_.size() - 1;
    }
    if (string_index_.empty()) {
      for (size_t i = 0; i < strings_.size(); ++i) string_index_.emplace(strings_[i], i);
    }
    auto [it, inserted] = string_index_.try_emplace(s, strings_.size());
    if (inserted) strings_.push_back(s);
    return it->second;
  }

  struct ServiceRef {
    const std::string* name;
    const std::vector<std::string>* names;
    const std::string* account_id;
    const std::string* type;
    bool operator==(const ServiceRef& o) const {
      return *name == *o.name && *type == *o.type && *account_id == *o.account_id &&
             *names == *o.names;
    }
  };

  static constexpr size_t kLinearSearchLimit = 64;
  std::unordered_map<std::string_view, uint64_t> string_index_;
  std::vector<std::string_view> strings_;
  std::vector<ServiceRef> services_;
  std::string service_table_;
  std::string body_;
};

// Decodes into an existing TraceSummary, overwriting every field while keeping the capacity of
// its strings and vectors (and the nodes of its annotation map), so that a scan decoding one
// summary after another into the same object barely allocates. Every element a vector keeps is
// overwritten field by field; nothing of the previous summary may survive.
class Decoder {
 public:
  // A service table entry; its aliases are aliases[first_name, first_name + name_count).
  struct ServiceEntry {
    std::string_view name;
    size_t first_name = 0;
    size_t name_count = 0;
    std::string_view account_id;
    std::string_view type;
  };
  // The tables' storage, which a thread keeps from one record to the next (see
  // DecodeTraceSummaryInto) so that they cost no allocation once warm.
  struct Scratch {
    std::vector<std::string_view> strings;
    std::vector<ServiceEntry> services;
    std::vector<std::string_view> aliases;
  };

  Decoder(std::string_view bytes, Scratch& scratch)
      : in_(bytes),
        strings_(scratch.strings),
        services_(scratch.services),
        aliases_(scratch.aliases) {
    aliases_.clear();
  }

  // The string and service tables. Both refer into the input: nothing is copied until a field
  // is assigned.
  bool Tables() {
    if (!in_.ReadByte(&version_) || (version_ != kVersion && version_ != kVersionWithoutGraph)) {
      return false;
    }
    uint64_t n = 0;
    if (!in_.ReadCount(1, &n)) return false;
    strings_.resize(n);
    for (std::string_view& s : strings_) {
      if (!in_.ReadLengthPrefixed(&s)) return false;
    }
    if (!in_.ReadCount(4, &n)) return false;
    services_.resize(n);
    for (ServiceEntry& service : services_) {
      uint64_t names = 0;
      if (!StringView(&service.name) || !in_.ReadCount(1, &names)) return false;
      service.first_name = aliases_.size();
      service.name_count = names;
      for (uint64_t i = 0; i < names; ++i) {
        if (!StringView(&aliases_.emplace_back())) return false;
      }
      if (!StringView(&service.account_id) || !StringView(&service.type)) return false;
    }
    return true;
  }

  bool StringView(std::string_view* out) {
    uint64_t index = 0;
    if (!in_.ReadVarint64(&index) || index >= strings_.size()) return false;
    *out = strings_[index];
    return true;
  }

  bool String(std::string* out) {
    std::string_view s;
    if (!StringView(&s)) return false;
    out->assign(s);
    return true;
  }

  // A service reference, written into the fields of a ServiceId or a RootCauseService.
  bool Service(std::string* name, std::vector<std::string>* names, std::string* account_id,
               std::string* type) {
    uint64_t index = 0;
    if (!in_.ReadVarint64(&index) || index >= services_.size()) return false;
    const ServiceEntry& service = services_[index];
    name->assign(service.name);
    names->resize(service.name_count);
    for (size_t i = 0; i < service.name_count; ++i) {
      (*names)[i].assign(aliases_[service.first_name + i]);
    }
    account_id->assign(service.account_id);
    type->assign(service.type);
    return true;
  }

  bool Service(model::ServiceId* out) {
    return Service(&out->name, &out->names, &out->account_id, &out->type);
  }

  bool Services(std::vector<model::ServiceId>* out) {
    uint64_t n = 0;
    if (!in_.ReadCount(1, &n)) return false;
    out->resize(n);
    for (auto& service : *out) {
      if (!Service(&service)) return false;
    }
    return true;
  }

  bool Strings(std::vector<std::string>* out) {
    uint64_t n = 0;
    if (!in_.ReadCount(1, &n)) return false;
    out->resize(n);
    for (auto& s : *out) {
      if (!String(&s)) return false;
    }
    return true;
  }

  ByteReader& in() { return in_; }
  uint8_t version() const { return version_; }

 private:
  ByteReader in_;
  uint8_t version_ = 0;
  std::vector<std::string_view>& strings_;
  std::vector<ServiceEntry>& services_;
  std::vector<std::string_view>& aliases_;
};

// The value of an optional that is about to be overwritten, reusing the one already there.
template <typename T>
T& Reuse(std::optional<T>& value) {
  return value ? *value : value.emplace();
}

// Reads a double into `out` if `present`, else clears it.
bool OptionalDouble(ByteReader& in, bool present, std::optional<double>* out) {
  if (!present) {
    out->reset();
    return true;
  }
  return ReadDouble(in, &Reuse(*out));
}

bool DecodeHttp(Decoder& d, model::HttpInfo* http) {
  uint64_t status = 0;
  if (!d.String(&http->url) || !d.in().ReadVarint64(&status)) return false;
  if (status != 0) {
    const int64_t value = ZigZagDecode(status - 1);
    if (value < INT32_MIN || value > INT32_MAX) return false;
    http->status = static_cast<int32_t>(value);
  } else {
    http->status.reset();
  }
  return d.String(&http->method) && d.String(&http->user_agent) && d.String(&http->client_ip);
}

bool OptionalHttp(Decoder& d, bool present, std::optional<model::HttpInfo>* out) {
  if (!present) {
    out->reset();
    return true;
  }
  return DecodeHttp(d, &Reuse(*out));
}

bool DecodeRootCauses(Decoder& d, std::vector<model::RootCause>* out) {
  ByteReader& in = d.in();
  uint64_t n = 0;
  if (!in.ReadCount(2, &n)) return false;
  out->resize(n);
  for (model::RootCause& cause : *out) {
    uint8_t client_impacting = 0;
    if (!in.ReadByte(&client_impacting) || client_impacting > 1) return false;
    cause.client_impacting = client_impacting == 1;
    if (!in.ReadCount(3, &n)) return false;
    cause.services.resize(n);
    for (model::RootCauseService& service : cause.services) {
      uint8_t inferred = 0;
      if (!d.Service(&service.name, &service.names, &service.account_id, &service.type) ||
          !in.ReadByte(&inferred) || inferred > 1) {
        return false;
      }
      service.inferred = inferred == 1;
      if (!in.ReadCount(3, &n)) return false;
      service.entity_path.resize(n);
      for (model::RootCauseEntity& entity : service.entity_path) {
        uint8_t flags = 0;
        if (!d.String(&entity.name) || !in.ReadByte(&flags) || (flags & ~kAllEntityFlags) != 0) {
          return false;
        }
        entity.remote = flags & kEntityRemote;
        if (!OptionalDouble(in, flags & kEntityHasCoverage, &entity.coverage)) return false;
        if (!in.ReadCount(2, &n)) return false;
        entity.exceptions.resize(n);
        for (model::RootCauseException& exception : entity.exceptions) {
          if (!d.String(&exception.name) || !d.String(&exception.message)) return false;
        }
      }
    }
  }
  return true;
}

bool DecodeFacts(Decoder& d, std::vector<model::EntityFacts>* out) {
  ByteReader& in = d.in();
  uint64_t n = 0;
  if (!in.ReadCount(5, &n)) return false;
  out->resize(n);
  for (model::EntityFacts& facts : *out) {
    uint64_t flags = 0;
    if (!in.ReadVarint64(&flags) || (flags & ~uint64_t{kAllFactsFlags}) != 0) return false;
    facts.root = flags & kFactsRoot;
    facts.fault = flags & kFactsFault;
    facts.error = flags & kFactsError;
    facts.throttle = flags & kFactsThrottle;
    facts.in_progress = flags & kFactsInProgress;
    if (!OptionalDouble(in, flags & kFactsHasResponseTime, &facts.response_time) ||
        !OptionalHttp(d, flags & kFactsHasHttp, &facts.http)) {
      return false;
    }
    if (!d.String(&facts.user) || !d.String(&facts.availability_zone) ||
        !d.String(&facts.instance_id) || !d.String(&facts.resource_arn)) {
      return false;
    }
  }
  return true;
}

bool DecodeGraph(Decoder& d, model::TraceSummary& s) {
  ByteReader& in = d.in();
  uint64_t n = 0;
  if (!in.ReadCount(3, &n)) return false;
  s.nodes.resize(n);
  for (model::TraceNode& node : s.nodes) {
    uint8_t flags = 0;
    if (!d.Service(&node.id) || !in.ReadByte(&flags) || (flags & ~kAllNodeFlags) != 0) {
      return false;
    }
    node.inferred = flags & kNodeInferred;
    node.root = flags & kNodeRoot;
    if (!DecodeFacts(d, &node.segments)) return false;
  }
  if (!in.ReadCount(3, &n)) return false;
  s.edges.resize(n);
  for (model::TraceEdge& edge : s.edges) {
    uint64_t source = 0;
    uint64_t destination = 0;
    if (!in.ReadVarint64(&source) || source >= s.nodes.size() || !in.ReadVarint64(&destination) ||
        destination >= s.nodes.size()) {
      return false;
    }
    edge.source = static_cast<uint32_t>(source);
    edge.destination = static_cast<uint32_t>(destination);
    if (!DecodeFacts(d, &edge.calls)) return false;
  }
  return true;
}

bool DecodeAnnotationValue(Decoder& d, model::ValueWithServiceIds* value) {
  ByteReader& in = d.in();
  uint8_t tag = 0;
  if (!in.ReadByte(&tag)) return false;
  switch (tag) {
    case kString: {
      std::string_view text;
      if (!d.StringView(&text)) return false;
      if (auto* held = std::get_if<std::string>(&value->value)) {
        held->assign(text);
      } else {
        value->value.emplace<std::string>(text);
      }
      break;
    }
    case kNumber: {
      double number = 0;
      if (!ReadDouble(in, &number)) return false;
      value->value = number;
      break;
    }
    case kFalse:
      value->value = false;
      break;
    case kTrue:
      value->value = true;
      break;
    default:
      return false;
  }
  return d.Services(&value->service_ids);
}

// The annotations, reusing the map's nodes. Records list their keys in ascending order (the
// encoder walks a std::map), so one pass merges them with the keys already there: stale keys
// that sort before the next decoded one are erased, an equal key is reused in place. A record
// out of order still decodes to what a fresh map would hold (a repeated key's last list wins),
// only with more allocations. Invariant: the entries before `next` are this record's, the ones
// from `next` on are stale.
bool DecodeAnnotations(Decoder& d, model::TraceSummary& s) {
  ByteReader& in = d.in();
  auto& annotations = s.annotations;
  auto next = annotations.begin();
  uint64_t n = 0;
  if (!in.ReadCount(2, &n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view key;
    uint64_t values = 0;
    if (!d.StringView(&key) || !in.ReadCount(2, &values)) return false;
    while (next != annotations.end() && std::string_view(next->first) < key) {
      next = annotations.erase(next);
    }
    std::vector<model::ValueWithServiceIds>* list = nullptr;
    if (next != annotations.end() && next->first == key) {
      list = &next->second;
      ++next;
    } else {
      // Sorts before `next`, so the invariant holds; an existing key is one of this record's.
      list = &annotations.try_emplace(next, std::string(key))->second;
    }
    list->resize(values);
    for (model::ValueWithServiceIds& value : *list) {
      if (!DecodeAnnotationValue(d, &value)) return false;
    }
  }
  annotations.erase(next, annotations.end());
  return true;
}

bool DecodeBody(Decoder& d, model::TraceSummary& s, SummaryParts parts) {
  ByteReader& in = d.in();
  uint64_t flags = 0;
  const uint64_t known =
      d.version() == kVersionWithoutGraph ? uint64_t{kAllVersion1Flags} : uint64_t{kAllFlags};
  if (!in.ReadVarint64(&flags) || (flags & ~known) != 0) return false;
  s.has_fault = flags & kHasFault;
  s.has_error = flags & kHasError;
  s.has_throttle = flags & kHasThrottle;
  s.is_partial = flags & kIsPartial;
  if (!ReadDouble(in, &s.start_time) || !OptionalDouble(in, flags & kHasDuration, &s.duration) ||
      !OptionalDouble(in, flags & kHasResponseTime, &s.response_time) ||
      !OptionalHttp(d, flags & kHasHttp, &s.http) || !DecodeAnnotations(d, s)) {
    return false;
  }
  uint64_t n = 0;
  if (!in.ReadCount(2, &n)) return false;
  s.users.resize(n);
  for (auto& user : s.users) {
    if (!d.String(&user.user_name) || !d.Services(&user.service_ids)) return false;
  }
  if (!d.Services(&s.service_ids) || !d.Strings(&s.resource_arns) || !d.Strings(&s.instance_ids) ||
      !d.Strings(&s.availability_zones)) {
    return false;
  }
  if (!(flags & kHasEntryPoint)) {
    s.entry_point.reset();
  } else if (!d.Service(&Reuse(s.entry_point))) {
    return false;
  }
  uint64_t revision = 0;
  if (!in.ReadVarint64(&revision) || revision > UINT32_MAX) return false;
  s.revision = static_cast<uint32_t>(revision);
  if (!ReadDouble(in, &s.updated_at)) return false;
  if (!(flags & kHasGraph) || parts == SummaryParts::kWithoutGraph) {
    s.fault_root_causes.clear();
    s.error_root_causes.clear();
    s.response_time_root_causes.clear();
    s.nodes.clear();
    s.edges.clear();
    return (flags & kHasGraph) || in.empty();  // the graph is the rest of the record
  }
  if (!DecodeRootCauses(d, &s.fault_root_causes) || !DecodeRootCauses(d, &s.error_root_causes) ||
      !DecodeRootCauses(d, &s.response_time_root_causes) || !DecodeGraph(d, s)) {
    return false;
  }
  return in.empty();
}

void EncodeHttp(Encoder& e, const model::HttpInfo& http) {
  e.String(http.url);
  e.Varint(http.status ? ZigZagEncode(*http.status) + 1 : 0);
  e.String(http.method);
  e.String(http.user_agent);
  e.String(http.client_ip);
}

void EncodeRootCauses(Encoder& e, const std::vector<model::RootCause>& causes) {
  e.Count(causes.size());
  for (const model::RootCause& cause : causes) {
    e.Byte(cause.client_impacting ? 1 : 0);
    e.Count(cause.services.size());
    for (const model::RootCauseService& service : cause.services) {
      e.Service(service.name, service.names, service.account_id, service.type);
      e.Byte(service.inferred ? 1 : 0);
      e.Count(service.entity_path.size());
      for (const model::RootCauseEntity& entity : service.entity_path) {
        e.String(entity.name);
        e.Byte((entity.remote ? kEntityRemote : 0) | (entity.coverage ? kEntityHasCoverage : 0));
        if (entity.coverage) e.Double(*entity.coverage);
        e.Count(entity.exceptions.size());
        for (const model::RootCauseException& exception : entity.exceptions) {
          e.String(exception.name);
          e.String(exception.message);
        }
      }
    }
  }
}

void EncodeFacts(Encoder& e, const std::vector<model::EntityFacts>& list) {
  e.Count(list.size());
  for (const model::EntityFacts& facts : list) {
    uint64_t flags = 0;
    if (facts.root) flags |= kFactsRoot;
    if (facts.fault) flags |= kFactsFault;
    if (facts.error) flags |= kFactsError;
    if (facts.throttle) flags |= kFactsThrottle;
    if (facts.in_progress) flags |= kFactsInProgress;
    if (facts.response_time) flags |= kFactsHasResponseTime;
    if (facts.http) flags |= kFactsHasHttp;
    e.Varint(flags);
    if (facts.response_time) e.Double(*facts.response_time);
    if (facts.http) EncodeHttp(e, *facts.http);
    e.String(facts.user);
    e.String(facts.availability_zone);
    e.String(facts.instance_id);
    e.String(facts.resource_arn);
  }
}

}  // namespace

void EncodeTraceSummary(const model::TraceSummary& s, std::string* out) {
  Encoder e;
  uint64_t flags = 0;
  if (s.has_fault) flags |= kHasFault;
  if (s.has_error) flags |= kHasError;
  if (s.has_throttle) flags |= kHasThrottle;
  if (s.is_partial) flags |= kIsPartial;
  if (s.duration) flags |= kHasDuration;
  if (s.response_time) flags |= kHasResponseTime;
  if (s.http) flags |= kHasHttp;
  if (s.entry_point) flags |= kHasEntryPoint;
  const bool has_graph = !s.fault_root_causes.empty() || !s.error_root_causes.empty() ||
                         !s.response_time_root_causes.empty() || !s.nodes.empty() ||
                         !s.edges.empty();
  if (has_graph) flags |= kHasGraph;
  e.Varint(flags);
  e.Double(s.start_time);
  if (s.duration) e.Double(*s.duration);
  if (s.response_time) e.Double(*s.response_time);
  if (s.http) EncodeHttp(e, *s.http);
  e.Count(s.annotations.size());
  for (const auto& [key, values] : s.annotations) {
    e.String(key);
    e.Count(values.size());
    for (const model::ValueWithServiceIds& value : values) {
      if (const auto* text = std::get_if<std::string>(&value.value)) {
        e.Byte(kString);
        e.String(*text);
      } else if (const auto* number = std::get_if<double>(&value.value)) {
        e.Byte(kNumber);
        e.Double(*number);
      } else {
        e.Byte(std::get<bool>(value.value) ? kTrue : kFalse);
      }
      e.Services(value.service_ids);
    }
  }
  e.Count(s.users.size());
  for (const model::TraceUser& user : s.users) {
    e.String(user.user_name);
    e.Services(user.service_ids);
  }
  e.Services(s.service_ids);
  e.Strings(s.resource_arns);
  e.Strings(s.instance_ids);
  e.Strings(s.availability_zones);
  if (s.entry_point) e.Service(*s.entry_point);
  e.Varint(s.revision);
  e.Double(s.updated_at);
  if (!has_graph) {
    e.Finish(out);
    return;
  }
  EncodeRootCauses(e, s.fault_root_causes);
  EncodeRootCauses(e, s.error_root_causes);
  EncodeRootCauses(e, s.response_time_root_causes);
  e.Count(s.nodes.size());
  for (const model::TraceNode& node : s.nodes) {
    e.Service(node.id);
    e.Byte((node.inferred ? kNodeInferred : 0) | (node.root ? kNodeRoot : 0));
    EncodeFacts(e, node.segments);
  }
  e.Count(s.edges.size());
  for (const model::TraceEdge& edge : s.edges) {
    e.Varint(edge.source);
    e.Varint(edge.destination);
    EncodeFacts(e, edge.calls);
  }
  e.Finish(out);
}

Status DecodeTraceSummaryInto(std::string_view bytes, const model::TraceId& id,
                              model::TraceSummary* out, SummaryParts parts) {
  thread_local Decoder::Scratch scratch;
  Decoder d(bytes, scratch);
  if (!d.Tables() || !DecodeBody(d, *out, parts)) {
    return Status::Corruption("trace summary record of " + id.ToString() + " is malformed");
  }
  out->id = id;
  return Status::Ok();
}

Result<model::TraceSummary> DecodeTraceSummary(std::string_view bytes, const model::TraceId& id) {
  model::TraceSummary summary;
  RETURN_IF_ERROR(DecodeTraceSummaryInto(bytes, id, &summary));
  return summary;
}

}  // namespace roentgen::storage
