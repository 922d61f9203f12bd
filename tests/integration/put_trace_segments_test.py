#!/usr/bin/python3
"""tests/integration/put_trace_segments_test.py — `aws xray put-trace-segments` with a good and a
bad document, modeled on shared/samples/http/aws-cli-2.9.19/01-PutTraceSegments.json."""

import json
import time

import harness


class PutTraceSegmentsCliTest(harness.ServerTestCase):
    def test_invalid_document_is_reported_by_id_and_the_valid_one_is_stored(self):
        now = time.time()
        good = harness.segment_document(harness.new_trace_id(now), "sample-cli", now - 0.3, now,
                                        annotations={"via": "cli"})
        # Only the trace id is wrong, so InvalidTraceId is the one right answer.
        bad = harness.segment_document("1-zzzz-not-a-trace-id", "sample-cli-bad", now - 0.3, now)

        output = harness.aws_cli(self.server, "xray", "put-trace-segments",
                                 "--trace-segment-documents", json.dumps(good), json.dumps(bad))

        unprocessed = output["UnprocessedTraceSegments"]
        self.assertEqual(len(unprocessed), 1, unprocessed)
        self.assertEqual(unprocessed[0]["Id"], bad["id"])
        self.assertEqual(unprocessed[0]["ErrorCode"], "InvalidTraceId")

        harness.wait_for_traces(self.xray, [good["trace_id"]])
        output = harness.aws_cli(self.server, "xray", "batch-get-traces",
                                 "--trace-ids", good["trace_id"])
        [trace] = output["Traces"]
        [document] = harness.documents_of(trace)
        self.assertEqual(document["id"], good["id"])
        self.assertEqual(document["name"], "sample-cli")
        self.assertEqual(document["annotations"], {"via": "cli"})
        self.assertAlmostEqual(document["start_time"], good["start_time"], places=3)
        self.assertAlmostEqual(document["end_time"], good["end_time"], places=3)


if __name__ == "__main__":
    harness.main()
