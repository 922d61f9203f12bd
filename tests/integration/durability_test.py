#!/usr/bin/python3
"""tests/integration/durability_test.py — what PutTraceSegments acknowledged survives a graceful
restart and a kill -9 (ARCHITECTURE.md: "Nothing acknowledged is ever lost")."""

import time

import harness


def new_traces(count, name):
    """`count` one-segment traces from now; returns (documents, {trace id: document})."""
    now = time.time()
    documents = [harness.segment_document(harness.new_trace_id(now), name, now - 0.5, now - 0.1)
                 for _ in range(count)]
    return documents, {d["trace_id"]: d for d in documents}


class DurabilityTest(harness.ServerTestCase):
    def assert_all_returned(self, by_trace):
        traces = harness.wait_for_traces(self.xray, by_trace)
        for trace_id, document in by_trace.items():
            returned = harness.documents_of(traces[trace_id])
            self.assertEqual([(d["id"], d["name"]) for d in returned],
                             [(document["id"], document["name"])], trace_id)

    def test_graceful_restart_keeps_data(self):
        documents, by_trace = new_traces(100, "before-restart")
        harness.put_documents(self.xray, documents)
        self.assert_all_returned(by_trace)

        self.server.restart()  # SIGTERM: must exit 0 within the bound

        self.assert_all_returned(by_trace)
        now = time.time()
        listed = set()
        for page in self.xray.get_paginator("get_trace_summaries").paginate(
                StartTime=int(now) - 60, EndTime=int(now) + 1):
            listed.update(summary["Id"] for summary in page.get("TraceSummaries", []))
        self.assertEqual(sorted(set(by_trace) - listed), [], "summaries lost in the restart")

    def test_kill_9_keeps_every_acknowledged_document(self):
        documents, by_trace = new_traces(250, "before-kill")
        harness.put_documents(self.xray, documents)  # every batch acknowledged...
        self.server.kill()  # ...then SIGKILL at once: no chance to flush anything more

        self.server.start()

        self.assert_all_returned(by_trace)


if __name__ == "__main__":
    harness.main()
