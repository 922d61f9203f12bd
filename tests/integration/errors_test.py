#!/usr/bin/python3
"""tests/integration/errors_test.py — bad requests get X-Ray's error shapes (api.md §1.3), and
nothing a client sends takes the server down."""

import socket
import time

import harness  # first: it checks that Debian's clients are the ones imported
from botocore.exceptions import ClientError


class ErrorsTest(harness.ServerTestCase):
    def assert_invalid_request(self, call, **arguments):
        with self.assertRaises(ClientError) as raised:
            call(**arguments)
        error = raised.exception.response
        self.assertEqual(error["Error"]["Code"], "InvalidRequestException", error)
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 400, error)

    def assert_server_alive(self):
        self.assertTrue(self.server.running(), "the server exited")
        harness.get_stats(self.server)

    def test_unparseable_filter_expression(self):
        now = int(time.time())
        self.assert_invalid_request(self.xray.get_trace_summaries, StartTime=now - 60,
                                    EndTime=now, FilterExpression='service("unterminated')

    def test_get_trace_summaries_without_start_time(self):
        unvalidated = harness.xray_client(self.server, validate=False)
        self.assert_invalid_request(unvalidated.get_trace_summaries, EndTime=int(time.time()))

    def test_get_trace_summaries_with_start_after_end(self):
        now = int(time.time())
        self.assert_invalid_request(self.xray.get_trace_summaries, StartTime=now, EndTime=now - 60)

    def test_put_trace_segments_without_documents(self):
        unvalidated = harness.xray_client(self.server, validate=False)
        self.assert_invalid_request(unvalidated.put_trace_segments)

    def test_malformed_request_body(self):
        response = harness.http_request(self.server, "POST", "/TraceSummaries", b'{"StartTime": ',
                                        {"Content-Type": "application/json"})
        self.assertEqual(response.status, 400)
        self.assertEqual(response.headers.get("x-amzn-errortype", "").split(":")[0],
                         "InvalidRequestException")
        self.assert_server_alive()

    def test_unknown_path_is_an_error_not_a_crash(self):
        response = harness.http_request(self.server, "POST", "/NoSuchOperation", b"{}",
                                        {"Content-Type": "application/json"})
        self.assertGreaterEqual(response.status, 400)
        self.assertLess(response.status, 500)
        self.assert_server_alive()

    def test_garbage_instead_of_http(self):
        with socket.create_connection(("127.0.0.1", self.server.http_port), timeout=5) as sock:
            sock.sendall(b"\x00\xff\xfe not http at all\r\n\r\n")
            sock.shutdown(socket.SHUT_WR)
            try:
                while sock.recv(4096):  # whatever the server answers, until it closes
                    pass
            except (ConnectionResetError, socket.timeout):
                pass
        self.assert_server_alive()


if __name__ == "__main__":
    harness.main()
