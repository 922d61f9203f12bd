#include "query/document_scanner.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

namespace roentgen::query {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;

// Two JSON levels per entity ({ and [); simdjson refuses anything deeper than 1024 anyway.
constexpr int kMaxEntityDepth = 600;
constexpr size_t kMaxAnnotationKeyLength = 500;
constexpr size_t kMaxAnnotationStringLength = 1000;

// An http object as read field by field. The string views point into the parser's buffers.
struct HttpScratch {
  std::string_view url;
  std::string_view method;
  std::string_view user_agent;
  std::string_view client_ip;
  std::optional<int32_t> status;
  bool traced = false;  // request.traced
};

// What one entity (the document or an embedded subsegment) says about itself. The string views
// point into the parser's buffers and live until the next Scan.
struct EntityScratch {
  std::optional<model::EntityId> id;
  std::string_view name;
  std::string_view name_space;
  EpochSeconds start_time = 0;
  std::optional<EpochSeconds> end_time;
  bool in_progress = false;
  bool traced = false;
  bool error = false;
  bool fault = false;
  bool throttle = false;
  bool has_sql = false;
  std::string_view http_json;
  std::string_view aws_json;
  // Read field by field: the http block of a segment, or of any entity with kEntities.
  std::optional<HttpScratch> http;
  // kEntities only.
  std::string_view resource_names;  // aws.resource_names[0]
  std::string_view table_name;
  std::string_view function_name;
  std::string_view queue_url;
  std::string_view bucket_name;
  uint32_t first_exception = 0;
  uint32_t exception_count = 0;
  std::optional<model::EntityId> cause_id;
};

// The queue name at the end of an SQS queue URL (https://sqs.<region>.amazonaws.com/<acct>/<q>).
std::string_view QueueName(std::string_view url) {
  const size_t slash = url.rfind('/');
  return slash == std::string_view::npos ? url : url.substr(slash + 1);
}

// Reads a string member; anything else (wrong type) leaves *out untouched.
void ReadString(od::value& value, std::string_view* out) {
  std::string_view s;
  if (value.get_string().get(s) == SUCCESS) *out = s;
}
void ReadString(od::value& value, std::string* out) {
  std::string_view s;
  if (value.get_string().get(s) == SUCCESS) out->assign(s);
}
void ReadBool(od::value& value, bool* out) {
  bool b;
  if (value.get_bool().get(b) == SUCCESS) *out = b;
}

class Walker {
 public:
  Walker(model::DocumentKind kind, ScanDetail detail, DocumentFacts* facts)
      : kind_(kind),
        collect_remote_calls_(detail == ScanDetail::kRemoteCalls),
        collect_entities_(detail == ScanDetail::kEntities),
        facts_(facts) {}

  // Reads one entity; `parent` is the index in facts_->entities of the enclosing one (-1: none).
  error_code Entity(od::object& object, bool top, int depth, int32_t parent) {
    if (depth > kMaxEntityDepth) return simdjson::DEPTH_ERROR;
    const bool structured_top = top && kind_ == model::DocumentKind::kSegment;
    // Entities are stored in pre-order: this one's slot is taken before its children's.
    int32_t slot = -1;
    if (collect_entities_) {
      slot = static_cast<int32_t>(facts_->entities.size());
      facts_->entities.emplace_back().parent = parent;
    }
    EntityScratch e;
    for (auto field_result : object) {
      od::field field;
      if (error_code err = std::move(field_result).get(field); err) return err;
      std::string_view key;
      if (error_code err = field.unescaped_key().get(key); err) return err;
      od::value value = field.value();
      if (key.empty()) continue;
      switch (key[0]) {
        case 'a':
          if (key == "annotations") {
            if (error_code err = Annotations(value); err) return err;
          } else if (key == "aws") {
            if (structured_top) {
              if (error_code err = SegmentAws(value); err) return err;
            } else if (collect_remote_calls_) {
              RawObject(value, &e.aws_json);
            } else if (collect_entities_) {
              if (error_code err = SubsegmentAws(value, &e); err) return err;
            }
          }
          break;
        case 'c':
          if (collect_entities_ && key == "cause") {
            if (error_code err = Cause(value, &e); err) return err;
          }
          break;
        case 'e':
          if (key == "end_time") {
            double d;
            if (value.get_double().get(d) == SUCCESS) e.end_time = d;
          } else if (key == "error") {
            ReadBool(value, &e.error);
          }
          break;
        case 'f':
          if (key == "fault") ReadBool(value, &e.fault);
          break;
        case 'h':
          if (key == "http") {
            if (structured_top || collect_entities_) {
              if (error_code err = Http(value, &e.http); err) return err;
            } else if (collect_remote_calls_) {
              RawObject(value, &e.http_json);
            }
          }
          break;
        case 'i':
          if (key == "id") {
            std::string_view s;
            if (value.get_string().get(s) == SUCCESS) e.id = model::ParseEntityId(s);
          } else if (key == "in_progress") {
            ReadBool(value, &e.in_progress);
          }
          break;
        case 'n':
          if (key == "name") {
            ReadString(value, &e.name);
          } else if (key == "namespace") {
            ReadString(value, &e.name_space);
          }
          break;
        case 'o':
          if (top && key == "origin") ReadString(value, &facts_->origin);
          break;
        case 'r':
          if (top && key == "resource_arn") ReadString(value, &facts_->resource_arn);
          break;
        case 's':
          if (key == "start_time") {
            double d;
            if (value.get_double().get(d) == SUCCESS) e.start_time = d;
          } else if (key == "subsegments") {
            if (error_code err = Subsegments(value, depth, slot); err) return err;
          } else if (key == "sql") {
            od::json_type type;
            if (value.type().get(type) == SUCCESS) e.has_sql = type == od::json_type::object;
          }
          break;
        case 't':
          if (key == "throttle") {
            ReadBool(value, &e.throttle);
          } else if (key == "traced") {
            ReadBool(value, &e.traced);
          }
          break;
        case 'u':
          if (top && key == "user") ReadString(value, &facts_->user);
          break;
        default:
          break;
      }
    }
    Fold(e, top, structured_top);
    if (slot >= 0) FoldEntity(e, &facts_->entities[static_cast<size_t>(slot)]);
    return SUCCESS;
  }

 private:
  void Fold(const EntityScratch& e, bool top, bool structured_top) {
    if (structured_top && e.http) {
      model::HttpInfo& info = facts_->http.emplace();
      info.url.assign(e.http->url);
      info.method.assign(e.http->method);
      info.user_agent.assign(e.http->user_agent);
      info.client_ip.assign(e.http->client_ip);
      info.status = e.http->status;
    }
    // An end_time next to "in_progress": true does not count: the SDK says the work goes on
    // (the same rule as model::SegmentDocument::end_time).
    if (e.end_time && !e.in_progress &&
        (!facts_->latest_end || *e.end_time > *facts_->latest_end)) {
      facts_->latest_end = e.end_time;
    }
    if (e.throttle) facts_->any_throttle = true;
    if (top) {
      facts_->name.assign(e.name);
      facts_->fault = e.fault;
      facts_->error = e.error;
    } else {
      if (e.in_progress || !e.end_time) facts_->embedded_in_progress = true;
      if (e.id) facts_->embedded_ids.push_back(*e.id);
    }
    const bool is_subsegment = !top || kind_ == model::DocumentKind::kSubsegment;
    if (collect_remote_calls_ && is_subsegment && e.id &&
        (e.name_space == "aws" || e.name_space == "remote")) {
      RemoteCall call;
      call.id = *e.id;
      call.name.assign(e.name);
      call.name_space.assign(e.name_space);
      call.start_time = e.start_time;
      if (!e.in_progress) call.end_time = e.end_time;
      call.traced = e.traced;
      call.error = e.error;
      call.fault = e.fault;
      call.throttle = e.throttle;
      call.has_sql = e.has_sql;
      call.http_json.assign(e.http_json);
      call.aws_json.assign(e.aws_json);
      facts_->remote_calls.push_back(std::move(call));
    }
  }

  TextRef Keep(std::string_view s) {
    TextRef ref{static_cast<uint32_t>(facts_->text.size()), static_cast<uint32_t>(s.size())};
    facts_->text.append(s);
    return ref;
  }

  void FoldEntity(const EntityScratch& e, ScannedEntity* out) {
    out->id = e.id;
    out->name = Keep(e.name);
    out->name_space = Keep(e.name_space);
    out->start_time = e.start_time;
    if (!e.in_progress) out->end_time = e.end_time;
    out->fault = e.fault;
    out->error = e.error;
    out->throttle = e.throttle;
    out->traced = e.traced || (e.http && e.http->traced);
    out->has_sql = e.has_sql;
    if (e.http) {
      out->http = ScannedHttp{.url = Keep(e.http->url),
                              .method = Keep(e.http->method),
                              .user_agent = Keep(e.http->user_agent),
                              .client_ip = Keep(e.http->client_ip),
                              .status = e.http->status};
    }
    for (std::string_view resource :
         {e.resource_names, e.table_name, e.function_name, QueueName(e.queue_url), e.bucket_name}) {
      if (resource.empty()) continue;
      out->resource_name = Keep(resource);
      break;
    }
    out->has_table_name = !e.table_name.empty();
    out->first_exception = e.first_exception;
    out->exception_count = e.exception_count;
    out->cause_id = e.cause_id;
  }

  error_code Subsegments(od::value& value, int depth, int32_t parent) {
    od::array array;
    if (value.get_array().get(array) != SUCCESS) return SUCCESS;
    for (auto element_result : array) {
      od::value element;
      if (error_code err = std::move(element_result).get(element); err) return err;
      od::object child;
      if (element.get_object().get(child) != SUCCESS) continue;
      if (error_code err = Entity(child, /*top=*/false, depth + 1, parent); err) return err;
    }
    return SUCCESS;
  }

  error_code Annotations(od::value& value) {
    od::object object;
    if (value.get_object().get(object) != SUCCESS) return SUCCESS;
    for (auto field_result : object) {
      od::field field;
      if (error_code err = std::move(field_result).get(field); err) return err;
      std::string_view key;
      if (error_code err = field.unescaped_key().get(key); err) return err;
      if (!IsIndexableAnnotationKey(key)) continue;
      od::value v = field.value();
      od::json_type type;
      if (error_code err = v.type().get(type); err) return err;
      switch (type) {
        case od::json_type::string: {
          std::string_view s;
          if (error_code err = v.get_string().get(s); err) return err;
          if (IsIndexableAnnotationString(s)) {
            facts_->annotations.push_back({std::string(key), std::string(s)});
          }
          break;
        }
        case od::json_type::number: {
          double d;
          if (error_code err = v.get_double().get(d); err) return err;
          facts_->annotations.push_back({std::string(key), d});
          break;
        }
        case od::json_type::boolean: {
          bool b;
          if (error_code err = v.get_bool().get(b); err) return err;
          facts_->annotations.push_back({std::string(key), b});
          break;
        }
        default:  // null, object, array: not indexable
          break;
      }
    }
    return SUCCESS;
  }

  error_code SegmentAws(od::value& value) {
    od::object aws;
    if (value.get_object().get(aws) != SUCCESS) return SUCCESS;
    for (auto field_result : aws) {
      od::field field;
      if (error_code err = std::move(field_result).get(field); err) return err;
      std::string_view key;
      if (error_code err = field.unescaped_key().get(key); err) return err;
      od::value v = field.value();
      if (key == "account_id") {
        ReadString(v, &facts_->account_id);
      } else if (key == "ec2") {
        od::object ec2;
        if (v.get_object().get(ec2) != SUCCESS) continue;
        for (auto ec2_result : ec2) {
          od::field ec2_field;
          if (error_code err = std::move(ec2_result).get(ec2_field); err) return err;
          std::string_view ec2_key;
          if (error_code err = ec2_field.unescaped_key().get(ec2_key); err) return err;
          od::value ec2_value = ec2_field.value();
          if (ec2_key == "instance_id") {
            ReadString(ec2_value, &facts_->instance_id);
          } else if (ec2_key == "availability_zone") {
            ReadString(ec2_value, &facts_->availability_zone);
          }
        }
      }
    }
    return SUCCESS;
  }

  // Reads an http object into *out (left absent when the value is not an object).
  error_code Http(od::value& value, std::optional<HttpScratch>* out) {
    od::object http;
    if (value.get_object().get(http) != SUCCESS) return SUCCESS;
    HttpScratch& info = out->emplace();
    for (auto field_result : http) {
      od::field field;
      if (error_code err = std::move(field_result).get(field); err) return err;
      std::string_view key;
      if (error_code err = field.unescaped_key().get(key); err) return err;
      od::value v = field.value();
      od::object part;
      if (v.get_object().get(part) != SUCCESS) continue;
      const bool request = key == "request";
      const bool response = key == "response";
      if (!request && !response) continue;
      for (auto part_result : part) {
        od::field part_field;
        if (error_code err = std::move(part_result).get(part_field); err) return err;
        std::string_view part_key;
        if (error_code err = part_field.unescaped_key().get(part_key); err) return err;
        od::value pv = part_field.value();
        if (request) {
          if (part_key == "url") {
            ReadString(pv, &info.url);
          } else if (part_key == "method") {
            ReadString(pv, &info.method);
          } else if (part_key == "user_agent") {
            ReadString(pv, &info.user_agent);
          } else if (part_key == "client_ip") {
            ReadString(pv, &info.client_ip);
          } else if (part_key == "traced") {
            ReadBool(pv, &info.traced);
          }
        } else if (part_key == "status") {
          int64_t status;
          if (pv.get_int64().get(status) == SUCCESS &&
              status >= std::numeric_limits<int32_t>::min() &&
              status <= std::numeric_limits<int32_t>::max()) {
            info.status = static_cast<int32_t>(status);
          }
        }
      }
    }
    return SUCCESS;
  }

  // A subsegment's aws object: what names the resource it called.
  error_code SubsegmentAws(od::value& value, EntityScratch* e) {
    od::object aws;
    if (value.get_object().get(aws) != SUCCESS) return SUCCESS;
    for (auto field_result : aws) {
      od::field field;
      if (error_code err = std::move(field_result).get(field); err) return err;
      std::string_view key;
      if (error_code err = field.unescaped_key().get(key); err) return err;
      od::value v = field.value();
      if (key == "table_name") {
        ReadString(v, &e->table_name);
      } else if (key == "function_name") {
        ReadString(v, &e->function_name);
      } else if (key == "queue_url") {
        ReadString(v, &e->queue_url);
      } else if (key == "bucket_name") {
        ReadString(v, &e->bucket_name);
      } else if (key == "resource_names") {
        od::array names;
        if (v.get_array().get(names) != SUCCESS) continue;
        for (auto name_result : names) {
          od::value name;
          if (error_code err = std::move(name_result).get(name); err) return err;
          ReadString(name, &e->resource_names);
          if (!e->resource_names.empty()) break;
        }
      }
    }
    return SUCCESS;
  }

  // "cause": an object whose "exceptions" list the entity's exceptions, or the id of an
  // exception recorded elsewhere.
  error_code Cause(od::value& value, EntityScratch* e) {
    od::json_type type;
    if (error_code err = value.type().get(type); err) return err;
    if (type == od::json_type::string) {
      std::string_view id;
      if (value.get_string().get(id) == SUCCESS) e->cause_id = model::ParseEntityId(id);
      return SUCCESS;
    }
    od::object cause;
    if (value.get_object().get(cause) != SUCCESS) return SUCCESS;
    for (auto field_result : cause) {
      od::field field;
      if (error_code err = std::move(field_result).get(field); err) return err;
      std::string_view key;
      if (error_code err = field.unescaped_key().get(key); err) return err;
      if (key != "exceptions") continue;
      od::value v = field.value();
      od::array exceptions;
      if (v.get_array().get(exceptions) != SUCCESS) continue;
      e->first_exception = static_cast<uint32_t>(facts_->exceptions.size());
      for (auto exception_result : exceptions) {
        od::value element;
        if (error_code err = std::move(exception_result).get(element); err) return err;
        od::object exception;
        if (element.get_object().get(exception) != SUCCESS) continue;
        ScannedException out;
        for (auto exception_field_result : exception) {
          od::field exception_field;
          if (error_code err = std::move(exception_field_result).get(exception_field); err) {
            return err;
          }
          std::string_view exception_key;
          if (error_code err = exception_field.unescaped_key().get(exception_key); err) return err;
          od::value ev = exception_field.value();
          std::string_view string;
          if (exception_key == "id") {
            if (ev.get_string().get(string) == SUCCESS) out.id = model::ParseEntityId(string);
          } else if (exception_key == "type") {
            if (ev.get_string().get(string) == SUCCESS) out.type = Keep(string);
          } else if (exception_key == "message") {
            if (ev.get_string().get(string) == SUCCESS) out.message = Keep(string);
          }
        }
        facts_->exceptions.push_back(out);
      }
      e->exception_count = static_cast<uint32_t>(facts_->exceptions.size()) - e->first_exception;
    }
    return SUCCESS;
  }

  static void RawObject(od::value& value, std::string_view* out) {
    od::object object;
    if (value.get_object().get(object) != SUCCESS) return;
    std::string_view raw;
    if (object.raw_json().get(raw) == SUCCESS) *out = raw;
  }

  const model::DocumentKind kind_;
  const bool collect_remote_calls_;
  const bool collect_entities_;
  DocumentFacts* const facts_;
};

}  // namespace

bool IsIndexableAnnotationKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxAnnotationKeyLength) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
  });
}

bool IsIndexableAnnotationString(std::string_view value) {
  if (value.size() <= kMaxAnnotationStringLength) return true;
  // Count code points: every byte that is not a UTF-8 continuation byte starts one.
  size_t code_points = 0;
  for (char c : value) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++code_points;
    if (code_points > kMaxAnnotationStringLength) return false;
  }
  return true;
}

struct DocumentScanner::Impl {
  od::parser parser;
  std::string buffer;  // the document plus simdjson's padding
};

DocumentScanner::DocumentScanner() : impl_(std::make_unique<Impl>()) {}
DocumentScanner::~DocumentScanner() = default;

void DocumentFacts::Clear() {
  for (std::string* field :
       {&name, &origin, &user, &resource_arn, &account_id, &instance_id, &availability_zone}) {
    field->clear();
  }
  fault = error = embedded_in_progress = any_throttle = false;
  http.reset();
  latest_end.reset();
  annotations.clear();
  embedded_ids.clear();
  remote_calls.clear();
  entities.clear();
  exceptions.clear();
  text.clear();
}

Status DocumentScanner::Scan(std::string_view json, model::DocumentKind kind, ScanDetail detail,
                             DocumentFacts* facts) {
  facts->Clear();
  std::string& buffer = impl_->buffer;
  buffer.assign(json);
  buffer.append(simdjson::SIMDJSON_PADDING, '\0');
  od::document document;
  error_code err = impl_->parser.iterate(buffer.data(), json.size(), buffer.size()).get(document);
  od::object object;
  if (!err) err = document.get_object().get(object);
  if (!err) {
    Walker walker(kind, detail, facts);
    err = walker.Entity(object, /*top=*/true, 0, /*parent=*/-1);
  }
  if (err) {
    facts->Clear();
    return Status::Corruption(std::string("segment document is not a readable JSON object: ") +
                              simdjson::error_message(err));
  }
  return Status::Ok();
}

}  // namespace roentgen::query
