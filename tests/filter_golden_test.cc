// tests/filter_golden_test.cc — the filter-expression language against its golden files
// (tests/data/filter/, format in its README.md): every trace of traces.json is summarized with
// query::SummarizeTrace, every case's expression is compiled with filter::Filter::Compile, and
// the names of the traces it matches must be exactly the expected ones (or compiling must fail
// with the expected message). One parameterized test per case, named <file>_L<line>.
// The expectations were derived by hand from ../shared/spec/filter-expressions.md and
// traces-and-graphs.md; a failure means the implementation and the spec disagree.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/check.h"
#include "filter/filter.h"
#include "model/segment_parser.h"
#include "model/trace_summary.h"
#include "query/summarizer.h"
#include "storage/trace_store.h"

namespace roentgen {
namespace {

// Cases silently disappearing (a broken separator, a renamed file) must fail loudly.
constexpr size_t kMinimumCaseCount = 150;

const std::filesystem::path& DataDir() {
  static const std::filesystem::path dir = std::filesystem::path(ROENTGEN_TESTDATA_DIR) / "filter";
  return dir;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  CHECK(in.good()) << "cannot open " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::vector<std::string> SplitList(std::string_view text, char separator) {
  std::vector<std::string> out;
  while (true) {
    size_t at = text.find(separator);
    std::string_view item = Trim(text.substr(0, at));
    if (!item.empty()) out.emplace_back(item);
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

// --- The cases
// ------------------------------------------------------------------------------------

struct GoldenCase {
  std::string file;  // e.g. "keywords"
  int line = 0;      // of the `expression:` line, 1-based
  std::string expression;
  // Exactly one of: the traces that must match (`except` = all but these), or error substrings.
  std::optional<std::vector<std::string>> matches;
  bool except = false;
  std::vector<std::string> errors;

  std::string Where() const { return file + ".cases:" + std::to_string(line); }
};

// gtest prints a failing parameter with this instead of its bytes.
void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.Where() << " " << c.expression; }

struct GroupDefinition {
  std::string name;
  std::string arn;
  std::string expression;
};

struct CaseFiles {
  std::vector<GoldenCase> cases;
  std::vector<GroupDefinition> groups;
};

// Parses one .cases file (format: tests/data/filter/README.md). Malformed files CHECK-fail:
// they are test data, and a silently skipped case would defeat the point.
void ParseCaseFile(const std::filesystem::path& path, CaseFiles* out) {
  const std::string file = path.stem().string();
  std::istringstream in(ReadFile(path));
  std::optional<GoldenCase> current;
  auto finish = [&](int line_number) {
    if (!current) return;
    CHECK(current->matches.has_value() != !current->errors.empty())
        << file << ".cases:" << line_number
        << ": a case needs exactly one of matches:/except: or error:";
    out->cases.push_back(std::move(*current));
    current.reset();
  };
  std::string raw;
  int line_number = 0;
  while (std::getline(in, raw)) {
    ++line_number;
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) {
      finish(line_number);
      continue;
    }
    if (line.front() == '#') continue;
    size_t colon = line.find(':');
    CHECK(colon != std::string_view::npos) << path << ":" << line_number << ": no key in " << raw;
    std::string_view key = line.substr(0, colon);
    std::string_view value = Trim(line.substr(colon + 1));
    if (key == "group") {
      std::vector<std::string> parts = SplitList(value, '|');
      CHECK(parts.size() == 3) << path << ":" << line_number << ": group: name | arn | expr";
      out->groups.push_back({parts[0], parts[1], parts[2]});
      continue;
    }
    if (key == "expression") {
      finish(line_number);
      current.emplace();
      current->file = file;
      current->line = line_number;
      current->expression = std::string(value);
      continue;
    }
    CHECK(current.has_value()) << path << ":" << line_number << ": " << key
                               << ": before any expression:";
    if (key == "matches" || key == "except") {
      CHECK(!current->matches) << path << ":" << line_number << ": second matches:/except:";
      current->matches = SplitList(value, ',');
      current->except = key == "except";
    } else if (key == "error") {
      CHECK(!value.empty()) << path << ":" << line_number << ": empty error:";
      current->errors.emplace_back(value);
    } else {
      CHECK(false) << path << ":" << line_number << ": unknown key " << key;
    }
  }
  finish(line_number);
}

const CaseFiles& AllCaseFiles() {
  static const CaseFiles* files = [] {
    auto* out = new CaseFiles;
    std::vector<std::filesystem::path> paths;
    for (const auto& entry : std::filesystem::directory_iterator(DataDir())) {
      if (entry.path().extension() == ".cases") paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) ParseCaseFile(path, out);
    return out;
  }();
  return *files;
}

// --- The traces
// -----------------------------------------------------------------------------------

struct GoldenTrace {
  std::string name;
  model::TraceSummary summary;
};

// traces.json → one summary per trace, in file order. Every document must pass the segment
// parser, exactly as it would at ingestion.
const std::vector<GoldenTrace>& AllTraces() {
  static const std::vector<GoldenTrace>* traces = [] {
    auto* out = new std::vector<GoldenTrace>;
    simdjson::dom::parser json;
    simdjson::dom::object object;
    const std::string path = (DataDir() / "traces.json").string();
    CHECK(json.load(path).get(object) == simdjson::SUCCESS) << path << " is not a JSON object";
    model::SegmentParser segment_parser;
    for (auto [name, value] : object) {
      simdjson::dom::array documents;
      CHECK(value.get(documents) == simdjson::SUCCESS) << name << ": not an array";
      std::vector<storage::StoredDocument> stored;
      for (simdjson::dom::element document : documents) {
        std::vector<model::ParsedDocument> parsed =
            segment_parser.Parse(simdjson::minify(document));
        CHECK(parsed.size() == 1) << name;
        auto* doc = std::get_if<model::SegmentDocument>(&parsed[0]);
        CHECK(doc != nullptr) << name << ": refused: "
                              << std::get<model::DocumentError>(parsed[0]).Message();
        stored.push_back({.document = std::move(*doc), .received_at = 0});
      }
      CHECK(!stored.empty()) << name;
      model::TraceId id = stored.front().document.trace_id;
      for (const auto& doc : stored) CHECK(doc.document.trace_id == id) << name;
      out->push_back({std::string(name), query::SummarizeTrace(id, stored)});
    }
    return out;
  }();
  return *traces;
}

// --- Checking
// -------------------------------------------------------------------------------------

// `needle` occurs in `text`; a needle ending in a digit must not be followed by another digit, so
// "position 1" does not match "position 12".
bool ContainsText(std::string_view text, std::string_view needle) {
  const bool ends_in_digit =
      !needle.empty() && std::isdigit(static_cast<unsigned char>(needle.back()));
  for (size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + 1)) {
    size_t after = at + needle.size();
    if (ends_in_digit && after < text.size() &&
        std::isdigit(static_cast<unsigned char>(text[after]))) {
      continue;
    }
    return true;
  }
  return false;
}

std::string Join(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "(none)" : out;
}

filter::CompileOptions GoldenCompileOptions() {
  filter::CompileOptions options;
  options.groups = [](const filter::GroupReference& reference) -> std::optional<std::string> {
    for (const GroupDefinition& group : AllCaseFiles().groups) {
      if ((reference.by_arn ? group.arn : group.name) == reference.value) return group.expression;
    }
    return std::nullopt;
  };
  return options;
}

class FilterGoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(FilterGoldenTest, Case) {
  const GoldenCase& c = GetParam();
  SCOPED_TRACE(c.Where() + "  expression: " + c.expression);
  Result<filter::Filter> compiled = filter::Filter::Compile(c.expression, GoldenCompileOptions());

  if (!c.errors.empty()) {
    ASSERT_FALSE(compiled.ok()) << "compiled, but the case expects an error containing \""
                                << c.errors.front() << "\"";
    EXPECT_EQ(compiled.status().code(), StatusCode::kInvalidArgument)
        << compiled.status().ToString();
    for (const std::string& needle : c.errors) {
      EXPECT_TRUE(ContainsText(compiled.status().message(), needle))
          << "expected the message to contain \"" << needle
          << "\"\n  actual message: " << compiled.status().message();
    }
    return;
  }

  ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
  const std::vector<GoldenTrace>& traces = AllTraces();
  std::set<std::string> known;
  for (const GoldenTrace& trace : traces) known.insert(trace.name);
  std::set<std::string> listed(c.matches->begin(), c.matches->end());
  for (const std::string& name : listed) {
    ASSERT_TRUE(known.count(name)) << "unknown trace name \"" << name << "\" in the case";
  }
  std::set<std::string> expected;
  if (c.except) {
    std::set_difference(known.begin(), known.end(), listed.begin(), listed.end(),
                        std::inserter(expected, expected.end()));
  } else {
    expected = listed;
  }

  std::set<std::string> actual;
  for (const GoldenTrace& trace : traces) {
    if (compiled->Matches(trace.summary)) actual.insert(trace.name);
  }
  std::set<std::string> missing, unexpected;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                      std::inserter(missing, missing.end()));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                      std::inserter(unexpected, unexpected.end()));
  EXPECT_EQ(actual, expected) << "\n  expression: " << c.expression
                              << "\n  expected:   " << Join(expected)
                              << "\n  actual:     " << Join(actual)
                              << "\n  missing:    " << Join(missing)
                              << "\n  unexpected: " << Join(unexpected);
}

std::string CaseName(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string name = info.param.file + "_L" + std::to_string(info.param.line);
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Golden, FilterGoldenTest, ::testing::ValuesIn(AllCaseFiles().cases),
                         CaseName);

TEST(FilterGoldenDataTest, EnoughCasesInEveryFile) {
  const std::vector<GoldenCase>& cases = AllCaseFiles().cases;
  EXPECT_GE(cases.size(), kMinimumCaseCount);
  std::map<std::string, size_t> per_file;
  for (const GoldenCase& c : cases) ++per_file[c.file];
  for (const char* file : {"keywords", "services", "edges", "rootcause", "annotations", "syntax",
                           "errors", "groups"}) {
    EXPECT_GE(per_file[file], 10u) << file << ".cases";
  }
}

TEST(FilterGoldenDataTest, EveryTraceIsUsedAndDistinct) {
  const std::vector<GoldenTrace>& traces = AllTraces();
  EXPECT_GE(traces.size(), 15u);
  std::set<std::string> named;  // every trace is named by some matches: list
  std::set<std::string> ids;
  for (const GoldenCase& c : AllCaseFiles().cases) {
    if (c.matches && !c.except) named.insert(c.matches->begin(), c.matches->end());
  }
  for (const GoldenTrace& trace : traces) {
    EXPECT_TRUE(named.count(trace.name)) << trace.name << " is never an expected match";
    EXPECT_TRUE(ids.insert(trace.summary.id.ToString()).second) << "duplicate id: " << trace.name;
  }
}

}  // namespace
}  // namespace roentgen
