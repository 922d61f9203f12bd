#!/usr/bin/python3
"""tests/integration/xray_sdk_test.py — the X-Ray SDK for Python sends over UDP; the AWS CLI and
boto3 read the traces back.

Debian 12 ships aws-xray-sdk 0.95: the recorder is configured with daemon_address / sampling /
context_missing, and has no public streaming_threshold (see configure_streaming below).
"""

import inspect
import json

import harness


def new_recorder(server, emitter=None):
    """A fresh recorder (not the SDK's global one) sending every segment to `server`."""
    from aws_xray_sdk.core.recorder import AWSXRayRecorder
    recorder = AWSXRayRecorder()
    recorder.configure(daemon_address=server.udp_address, sampling=False,
                       context_missing="LOG_ERROR", emitter=emitter)
    return recorder


def configure_streaming(recorder, threshold):
    """Streams completed subsegments once a segment holds more than `threshold` of them."""
    if "streaming_threshold" in inspect.signature(recorder.configure).parameters:
        recorder.configure(streaming_threshold=threshold)  # aws-xray-sdk >= 1.0
    else:
        recorder._max_subsegments = threshold  # 0.95 reads only this attribute (default 30)


def recording_emitter(server):
    """The SDK's own UDP emitter, also keeping a copy of every document it sends."""
    from aws_xray_sdk.core.emitters.udp_emitter import UDPEmitter

    class RecordingEmitter(UDPEmitter):
        def __init__(self):
            super().__init__(daemon_address=server.udp_address)
            self.sent = []

        def send_entity(self, entity):
            self.sent.append(json.loads(entity.serialize()))
            super().send_entity(entity)

    return RecordingEmitter()


class XRaySdkTest(harness.ServerTestCase):
    def read_trace_with_cli(self, trace_id):
        """Waits (boto3) until the trace is readable, then fetches it with the AWS CLI."""
        harness.wait_for_traces(self.xray, [trace_id])
        output = harness.aws_cli(self.server, "xray", "batch-get-traces", "--trace-ids", trace_id)
        self.assertEqual(output.get("UnprocessedTraceIds", []), [])
        self.assertEqual([trace["Id"] for trace in output["Traces"]], [trace_id])
        return output["Traces"][0]

    def test_segment_with_subsegments_annotations_metadata_http_and_exception(self):
        recorder = new_recorder(self.server)

        @recorder.capture("charge-card")
        def charge_card():
            raise RuntimeError("card declined")

        trace_id = harness.new_trace_id()
        segment = recorder.begin_segment("sdk-checkout", traceid=trace_id)
        segment.put_http_meta("method", "POST")
        segment.put_http_meta("url", "https://shop.example/checkout")
        segment.put_http_meta("user_agent", "curl/8.0")
        segment.put_http_meta("client_ip", "10.1.2.3")
        segment.put_http_meta("status", 502)
        segment.put_annotation("customer", "c-123")
        segment.put_annotation("items", 3)
        segment.put_annotation("vip", True)
        segment.put_metadata("order", {"id": "o-1", "lines": [1, 2]})
        segment.put_metadata("debug", "x", "my-namespace")
        segment.set_user("alice")

        price = recorder.begin_subsegment("compute-price")
        price.put_annotation("step", "price")
        recorder.begin_subsegment("db-lookup")
        recorder.end_subsegment()
        recorder.end_subsegment()
        with self.assertRaises(RuntimeError):
            charge_card()
        recorder.end_segment()

        trace = self.read_trace_with_cli(trace_id)
        documents = {d["id"]: d for d in harness.documents_of(trace)}
        self.assertIn(segment.id, documents)
        document = documents[segment.id]

        self.assertEqual(document["name"], "sdk-checkout")
        self.assertEqual(document["trace_id"], trace_id)
        self.assertEqual(document["annotations"], {"customer": "c-123", "items": 3, "vip": True})
        self.assertEqual(document["metadata"],
                         {"default": {"order": {"id": "o-1", "lines": [1, 2]}},
                          "my-namespace": {"debug": "x"}})
        self.assertEqual(document["http"]["request"]["method"], "POST")
        self.assertEqual(document["http"]["request"]["url"], "https://shop.example/checkout")
        self.assertEqual(document["http"]["request"]["client_ip"], "10.1.2.3")
        self.assertEqual(document["http"]["response"]["status"], 502)
        self.assertEqual(document["user"], "alice")
        self.assertIs(document.get("fault"), True)

        self.assertEqual(harness.subsegment_names(document), ["compute-price", "charge-card"])
        price_document, card_document = document["subsegments"]
        self.assertEqual(harness.subsegment_names(price_document), ["db-lookup"])
        self.assertEqual(price_document["annotations"], {"step": "price"})
        exception = card_document["cause"]["exceptions"][0]
        self.assertEqual(exception["message"], "card declined")
        self.assertEqual(exception["type"], "RuntimeError")
        self.assertIs(card_document.get("fault"), True)

    def test_streamed_subsegments_are_merged_into_their_segment(self):
        emitter = recording_emitter(self.server)
        recorder = new_recorder(self.server, emitter)
        configure_streaming(recorder, 1)

        trace_id = harness.new_trace_id()
        segment = recorder.begin_segment("sdk-streamed", traceid=trace_id)
        for name in ("stream-a", "stream-b", "stream-c"):
            recorder.begin_subsegment(name)
            recorder.end_subsegment()
        recorder.begin_subsegment("stream-outer")
        recorder.begin_subsegment("stream-inner")
        recorder.end_subsegment()
        recorder.end_subsegment()
        recorder.end_segment()

        # The premise: the SDK really sent some subsegments on their own.
        streamed = [d["name"] for d in emitter.sent if d.get("type") == "subsegment"]
        self.assertTrue(streamed, f"the SDK streamed nothing: {emitter.sent}")
        self.assertEqual(emitter.sent[-1]["id"], segment.id)

        trace = self.read_trace_with_cli(trace_id)
        documents = harness.documents_of(trace)
        self.assertEqual([d["id"] for d in documents], [segment.id],
                         "streamed subsegments must not come back as documents of their own")
        self.assertCountEqual(harness.subsegment_names(documents[0]),
                              ["stream-a", "stream-b", "stream-c", "stream-outer"])
        outer = next(s for s in documents[0]["subsegments"] if s["name"] == "stream-outer")
        self.assertEqual(harness.subsegment_names(outer), ["stream-inner"])


if __name__ == "__main__":
    harness.main()
