// Tests of the storage formats below the store: CRC-32C, varints, log frames, frame bodies and
// trace records.
#include "storage/segment_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "storage/coding.h"
#include "storage/crc32c.h"
#include "storage/document_frame.h"
#include "storage/trace_record.h"
#include "storage/zstd_dictionary.h"

namespace roentgen::storage {
namespace {

namespace fs = std::filesystem;

class TempFile {
 public:
  TempFile() {
    std::string pattern = "/tmp/roentgen-log-XXXXXX";
    const int fd = ::mkstemp(pattern.data());
    EXPECT_GE(fd, 0);
    ::close(fd);
    path_ = pattern;
  }
  ~TempFile() { fs::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  // Extending in pieces equals one pass.
  const std::string text = "The quick brown fox jumps over the lazy dog, twice over.";
  for (size_t split = 0; split <= text.size(); ++split) {
    EXPECT_EQ(Crc32cExtend(Crc32c(text.substr(0, split)), text.data() + split, text.size() - split),
              Crc32c(text));
  }
}

TEST(CodingTest, VarintsRoundTripAndRejectOverlongInput) {
  std::string bytes;
  const uint64_t values[] = {0, 1, 127, 128, 300, UINT32_MAX, UINT64_MAX};
  for (uint64_t v : values) PutVarint64(&bytes, v);
  ByteReader in(bytes);
  for (uint64_t v : values) {
    uint64_t got = 0;
    ASSERT_TRUE(in.ReadVarint64(&got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, INT64_MIN, INT64_MAX}) {
    EXPECT_EQ(ZigZagDecode(ZigZagEncode(v)), v);
  }
  const std::string overlong(11, '\x80');
  ByteReader bad(overlong);
  uint64_t ignored = 0;
  EXPECT_FALSE(bad.ReadVarint64(&ignored));
  EXPECT_TRUE(bad.failed());
}

TEST(SegmentLogTest, FramesRoundTripCompressedAndRaw) {
  TempFile file;
  Result<std::unique_ptr<SegmentLog>> log = SegmentLog::Open(file.path());
  ASSERT_TRUE(log.ok());
  FrameEncoder encoder(3);

  std::string compressible;
  for (int i = 0; i < 200; ++i) compressible += "{\"name\":\"checkout\",\"http\":{\"status\":200}}";
  std::string random_bytes(1000, '\0');
  std::mt19937_64 random(3);
  for (char& ch : random_bytes) ch = static_cast<char>(random());

  FrameHeader first;
  first.write_seq = 7;
  first.continued = true;
  first.participants = {19000, 19001};
  first.received_at = 1700000000.25;
  first.body_size = static_cast<uint32_t>(compressible.size());
  FrameHeader second;
  second.write_seq = 7;
  second.received_at = 1700000000.25;
  second.body_size = static_cast<uint32_t>(random_bytes.size());
  std::string bytes;
  encoder.Encode(first, compressible, &bytes);
  const uint64_t second_offset = bytes.size();
  encoder.Encode(second, random_bytes, &bytes);
  EXPECT_LT(second_offset, compressible.size() / 4);  // zstd did its job
  ASSERT_TRUE((*log)->Append(bytes).ok());
  ASSERT_TRUE((*log)->Sync().ok());

  Result<Frame> a = (*log)->ReadFrame(0, true);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->body, compressible);
  EXPECT_EQ(a->header.write_seq, 7u);
  EXPECT_TRUE(a->header.continued);
  EXPECT_EQ(a->header.participants, (std::vector<int32_t>{19000, 19001}));
  EXPECT_EQ(a->header.received_at, 1700000000.25);
  EXPECT_EQ(a->size, second_offset);
  Result<Frame> b = (*log)->ReadFrame(second_offset, true);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->body, random_bytes);
  EXPECT_FALSE(b->header.continued);
  EXPECT_TRUE(b->header.participants.empty());
  EXPECT_EQ(second_offset + b->size, (*log)->size());

  // Reopening sees the same size; truncating tears the second frame.
  log->reset();
  log = SegmentLog::Open(file.path());
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->size(), bytes.size());
  ASSERT_TRUE((*log)->Truncate(bytes.size() - 1).ok());
  bool intact = true;
  Result<Frame> torn = (*log)->ReadFrame(second_offset, true, &intact);
  ASSERT_FALSE(torn.ok());
  EXPECT_EQ(torn.status().code(), StatusCode::kCorruption);
  EXPECT_FALSE(intact);
}

TEST(SegmentLogTest, ChecksumCatchesEveryFlippedByte) {
  TempFile file;
  FrameEncoder encoder(3);
  FrameHeader header;
  header.write_seq = 1;
  const std::string body = "some document text, some document text, some document text";
  header.body_size = static_cast<uint32_t>(body.size());
  std::string bytes;
  encoder.Encode(header, body, &bytes);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] ^= 0x40;
    fs::resize_file(file.path(), 0);
    Result<std::unique_ptr<SegmentLog>> log = SegmentLog::Open(file.path());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(damaged).ok());
    bool intact = true;
    Result<Frame> frame = (*log)->ReadFrame(0, true, &intact);
    EXPECT_FALSE(frame.ok()) << "flip at " << i;
    EXPECT_FALSE(intact) << "flip at " << i;
  }
}

TEST(DocumentFrameTest, TextsRoundTripWithTheirDirectory) {
  FrameBodyBuilder builder(1024);
  const std::vector<std::string> texts = {R"({"id":"1"})", std::string(70000, 'x'), "", "{}"};
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(builder.Add(texts[i]), i);
  EXPECT_EQ(builder.documents(), texts.size());
  const std::string body = builder.Take();
  EXPECT_EQ(builder.documents(), 0u);
  EXPECT_EQ(builder.size(), 0u);

  std::vector<uint32_t> offsets;
  ASSERT_TRUE(DecodeFrameDirectory(body, &offsets).ok());
  ASSERT_EQ(offsets.size(), texts.size() + 1);
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(body.substr(offsets[i], offsets[i + 1] - offsets[i]), texts[i]);
  }
  // Garbage and truncations fail cleanly.
  for (size_t n = 0; n < body.size(); n += 97) {
    EXPECT_FALSE(DecodeFrameDirectory(std::string_view(body).substr(0, n), &offsets).ok()) << n;
  }
  std::mt19937_64 random(5);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(random() % 40, '\0');
    for (char& ch : bytes) ch = static_cast<char>(random());
    (void)DecodeFrameDirectory(bytes, &offsets);  // must not crash
  }
}

TEST(DocumentFrameTest, StoredTextsAreParsedBackIntoDocuments) {
  const std::string json =
      R"({"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-5759e988-bd862e3fe1be46a994272793",)"
      R"("start_time":1.478293361271E9,"end_time":1.478293361449E9,"parent_id":"53995c3f42cd8ad8"})";
  model::SegmentDocument doc;
  ASSERT_TRUE(ParseStoredDocument(json, &doc).ok());
  EXPECT_EQ(doc.id, 0x70de5b6f19ff9a0aULL);
  EXPECT_EQ(doc.parent_id, 0x53995c3f42cd8ad8ULL);
  EXPECT_EQ(doc.trace_id.ToString(), "1-5759e988-bd862e3fe1be46a994272793");
  EXPECT_EQ(doc.start_time, 1.478293361271E9);
  EXPECT_EQ(doc.end_time, 1.478293361449E9);
  EXPECT_EQ(doc.json, json);
  EXPECT_EQ(ParseStoredDocument("{\"id\":1}", &doc).code(), StatusCode::kCorruption);
  EXPECT_EQ(ParseStoredDocument("[]", &doc).code(), StatusCode::kCorruption);
}

TEST(TraceRecordTest, RoundTripsAndRejectsGarbage) {
  TraceRecord record;
  record.revision = 12;
  record.summary = "summary-bytes";
  record.update_times_us = {1700000000000000, 1700000000000001, 1699999999000000};
  record.summary_compressed = true;
  record.refs = {{0, 5}, {0, 900}, {1u << 30, 17}, {4096, 3}};
  const std::string bytes = EncodeTraceRecord(record);
  TraceRecord back;
  ASSERT_TRUE(DecodeTraceRecord(bytes, &back).ok());
  EXPECT_EQ(back.revision, 12u);
  EXPECT_TRUE(back.summary_compressed);
  EXPECT_EQ(back.summary, record.summary);
  EXPECT_EQ(back.update_times_us, record.update_times_us);
  EXPECT_EQ(back.refs, record.refs);
  TraceRecordHead head;
  ASSERT_TRUE(DecodeTraceRecordHead(bytes, &head).ok());
  EXPECT_EQ(head.revision, 12u);
  EXPECT_TRUE(head.summary_compressed);
  EXPECT_EQ(head.summary, record.summary);
  EXPECT_EQ(head.update_times_us, record.update_times_us);
  // A reference costs a few bytes.
  EXPECT_LT(bytes.size(), 2 + record.summary.size() + 3 * 8 + 4 * 6);

  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeTraceRecord(bytes.substr(0, n), &back).ok()) << n;
  }
  EXPECT_FALSE(DecodeTraceRecord(bytes + "z", &back).ok());
}

TEST(ZstdDictionaryTest, CompressesSimilarValuesAndRejectsGarbage) {
  std::vector<std::string> samples;
  std::mt19937_64 random(11);
  auto sample = [&] {
    return "service=checkout-api;type=AWS::ECS::Container;url=https://shop.example.com/api/" +
           std::to_string(random() % 50) + ";ua=Mozilla/5.0 (X11; Linux x86_64);ip=10.0." +
           std::to_string(random() % 256) + ";tenant=t-" + std::to_string(random() % 40);
  };
  for (size_t i = 0; i < 1000; ++i) samples.push_back(sample());
  Result<std::shared_ptr<const ZstdDictionary>> dict =
      ZstdDictionary::Create(ZstdDictionary::Train(samples, 16384), 3);
  ASSERT_TRUE(dict.ok()) << dict.status().ToString();
  size_t raw_bytes = 0;
  size_t compressed_bytes = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string raw = sample();
    std::string compressed;
    ASSERT_TRUE((*dict)->Compress(raw, &compressed));
    raw_bytes += raw.size();
    compressed_bytes += compressed.size();
    std::string back;
    ASSERT_TRUE((*dict)->Decompress(compressed, &back).ok());
    EXPECT_EQ(back, raw);
  }
  EXPECT_LT(compressed_bytes * 3, raw_bytes);

  // Too few samples to train still yields a usable (raw-content) dictionary.
  Result<std::shared_ptr<const ZstdDictionary>> small =
      ZstdDictionary::Create(ZstdDictionary::Train({samples.data(), 3}, 16384), 3);
  ASSERT_TRUE(small.ok());
  std::string out;
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(random() % 64, '\0');
    for (char& ch : bytes) ch = static_cast<char>(random());
    if (!(*dict)->Decompress(bytes, &out).ok()) continue;  // must not crash
  }
  EXPECT_FALSE(ZstdDictionary::Create("", 3).ok());
}

}  // namespace
}  // namespace roentgen::storage
