#!/usr/bin/python3
"""tests/integration/udp_intake_test.py — raw UDP datagrams, good and bad, and what
GET /roentgen/stats counts for each. Datagram format: shared/spec/daemon-protocol.md §2."""

import json
import time

import harness

COMPACT_HEADER = b'{"format":"json","version":1}\n'  # Python 2.x SDKs, Node
SPACED_HEADER = b'{"format": "json", "version": 1}\n'  # Python 0.95 SDK, Go, Java

# Keys GET /roentgen/stats must have (it may have more).
STATS_SHAPE = {
    "ingest": {"udp_datagrams", "accepted_documents", "http_documents", "rejected"},
    "rejected": {"bad_header", "bad_json", "invalid_document", "too_large", "queue_full"},
    "store": {"documents", "traces", "bytes_on_disk", "partitions"},
}


def counters(stats):
    """The stats flattened to {"ingest.udp_datagrams": n, "ingest.rejected.bad_json": n, ...}."""
    flat = {}
    for key, value in stats.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in counters(value).items()})
        else:
            flat[key] = value
    return flat


def document(name):
    now = time.time()
    return harness.segment_document(harness.new_trace_id(now), name, now - 0.2, now)


class UdpIntakeTest(harness.ServerTestCase):
    def wait_for_counters(self, before, expected_increase):
        """Waits until each counter named in `expected_increase` has grown by exactly that much."""
        def increase():
            after = counters(harness.get_stats(self.server))
            return {key: after[key] - before[key] for key in expected_increase}

        try:
            harness.eventually(lambda: increase() == expected_increase,
                               what="the expected counts")
        except AssertionError:
            self.assertEqual(increase(), expected_increase)  # shows which counter is off

    def test_stats_shape(self):
        stats = harness.get_stats(self.server)
        self.assertLessEqual({"ingest", "store"}, set(stats))
        self.assertLessEqual(STATS_SHAPE["ingest"], set(stats["ingest"]))
        self.assertLessEqual(STATS_SHAPE["rejected"], set(stats["ingest"]["rejected"]))
        self.assertLessEqual(STATS_SHAPE["store"], set(stats["store"]))
        for key, value in counters(stats).items():
            self.assertIsInstance(value, int, key)
            self.assertGreaterEqual(value, 0, key)

    def test_datagrams_are_counted_and_good_ones_stored(self):
        compact, spaced, pretty = (document(f"udp-{kind}") for kind in ("compact", "spaced",
                                                                          "pretty"))
        invalid = dict(document("udp-invalid"), trace_id="1-zzzz-not-a-trace-id")
        datagrams = [
            COMPACT_HEADER + json.dumps(compact, separators=(",", ":")).encode(),
            SPACED_HEADER + json.dumps(spaced).encode(),
            SPACED_HEADER + json.dumps(pretty, indent=2).encode(),  # only the 1st \n is special
            b'{"format": "json", "version": 2}\n' + json.dumps(document("udp-v2")).encode(),
            COMPACT_HEADER + b'{"name": "udp-bad-json", "id": ',
            COMPACT_HEADER + json.dumps(invalid).encode(),
        ]
        before = counters(harness.get_stats(self.server))

        for datagram in datagrams:
            harness.send_datagram(self.server, datagram)

        self.wait_for_counters(before, {
            "ingest.udp_datagrams": 6,
            "ingest.accepted_documents": 3,
            "ingest.http_documents": 0,
            "ingest.rejected.bad_header": 1,
            "ingest.rejected.bad_json": 1,
            "ingest.rejected.invalid_document": 1,
            "ingest.rejected.too_large": 0,
            "ingest.rejected.queue_full": 0,
        })
        good = [compact, spaced, pretty]
        traces = harness.wait_for_traces(self.xray, [d["trace_id"] for d in good])
        for sent in good:
            [stored] = harness.documents_of(traces[sent["trace_id"]])
            self.assertEqual((stored["id"], stored["name"]), (sent["id"], sent["name"]))

        store = counters(harness.get_stats(self.server))
        self.assertGreaterEqual(store["store.documents"] - before["store.documents"], 3)
        self.assertGreaterEqual(store["store.traces"] - before["store.traces"], 3)
        self.assertGreater(store["store.bytes_on_disk"], 0)
        self.assertGreaterEqual(store["store.partitions"], 1)

    def test_put_trace_segments_is_counted_as_http(self):
        before = counters(harness.get_stats(self.server))
        harness.put_documents(self.xray, [document("http-1"), document("http-2")])
        self.wait_for_counters(before, {"ingest.http_documents": 2,
                                        "ingest.accepted_documents": 2,
                                        "ingest.udp_datagrams": 0})


if __name__ == "__main__":
    harness.main()
