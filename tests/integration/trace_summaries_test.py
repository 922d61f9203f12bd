#!/usr/bin/python3
"""tests/integration/trace_summaries_test.py — boto3 GetTraceSummaries: paging through more traces
than fit on one page, newest first, and every summary field of a known trace.

Summary semantics: shared/spec/traces-and-graphs.md §3. With the default TimeRangeType (TraceId)
a trace's time is the epoch in its id, so each scenario below uses its own window of epochs.
"""

import json
import time

import harness

MAX_PAGES = 100  # a server that keeps answering NextToken must not loop the test forever


def summary_ids(response):
    return [summary["Id"] for summary in response.get("TraceSummaries", [])]


def names(service_ids):
    return sorted(service_id["Name"] for service_id in service_ids)


class TraceSummariesTest(harness.ServerTestCase):
    TRACE_COUNT = 250

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One trace per second going back from now, so "newest first" has exactly one answer.
        cls.now = int(time.time())
        cls.paged_ids = [harness.new_trace_id(cls.now - age) for age in range(cls.TRACE_COUNT)]
        documents = [harness.segment_document(trace_id, "paged-service", cls.now - age + 0.1,
                                              cls.now - age + 0.2)
                     for age, trace_id in enumerate(cls.paged_ids)]
        harness.put_documents(harness.xray_client(cls.server), documents)
        cls.window = {"StartTime": cls.now - cls.TRACE_COUNT - 10, "EndTime": cls.now + 1}

    def page_manually(self):
        """Follows NextToken by hand; returns (ids in order, number of pages)."""
        ids, token, pages = [], None, 0
        while pages < MAX_PAGES:
            request = dict(self.window, **({"NextToken": token} if token else {}))
            response = self.xray.get_trace_summaries(**request)
            pages += 1
            ids += summary_ids(response)
            token = response.get("NextToken")
            if not token:
                return ids, pages
        self.fail(f"still answering NextToken after {MAX_PAGES} pages")

    def summary_of(self, trace_id, epoch, wanted=lambda summary: True):
        """Waits until the summary of `trace_id` is listed and satisfies `wanted`; returns it."""
        def probe():
            pages = self.xray.get_paginator("get_trace_summaries").paginate(
                StartTime=epoch, EndTime=epoch + 1)
            for summary in pages.search("TraceSummaries[]"):
                if summary["Id"] == trace_id and wanted(summary):
                    return summary
            return None
        return harness.eventually(probe, what=f"a matching summary of {trace_id}")

    def start_time_on_the_wire(self, trace_id, epoch):
        """TraceSummary.StartTime as the server sent it. Debian's botocore (1.29) predates that
        member and drops it, so this asks with a raw request."""
        response = harness.http_request(
            self.server, "POST", "/TraceSummaries",
            json.dumps({"StartTime": epoch, "EndTime": epoch + 1}).encode(),
            {"Content-Type": "application/json"})
        self.assertEqual(response.status, 200, response.body)
        [summary] = [s for s in response.json()["TraceSummaries"] if s["Id"] == trace_id]
        return summary["StartTime"]

    def test_manual_paging_returns_every_trace_once_newest_first(self):
        harness.eventually(lambda: set(self.paged_ids) <= set(self.page_manually()[0]),
                           what=f"all {self.TRACE_COUNT} traces listed")
        ids, pages = self.page_manually()

        self.assertGreater(pages, 1, "expected more than one page for this many traces")
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        self.assertEqual(duplicates, [], "traces listed twice")
        self.assertEqual(sorted(set(self.paged_ids) - set(ids)), [], "traces never listed")
        self.assertEqual(ids, self.paged_ids, "not newest first")

    def test_botocore_paginator_returns_every_trace_once(self):
        harness.eventually(lambda: set(self.paged_ids) <= set(self.page_manually()[0]),
                           what=f"all {self.TRACE_COUNT} traces listed")
        pages = list(self.xray.get_paginator("get_trace_summaries").paginate(**self.window))

        ids = [i for page in pages for i in summary_ids(page)]
        self.assertGreater(len(pages), 1)
        self.assertEqual(len(ids), len(set(ids)), "traces listed twice")
        self.assertEqual(ids, self.paged_ids)

    def test_summary_fields_of_a_known_trace(self):
        # Frontend (the root, an EC2 service) calls backend; backend runs past the root's end and
        # throttles in a subsegment. Times are relative to t0.
        epoch = self.now - 2000
        t0 = epoch + 0.25
        trace_id = harness.new_trace_id(epoch)
        call = {"id": harness.new_entity_id(), "name": "call-backend",
                "start_time": t0 + 0.2, "end_time": t0 + 0.9}
        frontend = harness.segment_document(
            trace_id, "svc-frontend", t0, t0 + 1.0, origin="AWS::EC2::Instance", error=True,
            user="alice", annotations={"customer": "c-123", "items": 3, "vip": True},
            http={"request": {"method": "POST", "url": "https://shop.example/checkout",
                              "user_agent": "curl/8.0", "client_ip": "10.1.2.3"},
                  "response": {"status": 404}},
            subsegments=[call])
        backend = harness.segment_document(
            trace_id, "svc-backend", t0 + 0.3, t0 + 1.5, parent_id=call["id"], fault=True,
            user="bob", annotations={"customer": "c-123"},
            subsegments=[{"id": harness.new_entity_id(), "name": "db", "start_time": t0 + 0.4,
                          "end_time": t0 + 0.5, "throttle": True, "error": True}])
        harness.put_documents(self.xray, [frontend, backend])

        summary = self.summary_of(trace_id, epoch,
                                  lambda s: names(s.get("ServiceIds", [])) == ["svc-backend",
                                                                                "svc-frontend"])

        self.assertAlmostEqual(self.start_time_on_the_wire(trace_id, epoch), t0, delta=1e-3)
        self.assertAlmostEqual(summary["Duration"], 1.5, delta=1e-3)  # to backend's end
        self.assertAlmostEqual(summary["ResponseTime"], 1.0, delta=1e-3)  # the root's own
        self.assertIs(summary["HasFault"], False)  # the root's flag; backend's fault is not it
        self.assertIs(summary["HasError"], True)
        self.assertIs(summary["HasThrottle"], True)  # any (sub)segment's
        self.assertIs(summary["IsPartial"], False)
        self.assertEqual(summary["Http"], {"HttpURL": "https://shop.example/checkout",
                                           "HttpStatus": 404, "HttpMethod": "POST",
                                           "UserAgent": "curl/8.0", "ClientIp": "10.1.2.3"})

        annotations = summary["Annotations"]
        self.assertEqual(sorted(annotations), ["customer", "items", "vip"])
        [customer] = annotations["customer"]
        self.assertEqual(customer["AnnotationValue"], {"StringValue": "c-123"})
        self.assertEqual(names(customer["ServiceIds"]), ["svc-backend", "svc-frontend"])
        [items] = annotations["items"]
        self.assertEqual(items["AnnotationValue"], {"NumberValue": 3.0})
        self.assertEqual(names(items["ServiceIds"]), ["svc-frontend"])
        [vip] = annotations["vip"]
        self.assertEqual(vip["AnnotationValue"], {"BooleanValue": True})

        users = {user["UserName"]: names(user["ServiceIds"]) for user in summary["Users"]}
        self.assertEqual(users, {"alice": ["svc-frontend"], "bob": ["svc-backend"]})
        self.assertEqual(summary["EntryPoint"]["Name"], "svc-frontend")
        self.assertEqual(summary["EntryPoint"]["Type"], "AWS::EC2::Instance")
        self.assertIsInstance(summary["Revision"], int)
        self.assertGreaterEqual(summary["Revision"], 1)

    def test_in_progress_trace_is_partial_without_response_time(self):
        epoch = self.now - 2100
        trace_id = harness.new_trace_id(epoch)
        harness.put_documents(self.xray,
                              [harness.segment_document(trace_id, "svc-slow", epoch + 0.5)])

        summary = self.summary_of(trace_id, epoch)

        self.assertIs(summary["IsPartial"], True)
        self.assertNotIn("ResponseTime", summary)
        self.assertAlmostEqual(self.start_time_on_the_wire(trace_id, epoch), epoch + 0.5,
                               delta=1e-3)

    def test_revision_grows_when_a_trace_changes(self):
        epoch = self.now - 2200
        trace_id = harness.new_trace_id(epoch)
        root = harness.segment_document(trace_id, "svc-root", epoch + 0.1, epoch + 0.5)
        harness.put_documents(self.xray, [root])
        first = self.summary_of(trace_id, epoch)["Revision"]

        late = harness.segment_document(trace_id, "svc-late", epoch + 0.2, epoch + 0.9,
                                        parent_id=root["id"])
        harness.put_documents(self.xray, [late])
        second = self.summary_of(trace_id, epoch, lambda s: s["Revision"] > first)

        self.assertAlmostEqual(second["Duration"], 0.8, delta=1e-3)


if __name__ == "__main__":
    harness.main()
