// query/summarizer_bench.cc — SummarizeTrace on a typical 5-document trace (traces/s): a root
// segment with embedded subsegments and annotations, an in-progress-free downstream segment, two
// streamed subsegments (one nested under the other) and an async one. The store calls the
// summarizer after every write, so this bounds the writer thread's summary cost.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "query/summarizer.h"
#include "query/test_documents.h"
#include "query/trace_assembler.h"

namespace roentgen::query {
namespace {

std::vector<storage::StoredDocument> FiveDocumentTrace() {
  const std::string trace = R"("trace_id":"1-6b0232ec-63341cd307a3f86c19238913",)";
  std::vector<std::string> texts = {
      // Root segment, like the Python SDK's full sample.
      "{" + trace +
          R"("id":"a375d770daf580e4","name":"checkout","start_time":1795306220.2306397,)"
          R"("in_progress":false,"origin":"AWS::EC2::Instance","user":"alice",)"
          R"("http":{"request":{"method":"GET","url":"http://shop.local/checkout",)"
          R"("user_agent":"curl/8","client_ip":"10.1.2.3"},"response":{"status":502}},)"
          R"("aws":{"ec2":{"instance_id":"i-0abc","availability_zone":"us-east-1a"},)"
          R"("xray":{"sdk":"X-Ray for Python","sdk_version":"2.14.0"}},)"
          R"("annotations":{"customer":"c-123","items":3,"vip":true},)"
          R"("metadata":{"default":{"order":{"id":"o-1","lines":[1,2]}}},)"
          R"("subsegments":[{"id":"e8a9d3e589d7dfc2","name":"compute-price",)"
          R"("start_time":1795306220.2306979,"end_time":1795306220.23073,)"
          R"("annotations":{"step":"price"},"subsegments":[{"id":"6615b6af4168c254",)"
          R"("name":"db-lookup","start_time":1795306220.2307124,"end_time":1795306220.23072,)"
          R"("namespace":"remote","sql":{"url":"postgres://db/shop","sanitized_query":"SELECT 1"}}]},)"
          R"({"id":"dacc24b538172efa","name":"charge-card","start_time":1795306220.2307777,)"
          R"("end_time":1795306220.234356,"fault":true,"cause":{"working_directory":"/srv",)"
          R"("exceptions":[{"id":"a739bbe6e9dc95c1","message":"card declined",)"
          R"("type":"RuntimeError","stack":[{"path":"app.py","line":67,"label":"main"}]}]}},)"
          R"({"id":"de8252659124dcdc","name":"inventory","start_time":1795306220.2345357,)"
          R"("end_time":1795306220.2424617,"namespace":"remote","traced":true,)"
          R"("http":{"request":{"method":"GET","url":"http://inventory/items"},)"
          R"("response":{"status":200}}}],"fault":true,"end_time":1795306220.2425456})",
      // Downstream service called by the root's "inventory" subsegment.
      "{" + trace +
          R"("id":"5e42feacc0763d76","name":"inventory","parent_id":"de8252659124dcdc",)"
          R"("start_time":1795306220.235,"end_time":1795306220.242,"user":"alice",)"
          R"("http":{"request":{"method":"GET","url":"http://inventory/items"},)"
          R"("response":{"status":200}},"annotations":{"customer":"c-123","shard":7}})",
      // A streamed subsegment under an embedded one, and one nested under it.
      "{" + trace +
          R"("id":"71f59677c057d8bb","name":"stream-a","type":"subsegment",)"
          R"("parent_id":"e8a9d3e589d7dfc2","start_time":1795306220.2307,)"
          R"("end_time":1795306220.2308,"annotations":{"batch":"b-1"}})",
      "{" + trace +
          R"("id":"71f59677c057d8bc","name":"stream-b","type":"subsegment",)"
          R"("parent_id":"71f59677c057d8bb","start_time":1795306220.23071,)"
          R"("end_time":1795306220.23079,"namespace":"aws","aws":{"table_name":"carts"}})",
      // Async work after the response.
      "{" + trace +
          R"("id":"9a5b21b26277f035","name":"audit","type":"subsegment",)"
          R"("parent_id":"a375d770daf580e4","start_time":1795306220.243,)"
          R"("end_time":1795306220.301,"throttle":true})"};
  std::vector<storage::StoredDocument> docs;
  for (std::string& text : texts) docs.push_back(testing::MakeDocument(std::move(text)));
  return docs;
}

void BM_SummarizeTrace(benchmark::State& state) {
  const std::vector<storage::StoredDocument> docs = FiveDocumentTrace();
  const model::TraceId id = docs[0].document.trace_id;
  size_t bytes = 0;
  for (const auto& d : docs) bytes += d.document.json.size();
  for (auto _ : state) {
    model::TraceSummary summary = SummarizeTrace(id, docs);
    benchmark::DoNotOptimize(summary);
  }
  state.SetItemsProcessed(state.iterations());  // items = traces
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_SummarizeTrace);

void BM_AssembleTrace(benchmark::State& state) {
  const std::vector<storage::StoredDocument> docs = FiveDocumentTrace();
  const model::TraceId id = docs[0].document.trace_id;
  for (auto _ : state) {
    Result<AssembledTrace> trace = AssembleTrace(id, docs);
    benchmark::DoNotOptimize(trace);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AssembleTrace);

}  // namespace
}  // namespace roentgen::query

BENCHMARK_MAIN();
