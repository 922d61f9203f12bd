#include "model/segment_parser.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "model/datagram.h"
#include "model/json_text.h"

namespace roentgen::model {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool IsValidUtf8(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (!DecodeUtf8(text, &pos)) return false;
  }
  return true;
}

class SegmentParserTest : public ::testing::Test {
 protected:
  // Expects exactly one document and returns it.
  SegmentDocument ParseOk(std::string_view text) {
    std::vector<ParsedDocument> parsed = parser_.Parse(text);
    EXPECT_EQ(parsed.size(), 1u) << text;
    if (parsed.empty()) return {};
    if (const auto* error = std::get_if<DocumentError>(&parsed[0])) {
      ADD_FAILURE() << "refused: " << error->Message() << "\n" << text;
      return {};
    }
    return std::get<SegmentDocument>(std::move(parsed[0]));
  }

  // Expects exactly one error and returns it.
  DocumentError ParseError(std::string_view text) {
    std::vector<ParsedDocument> parsed = parser_.Parse(text);
    EXPECT_EQ(parsed.size(), 1u) << text;
    if (parsed.empty()) return {};
    if (!std::holds_alternative<DocumentError>(parsed[0])) {
      ADD_FAILURE() << "accepted: " << text;
      return {};
    }
    return std::get<DocumentError>(std::move(parsed[0]));
  }

  DocumentErrorCode CodeOf(std::string_view text) { return ParseError(text).code; }

  SegmentParser parser_;
};

// A valid segment with `extra` spliced in before the closing brace (extra members override
// earlier ones: the last duplicate wins).
std::string Segment(std::string_view extra = "") {
  std::string text =
      R"({"name":"checkout","id":"70de5b6f19ff9a0a","trace_id":"1-581cf771-a006649127e371903a2de979",)"
      R"("start_time":1478293361.271,"end_time":1478293361.449)";
  if (!extra.empty()) {
    text += ',';
    text += extra;
  }
  text += '}';
  return text;
}

// A document from the given members only.
std::string Object(std::string_view members) { return "{" + std::string(members) + "}"; }

constexpr std::string_view kId = R"("id":"70de5b6f19ff9a0a")";
constexpr std::string_view kTraceId = R"("trace_id":"1-581cf771-a006649127e371903a2de979")";
constexpr std::string_view kName = R"("name":"checkout")";
constexpr std::string_view kStart = R"("start_time":1478293361.271)";
constexpr std::string_view kEnd = R"("end_time":1478293361.449)";

std::string Join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) {
    if (!out.empty()) out += ',';
    out += part;
  }
  return out;
}

// ---- Real client traffic --------------------------------------------------------------------

struct ExpectedDocument {
  DocumentKind kind;
  const char* trace_id;
  const char* id;
  const char* parent_id;  // nullptr: none
  double start_time;
  double end_time;
  bool in_progress;
};

// What each captured datagram holds (checked by hand against the .json pretty prints).
const std::map<std::string, ExpectedDocument>& ExpectedUdpSamples() {
  static const auto* samples = new std::map<std::string, ExpectedDocument>{
      {"aws-xray-sdk-node-3.12.0/01-sample-node-manual.segment.datagram",
       {DocumentKind::kSegment, "1-6b0232ee-a3435d0a324c501a1442a6f0", "cf4973f323f697f9", nullptr,
        1795306221.801, 1795306221.801, false}},
      {"aws-xray-sdk-node-3.12.0/02-stream-a.subsegment.datagram",
       {DocumentKind::kSubsegment, "1-6b0232ee-24db6266a3ca0d47b103e1ae", "f9e9efa19f777bd5",
        "43a1e5eb95edbfc4", 1795306221.808, 1795306221.808, false}},
      {"aws-xray-sdk-node-3.12.0/03-sample-node-streamed.segment.datagram",
       {DocumentKind::kSegment, "1-6b0232ee-24db6266a3ca0d47b103e1ae", "43a1e5eb95edbfc4", nullptr,
        1795306221.808, 1795306221.808, false}},
      {"aws-xray-sdk-node-3.12.0/04-sample-node-B.segment.datagram",
       {DocumentKind::kSegment, "1-6b0232ee-e77d71e7c3b0c8b1103433f4", "5e42feacc0763d76",
        "8a29787af9015fd6", 1795306222.738, 1795306222.742, false}},
      {"aws-xray-sdk-node-3.12.0/05-sample-node-A.segment.datagram",
       {DocumentKind::kSegment, "1-6b0232ee-e77d71e7c3b0c8b1103433f4", "cf3f4a1262b55b69", nullptr,
        1795306222.731, 1795306222.749, false}},
      {"aws-xray-sdk-node-3.12.0/06-sample-node-B.segment.datagram",
       {DocumentKind::kSegment, "1-6b0232ef-6d2eaed02ddb9b6714301273", "b9a37bb7725e689e",
        "89e2e724a062ec8a", 1795306222.756, 1795306222.757, false}},
      {"aws-xray-sdk-node-3.12.0/07-sample-node-A.segment.datagram",
       {DocumentKind::kSegment, "1-6b0232ef-6d2eaed02ddb9b6714301273", "330aaa69c6d2f33a", nullptr,
        1795306222.754, 1795306222.76, false}},
      {"aws-xray-sdk-node-3.12.0/08-sample-node-B.segment.datagram",
       {DocumentKind::kSegment, "1-6b0232f0-4d434db93384ad65c360b834", "4c8b3b2edf68b2ac",
        "3f16f5f8413d7888", 1795306223.766, 1795306223.767, false}},
      {"aws-xray-sdk-node-3.12.0/09-sample-node-A.segment.datagram",
       {DocumentKind::kSegment, "1-6b0232f0-4d434db93384ad65c360b834", "afae1b16de8d6139", nullptr,
        1795306223.763, 1795306223.768, false}},
      {"aws-xray-sdk-python-0.95/01-sample-py-full.segment.datagram",
       {DocumentKind::kSegment, "1-6b0232ec-63341cd307a3f86c19238913", "a375d770daf580e4", nullptr,
        1795306220.2306397, 1795306220.2425456, false}},
      {"aws-xray-sdk-python-0.95/02-stream-a.subsegment.datagram",
       {DocumentKind::kSubsegment, "1-6b0232ec-ac1eb3b7145bc47ce86de79f", "71f59677c057d8bb",
        "30217cfe7ddf33de", 1795306220.2430696, 1795306220.243079, false}},
      {"aws-xray-sdk-python-0.95/03-sample-py-streamed.segment.datagram",
       {DocumentKind::kSegment, "1-6b0232ec-ac1eb3b7145bc47ce86de79f", "30217cfe7ddf33de", nullptr,
        1795306220.2430537, 1795306220.2431545, false}},
      {"aws-xray-sdk-python-0.95/04-sample-py-continued.segment.datagram",
       {DocumentKind::kSegment, "1-6b0232ec-8d211463b953272fd6c6620d", "ebdd58d11499aadb",
        "c7e2fdf32455384e", 1795306220.243219, 1795306220.2432256, false}},
  };
  return *samples;
}

std::vector<fs::path> SampleDatagrams() {
  std::vector<fs::path> paths;
  for (const auto& entry :
       fs::recursive_directory_iterator(fs::path(ROENTGEN_SAMPLES_DIR) / "udp")) {
    if (entry.path().extension() == ".datagram") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

TEST_F(SegmentParserTest, EverySampleDatagramParses) {
  const fs::path root = fs::path(ROENTGEN_SAMPLES_DIR) / "udp";
  const std::vector<fs::path> paths = SampleDatagrams();
  EXPECT_EQ(paths.size(), ExpectedUdpSamples().size());
  for (const fs::path& path : paths) {
    const std::string name = fs::relative(path, root).generic_string();
    SCOPED_TRACE(name);
    const auto expected = ExpectedUdpSamples().find(name);
    ASSERT_NE(expected, ExpectedUdpSamples().end()) << "no expectation for this sample";
    const ExpectedDocument& want = expected->second;

    const std::string datagram = ReadFile(path);
    const SplitDatagramResult split = SplitDatagram(datagram);
    ASSERT_TRUE(std::holds_alternative<std::string_view>(split));
    const std::string_view body = std::get<std::string_view>(split);

    const SegmentDocument doc = ParseOk(body);
    EXPECT_EQ(doc.kind, want.kind);
    EXPECT_EQ(doc.trace_id.ToString(), want.trace_id);
    EXPECT_EQ(FormatEntityId(doc.id), want.id);
    if (want.parent_id == nullptr) {
      EXPECT_FALSE(doc.parent_id.has_value());
    } else {
      ASSERT_TRUE(doc.parent_id.has_value());
      EXPECT_EQ(FormatEntityId(*doc.parent_id), want.parent_id);
    }
    EXPECT_EQ(doc.in_progress, want.in_progress);
    EXPECT_DOUBLE_EQ(doc.start_time, want.start_time);
    ASSERT_TRUE(doc.end_time.has_value());
    EXPECT_DOUBLE_EQ(*doc.end_time, want.end_time);
    // Byte for byte what the SDK sent (the samples' bodies have no surrounding whitespace).
    EXPECT_EQ(doc.json, body);
  }
}

// The documents inside each captured PutTraceSegments body, as the JSON strings they were sent
// as (decoded).
std::vector<std::string> PutTraceSegmentsDocuments(const fs::path& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const simdjson::padded_string json(ReadFile(path));
  EXPECT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << path;
  simdjson::dom::array documents;
  EXPECT_EQ(root["body"]["TraceSegmentDocuments"].get(documents), simdjson::SUCCESS) << path;
  std::vector<std::string> out;
  for (simdjson::dom::element document : documents) {
    std::string_view text;
    EXPECT_EQ(document.get_string().get(text), simdjson::SUCCESS);
    out.emplace_back(text);
  }
  return out;
}

TEST_F(SegmentParserTest, EveryPutTraceSegmentsSampleGivesTheExpectedResult) {
  // Per client: the id of each document and, for refused ones, the error code.
  struct Expected {
    const char* id;
    std::optional<DocumentErrorCode> error;
  };
  const std::map<std::string, std::vector<Expected>> expected = {
      {"aws-cli-2.9.19",
       {{"cb8efc348a506f29", std::nullopt},
        {"0123456789abcdef", DocumentErrorCode::kInvalidTraceId}}},
      {"boto3-1.26.27",
       {{"d052305ff3e30c16", std::nullopt},
        {"8cbbfdbfeba168da", DocumentErrorCode::kInvalidTraceId}}},
      {"aws-sdk-js-v3-3.1168.0", {{"5693e357e5317cea", std::nullopt}}},
  };
  int files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(ROENTGEN_SAMPLES_DIR) / "http")) {
    const fs::path path = entry.path() / "01-PutTraceSegments.json";
    if (!fs::exists(path)) continue;
    ++files;
    const std::string client = entry.path().filename().string();
    SCOPED_TRACE(client);
    const auto want = expected.find(client);
    ASSERT_NE(want, expected.end()) << "no expectation for this client";
    const std::vector<std::string> documents = PutTraceSegmentsDocuments(path);
    ASSERT_EQ(documents.size(), want->second.size());
    for (size_t i = 0; i < documents.size(); ++i) {
      const Expected& w = want->second[i];
      if (!w.error) {
        const SegmentDocument doc = ParseOk(documents[i]);
        EXPECT_EQ(FormatEntityId(doc.id), w.id);
        EXPECT_EQ(doc.kind, DocumentKind::kSegment);
        EXPECT_EQ(doc.json, documents[i]);
      } else {
        const DocumentError error = ParseError(documents[i]);
        EXPECT_EQ(error.code, *w.error);
        EXPECT_EQ(error.id, w.id);
        EXPECT_FALSE(error.is_subsegment);
      }
    }
  }
  EXPECT_EQ(files, 3);
}

TEST_F(SegmentParserTest, AwsCliBadTraceIdMessage) {
  const DocumentError error = ParseError(
      R"({"name":"sample-cli-bad","id":"0123456789abcdef","trace_id":"1-zzzz-not-a-trace-id","start_time":1})");
  EXPECT_EQ(error.code, DocumentErrorCode::kInvalidTraceId);
  EXPECT_EQ(error.id, "0123456789abcdef");
  EXPECT_EQ(error.Message(),
            "Invalid segment. ErrorCode: InvalidTraceId "
            "(trace_id \"1-zzzz-not-a-trace-id\" is not 1-<8 hex>-<24 hex>)");
}

TEST_F(SegmentParserTest, SpecWorkedExampleParses) {
  const SegmentDocument sub = ParseOk(
      R"({"type":"subsegment","trace_id":"1-66abd797-167a78c02dcfeb4551890716","parent_id":"ad075ec25766d3f9","id":"3fd8634e78ca9560","name":"orders-db","namespace":"remote","start_time":1722538904.101,"end_time":1722538904.180,"sql":{"url":"postgresql://db:5432/orders"}})");
  EXPECT_EQ(sub.kind, DocumentKind::kSubsegment);
  EXPECT_EQ(sub.parent_id, 0xad075ec25766d3f9ULL);
  EXPECT_EQ(sub.id, 0x3fd8634e78ca9560ULL);
}

// ---- Document shapes ------------------------------------------------------------------------

TEST_F(SegmentParserTest, MinimalSegment) {
  const SegmentDocument doc = ParseOk(Segment());
  EXPECT_EQ(doc.kind, DocumentKind::kSegment);
  EXPECT_EQ(doc.trace_id.ToString(), "1-581cf771-a006649127e371903a2de979");
  EXPECT_EQ(doc.trace_id.epoch(), 0x581cf771u);
  EXPECT_EQ(doc.id, 0x70de5b6f19ff9a0aULL);
  EXPECT_FALSE(doc.parent_id.has_value());
  EXPECT_FALSE(doc.in_progress);
  EXPECT_DOUBLE_EQ(doc.start_time, 1478293361.271);
  EXPECT_EQ(doc.end_time, 1478293361.449);
  EXPECT_EQ(doc.json, Segment());
}

TEST_F(SegmentParserTest, InProgressSegment) {
  const SegmentDocument doc =
      ParseOk(Object(Join({kId, kTraceId, kName, kStart, R"("in_progress":true)"})));
  EXPECT_TRUE(doc.in_progress);
  EXPECT_FALSE(doc.end_time.has_value());
}

TEST_F(SegmentParserTest, InProgressTrueWinsOverEndTime) {
  const SegmentDocument doc = ParseOk(Segment(R"("in_progress":true)"));
  EXPECT_TRUE(doc.in_progress);
  EXPECT_FALSE(doc.end_time.has_value());
}

TEST_F(SegmentParserTest, InProgressFalseWithEndTimeIsComplete) {
  const SegmentDocument doc = ParseOk(Segment(R"("in_progress":false)"));
  EXPECT_FALSE(doc.in_progress);
  EXPECT_TRUE(doc.end_time.has_value());
}

TEST_F(SegmentParserTest, IndependentSubsegment) {
  const SegmentDocument doc =
      ParseOk(Segment(R"("type":"subsegment","parent_id":"53995C3F42CD8AD8","in_progress":false)"));
  EXPECT_EQ(doc.kind, DocumentKind::kSubsegment);
  EXPECT_EQ(doc.parent_id, 0x53995c3f42cd8ad8ULL);
}

TEST_F(SegmentParserTest, SegmentWithParent) {
  EXPECT_EQ(ParseOk(Segment(R"("parent_id":"53995c3f42cd8ad8")")).parent_id, 0x53995c3f42cd8ad8ULL);
  EXPECT_FALSE(ParseOk(Segment(R"("parent_id":null)")).parent_id.has_value());
}

TEST_F(SegmentParserTest, UpperCaseIdsAreCanonicalizedButJsonIsKept) {
  const std::string text =
      Object(Join({R"("id":"70DE5B6F19FF9A0A")",
                   R"("trace_id":"1-581CF771-A006649127E371903A2DE979")", kName, kStart, kEnd}));
  const SegmentDocument doc = ParseOk(text);
  EXPECT_EQ(doc.id, 0x70de5b6f19ff9a0aULL);
  EXPECT_EQ(doc.trace_id.ToString(), "1-581cf771-a006649127e371903a2de979");
  EXPECT_EQ(doc.json, text);
}

TEST_F(SegmentParserTest, ExponentFormAndIntegerNumbers) {
  const SegmentDocument a =
      ParseOk(Object(Join({kId, kTraceId, kName, R"("start_time":1.480615200010E9)",
                           R"("end_time":1.48061520009e+9)"})));
  EXPECT_DOUBLE_EQ(a.start_time, 1480615200.010);
  EXPECT_DOUBLE_EQ(*a.end_time, 1480615200.090);
  const SegmentDocument b = ParseOk(Object(
      Join({kId, kTraceId, kName, R"("start_time":1480615200)", R"("end_time":14806152001E-1)"})));
  EXPECT_DOUBLE_EQ(b.start_time, 1480615200.0);
  EXPECT_DOUBLE_EQ(*b.end_time, 1480615200.1);
  // Embedded subsegments too.
  ParseOk(Segment(
      R"("subsegments":[{"id":"53995c3f42cd8ad8","name":"x","start_time":1.4E9,"end_time":14E8}])"));
}

TEST_F(SegmentParserTest, TrimsSurroundingWhitespace) {
  const SegmentDocument doc = ParseOk(" \r\n\t" + Segment() + "\n\n ");
  EXPECT_EQ(doc.json, Segment());
}

TEST_F(SegmentParserTest, KeepsPrettyPrintedJsonVerbatim) {
  const std::string text =
      "{\n  \"name\": \"a b\",\n  \"id\": \"70de5b6f19ff9a0a\",\n"
      "  \"trace_id\": \"1-581cf771-a006649127e371903a2de979\",\n"
      "  \"start_time\": 1,\n  \"end_time\": 2\n}";
  EXPECT_EQ(ParseOk(text + "\n").json, text);
}

TEST_F(SegmentParserTest, ToleratesWhatRealSdksSend) {
  ParseOk(Segment(R"("Dummy":false)"));  // Go
  ParseOk(Segment(
      R"("subsegments":[{"id":"53995c3f42cd8ad8","name":"x","start_time":1,"end_time":2,"notTraced":false,"namespace":"local"}])"));  // Node, Python
  ParseOk(Segment(
      R"("cause":{"exceptions":[{"id":"57922b4d3d506268","stack":[{"path":"node","line":null,"label":"anonymous"}]}]})"));
  ParseOk(Segment(R"("cause":"57922b4d3d506268")"));
  ParseOk(Segment(R"("cause":{})"));
  ParseOk(Segment(R"("subsegments":[])"));
  ParseOk(Segment(R"("subsegments":null)"));
  ParseOk(Segment(R"("metadata":{"default":{"deep":[[[[[[[[[[{"a":null}]]]]]]]]]]}})"));
  ParseOk(Segment(R"("links":[{"trace_id":"1-581cf771-a006649127e371903a2de979","id":"x"}])"));
}

TEST_F(SegmentParserTest, NeverRejectsForAnnotations) {
  // X-Ray silently drops bad annotations; the summarizer filters them.
  ParseOk(Segment(R"("annotations":{"bad key!":1,"nested":{"a":1},"list":[1],"nil":null,"":"x"})"));
  ParseOk(Segment(R"("annotations":"not an object")"));
  ParseOk(Segment(R"("annotations":{"long":")" + std::string(2000, 'x') + "\"}"));
}

TEST_F(SegmentParserTest, LastDuplicateMemberWins) {
  const SegmentDocument doc =
      ParseOk(Segment(R"("id":"0000000000000001","id":"0000000000000002")"));
  EXPECT_EQ(doc.id, 2u);
  EXPECT_EQ(CodeOf(Segment(R"("id":"bad")")), DocumentErrorCode::kMissingId);
}

TEST_F(SegmentParserTest, EscapedMemberNamesAreDecoded) {
  const SegmentDocument doc = ParseOk(Object(
      Join({R"("\u0069d":"70de5b6f19ff9a0a")", kTraceId, R"("name":"a\u00e9\/b")", kStart, kEnd})));
  EXPECT_EQ(doc.id, 0x70de5b6f19ff9a0aULL);
}

TEST_F(SegmentParserTest, ReusesTheParserAcrossSizes) {
  const std::string big =
      Segment(R"("metadata":{"default":{"pad":")" + std::string(60000, 'x') + "\"}}");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ParseOk(big).json, big);
    EXPECT_EQ(ParseOk(Segment()).json, Segment());
    EXPECT_EQ(CodeOf("{"), DocumentErrorCode::kInvalidJson);
  }
}

// ---- Array of subsegments -------------------------------------------------------------------

TEST_F(SegmentParserTest, ArrayOfSubsegmentsYieldsOneEntryPerElement) {
  const std::string first =
      R"({"type":"subsegment","id":"0000000000000001","parent_id":"0000000000000009",)"
      R"("trace_id":"1-581cf771-a006649127e371903a2de979","name":"a ] , [","start_time":1,"end_time":2})";
  const std::string second =
      "{\"type\":\"subsegment\",\"id\":\"0000000000000002\",\n \"parent_id\":\"0000000000000009\","
      "\"trace_id\":\"1-581cf771-a006649127e371903a2de979\",\"name\":\"b\\\"}\",\"start_time\":1,"
      "\"in_progress\":true}";
  const std::string bad = R"({"id":"0000000000000003","name":"c"})";
  const std::string text = " [\n  " + first + " ,\n" + second + ",\t" + bad + ",5,[]\n] ";
  std::vector<ParsedDocument> parsed = parser_.Parse(text);
  ASSERT_EQ(parsed.size(), 5u);
  const auto& a = std::get<SegmentDocument>(parsed[0]);
  EXPECT_EQ(a.id, 1u);
  EXPECT_EQ(a.json, first);
  const auto& b = std::get<SegmentDocument>(parsed[1]);
  EXPECT_EQ(b.id, 2u);
  EXPECT_TRUE(b.in_progress);
  EXPECT_EQ(b.json, second);
  const auto& c = std::get<DocumentError>(parsed[2]);
  EXPECT_EQ(c.code, DocumentErrorCode::kMissingTraceId);
  EXPECT_EQ(c.id, "0000000000000003");
  EXPECT_EQ(std::get<DocumentError>(parsed[3]).code, DocumentErrorCode::kInvalidJson);
  EXPECT_EQ(std::get<DocumentError>(parsed[4]).code, DocumentErrorCode::kInvalidJson);
}

TEST_F(SegmentParserTest, EmptyArrayIsMissingId) {
  for (const char* text : {"[]", " [ \n ] "}) {
    const DocumentError error = ParseError(text);
    EXPECT_EQ(error.code, DocumentErrorCode::kMissingId);
    EXPECT_EQ(error.Message(),
              "Invalid segment. ErrorCode: MissingId (the document is an empty array)");
  }
}

// ---- One test per error code ----------------------------------------------------------------

TEST_F(SegmentParserTest, InvalidJson) {
  for (std::string_view text :
       {std::string_view(""), std::string_view("   "), std::string_view("{"),
        std::string_view("not json"), std::string_view("{\"id\":}"), std::string_view("{} {}"),
        std::string_view("{\"a\":1} x"), std::string_view("{'id':'x'}"), std::string_view("123"),
        std::string_view("\"str\""), std::string_view("null"), std::string_view("true"),
        std::string_view("{\"a\":\"\xff\"}"), std::string_view("{\"a\":1e999}"),
        std::string_view("\xef\xbb\xbf{}"), std::string_view("{\"a\":NaN}"),
        std::string_view("{\0}", 3)}) {
    const DocumentError error = ParseError(text);
    EXPECT_EQ(error.code, DocumentErrorCode::kInvalidJson) << text;
    EXPECT_FALSE(error.detail.empty());
  }
  EXPECT_EQ(
      ParseError("123").Message(),
      "Invalid segment. ErrorCode: InvalidJson (the document is a number, not a JSON object)");
}

TEST_F(SegmentParserTest, InvalidJsonStillReportsTheIdWhenVisible) {
  const DocumentError error =
      ParseError(R"({"type": "subsegment", "id" : "0123456789ABCDEF", "name": )");
  EXPECT_EQ(error.code, DocumentErrorCode::kInvalidJson);
  EXPECT_EQ(error.id, "0123456789ABCDEF");
  EXPECT_TRUE(error.is_subsegment);
  EXPECT_EQ(ParseError(R"({"id":"short", )").id, "");
}

TEST_F(SegmentParserTest, DocumentTooLarge) {
  const std::string prefix =
      R"({"id":"70de5b6f19ff9a0a","trace_id":"1-581cf771-a006649127e371903a2de979","name":"n","start_time":1,"end_time":2,"metadata":{"default":{"pad":")";
  const std::string suffix = "\"}}}";
  const std::string exact =
      prefix + std::string(kMaxDocumentBytes - prefix.size() - suffix.size(), 'x') + suffix;
  ASSERT_EQ(exact.size(), kMaxDocumentBytes);
  EXPECT_EQ(ParseOk("  " + exact + "\n").json, exact);  // surrounding whitespace does not count

  const std::string over = prefix + std::string(kMaxDocumentBytes, 'x') + suffix;
  const DocumentError error = ParseError(over);
  EXPECT_EQ(error.code, DocumentErrorCode::kDocumentTooLarge);
  EXPECT_EQ(error.id, "70de5b6f19ff9a0a");
  EXPECT_NE(error.detail.find("more than 65536"), std::string::npos) << error.detail;
}

TEST_F(SegmentParserTest, MissingId) {
  EXPECT_EQ(ParseError(Object(Join({kTraceId, kName, kStart, kEnd}))).Message(),
            "Invalid segment. ErrorCode: MissingId (id is missing)");
  for (const char* id :
       {R"("id":null)", R"("id":1234567890123456)", R"("id":"70de5b6f19ff9a0")",
        R"("id":"70de5b6f19ff9a0a0")", R"("id":"70de5b6f19ff9a0z")", R"("id":"")"}) {
    const DocumentError error = ParseError(Object(Join({id, kTraceId, kName, kStart, kEnd})));
    EXPECT_EQ(error.code, DocumentErrorCode::kMissingId) << id;
    EXPECT_EQ(error.id, "");
  }
  EXPECT_EQ(ParseError(Object(Join({R"("id":"xyz")", kTraceId, kName}))).detail,
            R"(id "xyz" is not 16 hex digits)");
  EXPECT_TRUE(ParseError(Object(Join({R"("type":"subsegment")", kTraceId, kName}))).is_subsegment);
  EXPECT_EQ(CodeOf("{}"), DocumentErrorCode::kMissingId);
}

TEST_F(SegmentParserTest, MissingTraceId) {
  for (const char* trace : {"", R"("trace_id":null)"}) {
    std::string members = Join({kId, kName, kStart, kEnd});
    if (*trace != '\0') members += std::string(",") + trace;
    const DocumentError error = ParseError(Object(members));
    EXPECT_EQ(error.code, DocumentErrorCode::kMissingTraceId);
    EXPECT_EQ(error.id, "70de5b6f19ff9a0a");
    EXPECT_EQ(error.Message(), "Invalid segment. ErrorCode: MissingTraceId (trace_id is missing)");
  }
  // Independent subsegments need one too.
  const DocumentError sub = ParseError(Object(
      Join({kId, kName, kStart, kEnd, R"("type":"subsegment","parent_id":"53995c3f42cd8ad8")"})));
  EXPECT_EQ(sub.code, DocumentErrorCode::kMissingTraceId);
  EXPECT_TRUE(sub.is_subsegment);
  EXPECT_EQ(sub.Message(), "Invalid subsegment. ErrorCode: MissingTraceId (trace_id is missing)");
}

TEST_F(SegmentParserTest, InvalidTraceId) {
  for (const char* trace :
       {R"("trace_id":"1-zzzz-not-a-trace-id")",
        R"("trace_id":"2-581cf771-a006649127e371903a2de979")",
        R"("trace_id":"1-581cf771-a006649127e371903a2de97")", R"("trace_id":"")",
        R"("trace_id":"581cf771a006649127e371903a2de979")", R"("trace_id":1)",
        R"("trace_id":{"root":"1-581cf771-a006649127e371903a2de979"})"}) {
    const DocumentError error = ParseError(Segment(trace));
    EXPECT_EQ(error.code, DocumentErrorCode::kInvalidTraceId) << trace;
    EXPECT_EQ(error.id, "70de5b6f19ff9a0a");
  }
  EXPECT_EQ(ParseError(Segment(R"("trace_id":1)")).detail, "trace_id is a number, not a string");
}

TEST_F(SegmentParserTest, InvalidName) {
  const auto name_error = [&](std::string_view name_member) {
    return ParseError(Object(Join({kId, kTraceId, name_member, kStart, kEnd})));
  };
  EXPECT_EQ(name_error(R"("x":1)").detail, "name is missing");
  EXPECT_EQ(name_error(R"("name":"")").detail, "name is empty");
  EXPECT_EQ(name_error(R"("name":42)").detail, "name is a number, not a string");
  EXPECT_EQ(name_error(R"("name":null)").code, DocumentErrorCode::kInvalidName);
  EXPECT_EQ(name_error("\"name\":\"" + std::string(201, 'a') + "\"").detail,
            "name is 201 characters long, more than 200");
  const DocumentError bad_char = name_error(R"("name":"checkout?v=2")");
  EXPECT_EQ(bad_char.code, DocumentErrorCode::kInvalidName);
  EXPECT_EQ(bad_char.Message(),
            "Invalid segment. ErrorCode: InvalidName (name \"checkout?v=2\" contains \"?\" "
            "(allowed: letters, digits, whitespace and _ . : / % & # = + \\ - @))");
  for (const char* bad : {"a;b", "a*b", "a(b)", "a!b", "a$b", "a~b", "a^b", "a<b>", "a\\u0000b",
                          "a\\u0007b", "a,b", "a'b", "a\\\"b", "a|b", "a[b]", "a{b}"}) {
    EXPECT_EQ(name_error(std::string("\"name\":\"") + bad + "\"").code,
              DocumentErrorCode::kInvalidName)
        << bad;
  }
}

TEST_F(SegmentParserTest, ValidNames) {
  const auto ok = [&](std::string_view name) {
    ParseOk(Object(Join({kId, kTraceId, "\"name\":\"" + std::string(name) + "\"", kStart, kEnd})));
  };
  ok("a");
  ok(std::string(200, 'a'));
  ok(R"(Az09 _.:/%&#=+\\-@)");
  ok("tab\\there");
  ok("caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80");  // any non-ASCII counts as a letter
  ok("\\u00e9t\\u00e9");
  std::string two_hundred_accents;
  for (int i = 0; i < 200; ++i) two_hundred_accents += "\xc3\xa9";  // 400 bytes, 200 characters
  ok(two_hundred_accents);
  EXPECT_EQ(CodeOf(Object(
                Join({kId, kTraceId, "\"name\":\"" + two_hundred_accents + "e\"", kStart, kEnd}))),
            DocumentErrorCode::kInvalidName);
}

TEST_F(SegmentParserTest, SubsegmentNamesOnlyNeedLengthLimits) {
  const std::string sub = R"("type":"subsegment","parent_id":"53995c3f42cd8ad8")";
  ParseOk(Segment(sub + R"x(,"name":"GET /items?id=1 (retry!)")x"));
  ParseOk(Segment(sub + ",\"name\":\"" + std::string(250, 'a') + "\""));
  const DocumentError error =
      ParseError(Segment(sub + ",\"name\":\"" + std::string(251, 'a') + "\""));
  EXPECT_EQ(error.code, DocumentErrorCode::kInvalidName);
  EXPECT_TRUE(error.is_subsegment);
  EXPECT_EQ(CodeOf(Segment(sub + R"(,"name":"")")), DocumentErrorCode::kInvalidName);
  // Embedded ones likewise.
  ParseOk(Segment(
      R"("subsegments":[{"id":"53995c3f42cd8ad8","name":"http://h/p?q=1","start_time":1,"end_time":2}])"));
}

TEST_F(SegmentParserTest, MissingStartTime) {
  EXPECT_EQ(ParseError(Object(Join({kId, kTraceId, kName, kEnd}))).Message(),
            "Invalid segment. ErrorCode: MissingStartTime (start_time is missing)");
  for (const char* start : {R"("start_time":"1478293361.271")", R"("start_time":null)",
                            R"("start_time":true)", R"("start_time":[1])"}) {
    const DocumentError error = ParseError(Segment(start));
    EXPECT_EQ(error.code, DocumentErrorCode::kMissingStartTime) << start;
    EXPECT_EQ(error.id, "70de5b6f19ff9a0a");
  }
  EXPECT_EQ(ParseError(Segment(R"("start_time":"1")")).detail,
            "start_time is a string, not a number");
}

TEST_F(SegmentParserTest, MissingEndTime) {
  EXPECT_EQ(ParseError(Object(Join({kId, kTraceId, kName, kStart}))).Message(),
            "Invalid segment. ErrorCode: MissingEndTime (end_time is missing and in_progress is "
            "not true)");
  for (const char* members : {R"("in_progress":false)", R"("in_progress":"true")",
                              R"("in_progress":1)", R"("end_time":null)", R"("end_time":"2")"}) {
    const DocumentError error = ParseError(Object(Join({kId, kTraceId, kName, kStart, members})));
    EXPECT_EQ(error.code, DocumentErrorCode::kMissingEndTime) << members;
  }
  EXPECT_EQ(ParseError(Object(Join({kId, kTraceId, kName, kStart, R"("end_time":"2")"}))).detail,
            "end_time is a string, not a number, and in_progress is not true");
}

TEST_F(SegmentParserTest, MissingEndTimeInAnEmbeddedSubsegmentNamesItsPath) {
  const std::string text =
      Segment(R"("subsegments":[{"id":"0000000000000001","name":"a","start_time":1,"end_time":2},)"
              R"({"id":"0000000000000002","name":"b","start_time":1,"end_time":2,"subsegments":[)"
              R"({"id":"0000000000000003","name":"c","start_time":1,"in_progress":false}]}])");
  const DocumentError error = ParseError(text);
  EXPECT_EQ(error.code, DocumentErrorCode::kMissingEndTime);
  EXPECT_EQ(error.id, "70de5b6f19ff9a0a");  // the document's id, as AWS reports it
  EXPECT_TRUE(error.is_subsegment);
  EXPECT_EQ(error.detail,
            "subsegments[1].subsegments[0].end_time is missing and "
            "subsegments[1].subsegments[0].in_progress is not true");
  EXPECT_EQ(error.Message(),
            "Invalid subsegment. ErrorCode: MissingEndTime (subsegments[1].subsegments[0].end_time "
            "is missing and subsegments[1].subsegments[0].in_progress is not true)");
  // An in-progress embedded subsegment is fine.
  ParseOk(Segment(
      R"("subsegments":[{"id":"0000000000000001","name":"a","start_time":1,"in_progress":true}])"));
}

TEST_F(SegmentParserTest, OtherErrorsInEmbeddedSubsegments) {
  const auto embedded = [&](std::string_view member_list) {
    return ParseError(Segment("\"subsegments\":[{" + std::string(member_list) + "}]"));
  };
  DocumentError e = embedded(R"("name":"a","start_time":1,"end_time":2)");
  EXPECT_EQ(e.code, DocumentErrorCode::kMissingId);
  EXPECT_EQ(e.detail, "subsegments[0].id is missing");
  EXPECT_TRUE(e.is_subsegment);
  e = embedded(R"("id":"123","name":"a","start_time":1,"end_time":2)");
  EXPECT_EQ(e.code, DocumentErrorCode::kMissingId);
  EXPECT_EQ(e.detail, R"(subsegments[0].id "123" is not 16 hex digits)");
  e = embedded(R"("id":"0000000000000001","start_time":1,"end_time":2)");
  EXPECT_EQ(e.code, DocumentErrorCode::kInvalidName);
  EXPECT_EQ(e.detail, "subsegments[0].name is missing");
  e = embedded(R"("id":"0000000000000001","name":"a","end_time":2)");
  EXPECT_EQ(e.code, DocumentErrorCode::kMissingStartTime);
  EXPECT_EQ(e.detail, "subsegments[0].start_time is missing");
  e = ParseError(Segment(
      R"("subsegments":[{"id":"0000000000000001","name":"a","start_time":1,"end_time":2},"x"])"));
  EXPECT_EQ(e.code, DocumentErrorCode::kMissingId);
  EXPECT_EQ(e.detail, "subsegments[1] is a string, not a subsegment object");
  // trace_id, parent_id and type are optional in embedded subsegments and not checked.
  ParseOk(Segment(
      R"("subsegments":[{"id":"0000000000000001","name":"a","start_time":1,"end_time":2,"trace_id":"bogus","type":"x","parent_id":"y"}])"));
}

TEST_F(SegmentParserTest, MissingParentId) {
  const std::string sub = R"("type":"subsegment")";
  DocumentError e = ParseError(Segment(sub));
  EXPECT_EQ(e.code, DocumentErrorCode::kMissingParentId);
  EXPECT_TRUE(e.is_subsegment);
  EXPECT_EQ(e.Message(),
            "Invalid subsegment. ErrorCode: MissingParentId (parent_id is missing (required with "
            "\"type\": \"subsegment\"))");
  EXPECT_EQ(CodeOf(Segment(sub + R"(,"parent_id":null)")), DocumentErrorCode::kMissingParentId);
  EXPECT_EQ(CodeOf(Segment(sub + R"(,"parent_id":"abc")")), DocumentErrorCode::kMissingParentId);
  // A segment's parent_id is optional, but must be an id when present.
  e = ParseError(Segment(R"("parent_id":"53995c3f42cd8ad")"));
  EXPECT_EQ(e.code, DocumentErrorCode::kMissingParentId);
  EXPECT_FALSE(e.is_subsegment);
  EXPECT_EQ(e.detail, R"(parent_id "53995c3f42cd8ad" is not 16 hex digits)");
  EXPECT_EQ(CodeOf(Segment(R"("parent_id":5)")), DocumentErrorCode::kMissingParentId);
}

TEST_F(SegmentParserTest, InvalidType) {
  DocumentError e = ParseError(Segment(R"("type":"segment")"));
  EXPECT_EQ(e.code, DocumentErrorCode::kInvalidType);
  EXPECT_EQ(e.id, "70de5b6f19ff9a0a");
  EXPECT_EQ(e.Message(),
            R"(Invalid segment. ErrorCode: InvalidType (type "segment" is not "subsegment"))");
  EXPECT_EQ(CodeOf(Segment(R"("type":"Subsegment")")), DocumentErrorCode::kInvalidType);
  EXPECT_EQ(CodeOf(Segment(R"("type":null)")), DocumentErrorCode::kInvalidType);
  EXPECT_EQ(ParseError(Segment(R"("type":1)")).detail, R"(type is a number, not "subsegment")");
}

TEST_F(SegmentParserTest, SubsegmentDepthIsCapped) {
  const auto nested = [](int levels) {
    std::string inner;
    for (int i = 0; i < levels; ++i) {
      inner = R"({"id":"0000000000000001","name":"n","start_time":1,"end_time":2)" +
              (inner.empty() ? std::string() : ",\"subsegments\":[" + inner + "]") + "}";
    }
    return Segment("\"subsegments\":[" + inner + "]");
  };
  ParseOk(nested(64));
  const DocumentError e = ParseError(nested(65));
  EXPECT_EQ(e.code, DocumentErrorCode::kInvalidJson);
  EXPECT_NE(e.detail.find("nested more than 64 levels deep"), std::string::npos) << e.detail;
  EXPECT_EQ(e.id, "70de5b6f19ff9a0a");
  // Very deep JSON of any kind is refused by the JSON parser itself, not by a stack overflow.
  EXPECT_EQ(CodeOf(Segment("\"metadata\":" + std::string(5000, '[') + std::string(5000, ']'))),
            DocumentErrorCode::kInvalidJson);
  EXPECT_EQ(CodeOf(nested(600)), DocumentErrorCode::kInvalidJson);  // JSON depth > 1024
}

TEST(DocumentErrorTest, CodeNames) {
  EXPECT_EQ(DocumentErrorCodeName(DocumentErrorCode::kInvalidJson), "InvalidJson");
  EXPECT_EQ(DocumentErrorCodeName(DocumentErrorCode::kMissingId), "MissingId");
  EXPECT_EQ(DocumentErrorCodeName(DocumentErrorCode::kMissingTraceId), "MissingTraceId");
  EXPECT_EQ(DocumentErrorCodeName(DocumentErrorCode::kInvalidTraceId), "InvalidTraceId");
  EXPECT_EQ(DocumentErrorCodeName(DocumentErrorCode::kInvalidName), "InvalidName");
  EXPECT_EQ(DocumentErrorCodeName(DocumentErrorCode::kMissingStartTime), "MissingStartTime");
  EXPECT_EQ(DocumentErrorCodeName(DocumentErrorCode::kMissingEndTime), "MissingEndTime");
  EXPECT_EQ(DocumentErrorCodeName(DocumentErrorCode::kMissingParentId), "MissingParentId");
  EXPECT_EQ(DocumentErrorCodeName(DocumentErrorCode::kInvalidType), "InvalidType");
  EXPECT_EQ(DocumentErrorCodeName(DocumentErrorCode::kDocumentTooLarge), "DocumentTooLarge");
  EXPECT_EQ((DocumentError{DocumentErrorCode::kMissingId, "", false, ""}).Message(),
            "Invalid segment. ErrorCode: MissingId");
}

// ---- Robustness -----------------------------------------------------------------------------

// Every outcome must be a well-formed document or a well-formed error.
void CheckOutcome(const std::vector<ParsedDocument>& parsed, std::string_view text) {
  ASSERT_FALSE(parsed.empty());
  for (const ParsedDocument& entry : parsed) {
    if (const auto* doc = std::get_if<SegmentDocument>(&entry)) {
      ASSERT_FALSE(doc->json.empty());
      EXPECT_EQ(doc->json.front(), '{');
      EXPECT_EQ(doc->json.back(), '}');
      EXPECT_NE(text.find(doc->json), std::string_view::npos);
      if (!doc->in_progress) {
        EXPECT_TRUE(doc->end_time.has_value());
      }
    } else {
      const auto& error = std::get<DocumentError>(entry);
      const std::string message = error.Message();
      EXPECT_TRUE(IsValidUtf8(message)) << message;
      EXPECT_LT(message.size(), 1000u);
      EXPECT_TRUE(error.id.empty() || ParseEntityId(error.id).has_value()) << error.id;
    }
  }
}

TEST_F(SegmentParserTest, SurvivesRandomMutationsOfRealDocuments) {
  std::vector<std::string> corpus;
  for (const fs::path& path : SampleDatagrams()) {
    const std::string datagram = ReadFile(path);
    corpus.push_back(datagram.substr(datagram.find('\n') + 1));
  }
  corpus.push_back("[" + corpus[1] + "," + corpus[10] + "]");
  ASSERT_GT(corpus.size(), 2u);

  std::mt19937 random(20240601);
  const auto pick = [&](size_t n) { return static_cast<size_t>(random() % (n == 0 ? 1 : n)); };
  const std::string structural = "{}[]\",:\\ 0123456789.eE-+tfnul\x80\xc3\xff\n";
  int documents = 0;
  int errors = 0;
  for (int iteration = 0; iteration < 6000; ++iteration) {
    std::string text = corpus[pick(corpus.size())];
    const int mutations = 1 + static_cast<int>(pick(4));
    for (int m = 0; m < mutations && !text.empty(); ++m) {
      const size_t at = pick(text.size());
      switch (pick(7)) {
        case 0:  // flip a byte
          text[at] = static_cast<char>(random());
          break;
        case 1:  // insert a structural character
          text.insert(at, 1, structural[pick(structural.size())]);
          break;
        case 2:  // delete a range
          text.erase(at, 1 + pick(16));
          break;
        case 3:  // truncate
          text.resize(at);
          break;
        case 4:  // duplicate a range
          text.insert(at, text.substr(pick(text.size()), 1 + pick(64)));
          break;
        case 5:  // overwrite with a digit (keeps JSON valid surprisingly often)
          text[at] = static_cast<char>('0' + pick(10));
          break;
        case 6:  // swap two bytes
          std::swap(text[at], text[pick(text.size())]);
          break;
      }
    }
    SCOPED_TRACE(text);
    const std::vector<ParsedDocument> parsed = parser_.Parse(text);
    CheckOutcome(parsed, text);
    for (const auto& entry : parsed) {
      std::holds_alternative<SegmentDocument>(entry) ? ++documents : ++errors;
    }
    if (HasFatalFailure()) return;
  }
  // Both outcomes were exercised.
  EXPECT_GT(documents, 50);
  EXPECT_GT(errors, 1000);
}

TEST_F(SegmentParserTest, SurvivesRandomBytes) {
  std::mt19937 random(7);
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::string text(random() % 300, '\0');
    for (char& c : text) c = static_cast<char>(random());
    if (iteration % 3 == 0 && !text.empty()) text[0] = iteration % 2 ? '[' : '{';
    const std::vector<ParsedDocument> parsed = parser_.Parse(text);
    CheckOutcome(parsed, text);
    if (HasFatalFailure()) return;
  }
}

TEST_F(SegmentParserTest, SurvivesRandomJsonShapedText) {
  // Random but well-formed JSON built from the members the validator looks at, so that the
  // validation paths (not only the JSON parser's error paths) are exercised.
  std::mt19937 random(99);
  const std::vector<std::string> keys = {"id",          "trace_id",    "parent_id", "type",
                                         "name",        "start_time",  "end_time",  "in_progress",
                                         "subsegments", "annotations", "x"};
  const std::vector<std::string> scalars = {"\"70de5b6f19ff9a0a\"",
                                            "\"1-581cf771-a006649127e371903a2de979\"",
                                            "\"subsegment\"",
                                            "\"name\"",
                                            "\"\"",
                                            "1",
                                            "1.5e9",
                                            "-0",
                                            "true",
                                            "false",
                                            "null",
                                            "\"a?b\"",
                                            "[]",
                                            "{}"};
  std::function<std::string(int)> value = [&](int depth) -> std::string {
    const uint32_t r = random() % 10;
    if (depth < 6 && r == 0) {
      std::string out = "[";
      const int n = static_cast<int>(random() % 3);
      for (int i = 0; i < n; ++i) out += (i ? "," : "") + value(depth + 1);
      return out + "]";
    }
    if (depth < 6 && r == 1) {
      std::string out = "{";
      const int n = static_cast<int>(random() % 8);
      for (int i = 0; i < n; ++i) {
        out += (i ? ",\"" : "\"") + keys[random() % keys.size()] + "\":" + value(depth + 1);
      }
      return out + "}";
    }
    return scalars[random() % scalars.size()];
  };
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::string text = "{";
    const int n = static_cast<int>(random() % 10);
    for (int i = 0; i < n; ++i) {
      text += (i ? ",\"" : "\"") + keys[random() % keys.size()] + "\":" + value(1);
    }
    text += "}";
    if (iteration % 10 == 0) text = "[" + text + "," + text + "]";
    const std::vector<ParsedDocument> parsed = parser_.Parse(text);
    CheckOutcome(parsed, text);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace roentgen::model
