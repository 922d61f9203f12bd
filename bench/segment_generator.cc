#include "bench/segment_generator.h"

#include <cstdio>

namespace roentgen::bench {
namespace {

constexpr const char* kTables[] = {"orders", "carts", "sessions", "inventory-items"};

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.6f", value);
  return text;
}

}  // namespace

std::string SegmentGenerator::Hex(int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(digits, '0');
  uint64_t bits = random_();
  for (int i = 0; i < digits; ++i) {
    if (i % 16 == 15) bits = random_();
    out[i] = kDigits[bits & 15];
    bits >>= 4;
  }
  return out;
}

void SegmentGenerator::NextTrace(double now, std::vector<std::string>& out) {
  char epoch[9];
  std::snprintf(epoch, sizeof(epoch), "%08x", static_cast<unsigned>(now));
  const std::string trace_id = std::string("1-") + epoch + "-" + Hex(24);
  const int hops = Uniform(1, 3);
  std::string parent;
  double start = now - 0.5, end = now;
  for (int hop = 0; hop < hops; ++hop) {
    const std::string id = Hex(16);
    out.push_back(Segment(trace_id, id, hop == 0 ? nullptr : &parent, Uniform(0, 7), start, end));
    parent = Hex(16);  // the caller's subsegment id, as an SDK's trace header would carry it
    start += 0.01;
    end -= 0.01;
  }
}

std::string SegmentGenerator::Segment(const std::string& trace_id, const std::string& id,
                                      const std::string* parent_id, int service, double start,
                                      double end) {
  const size_t target_size = static_cast<size_t>(Uniform(500, 3000));
  const double roll = Uniform01();
  const bool fault = roll < 0.05, error = !fault && roll < 0.12, throttle = error && roll < 0.08;
  const int status = fault ? 502 : throttle ? 429 : error ? 404 : 200;

  std::string doc;
  doc.reserve(target_size + 512);
  doc += "{\"name\":\"";
  doc += kServices[service];
  doc += "\",\"id\":\"" + id + "\",\"trace_id\":\"" + trace_id + "\"";
  if (parent_id) doc += ",\"parent_id\":\"" + *parent_id + "\"";
  doc += ",\"start_time\":" + Number(start) + ",\"end_time\":" + Number(end);
  doc += ",\"origin\":\"";
  doc += kOrigins[service % 4];
  doc += "\"";
  if (fault) doc += ",\"fault\":true";
  if (error) doc += ",\"error\":true";
  if (throttle) doc += ",\"throttle\":true";
  doc += ",\"http\":{\"request\":{\"method\":\"";
  doc += Uniform(0, 3) == 0 ? "POST" : "GET";
  doc += "\",\"url\":\"https://shop.example.com";
  doc += kPaths[Uniform(0, 6)];
  doc += "\",\"user_agent\":\"Mozilla/5.0 (X11; Linux x86_64)\",\"client_ip\":\"10.0." +
         std::to_string(Uniform(0, 255)) + "." + std::to_string(Uniform(1, 254)) +
         "\"},\"response\":{\"status\":" + std::to_string(status) +
         ",\"content_length\":" + std::to_string(Uniform(0, 20000)) + "}}";
  doc += ",\"aws\":{\"ec2\":{\"instance_id\":\"i-0" + Hex(16) +
         "\",\"availability_zone\":\"us-east-1" +
         std::string(1, static_cast<char>('a' + Uniform(0, 3))) +
         "\"},\"xray\":{\"sdk\":\"X-Ray for Python\",\"sdk_version\":\"2.14.0\"}}";
  doc += ",\"service\":{\"runtime\":\"CPython\",\"runtime_version\":\"3.11.2\"}";
  if (Uniform(0, 2) == 0) doc += ",\"user\":\"user-" + std::to_string(Uniform(1, 500)) + "\"";
  doc += ",\"annotations\":{\"tenant\":\"tenant-" + std::to_string(Uniform(1, 40)) +
         "\",\"cart_items\":" + std::to_string(Uniform(0, 12)) +
         ",\"vip\":" + (Uniform(0, 9) == 0 ? "true" : "false") + "}";

  doc += ",\"subsegments\":[";
  const int subsegments = Uniform(2, 6);
  const double span = (end - start) / (subsegments + 1);
  for (int i = 0; i < subsegments; ++i) {
    const double sub_start = start + span * i, sub_end = sub_start + span * 0.9;
    if (i) doc += ",";
    doc += "{\"id\":\"" + Hex(16) + "\",\"start_time\":" + Number(sub_start) +
           ",\"end_time\":" + Number(sub_end);
    switch (Uniform(0, 2)) {
      case 0:
        doc +=
            ",\"name\":\"DynamoDB\",\"namespace\":\"aws\",\"aws\":{\"operation\":\"GetItem\","
            "\"region\":\"us-east-1\",\"request_id\":\"" +
            Hex(32) + "\",\"table_name\":\"" + kTables[Uniform(0, 3)] + "\",\"retries\":0}," +
            "\"http\":{\"response\":{\"status\":200,\"content_length\":" +
            std::to_string(Uniform(10, 900)) + "}}";
        break;
      case 1:
        doc +=
            ",\"name\":\"orders-db\",\"namespace\":\"remote\",\"sql\":{\"url\":\"postgresql://"
            "db:5432/orders\",\"database_type\":\"PostgreSQL\",\"database_version\":\"15.4\","
            "\"sanitized_query\":\"SELECT * FROM orders WHERE customer_id = $1\","
            "\"preparation\":\"statement\"}";
        break;
      default:
        doc += ",\"name\":\"" + std::string(kServices[Uniform(0, 7)]) +
               ".internal\",\"namespace\":\"remote\",\"http\":{\"request\":{\"method\":\"GET\","
               "\"url\":\"http://internal" +
               kPaths[Uniform(0, 6)] + "\"},\"response\":{\"status\":" + std::to_string(status) +
               "}}";
        break;
    }
    if (fault && i == subsegments - 1) {
      doc +=
          ",\"fault\":true,\"cause\":{\"working_directory\":\"/srv/app\",\"exceptions\":[{"
          "\"id\":\"" +
          Hex(16) +
          "\",\"type\":\"ConnectionError\",\"message\":\"upstream reset the connection\","
          "\"remote\":true,\"stack\":[{\"path\":\"app/handlers.py\",\"line\":88,\"label\":"
          "\"checkout\"},{\"path\":\"app/clients.py\",\"line\":213,\"label\":\"call\"},"
          "{\"path\":\"urllib3/connectionpool.py\",\"line\":703,\"label\":\"urlopen\"}]}]}";
    }
    doc += "}";
  }
  doc += "]";

  // Metadata brings the document to its target size, as request/response payloads do.
  doc += ",\"metadata\":{\"default\":{\"request\":{\"headers\":\"";
  while (doc.size() + 40 < target_size) {
    doc += "accept=application/json;accept-encoding=gzip;x-request-id=";
    doc += Hex(8);
    doc += ';';
  }
  doc += "\"}}}}";
  return doc;
}

}  // namespace roentgen::bench
