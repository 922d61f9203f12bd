#!/usr/bin/python3
"""tests/integration/filter_expressions_test.py — `aws xray get-trace-summaries
--filter-expression` against the golden traces and cases of tests/data/filter/ (see its README.md).

The golden traces are sent through PutTraceSegments (boto3, in bulk) with their trace ids' epoch
and every start/end time moved to a recent epoch; then a representative subset of the golden
cases (at least one per .cases file, two of them errors) is run through the real AWS CLI, and the
returned trace ids, mapped back to the golden names, must be exactly the expected set. Every case
of every file runs in C++ in tests/filter_golden_test.cc; this test checks that the server wires
the same language end to end: the request parameter, the stored summaries, the error shape.
"""

import collections
import copy
import json
import subprocess
import time

import harness

DATA_DIR = harness.REPO_ROOT / "tests/data/filter"

# The cases run through the server, by their exact expression text in the .cases files (so the
# expected sets are never duplicated here). Chosen to avoid boundary comparisons on durations,
# which the epoch shift perturbs by ~1e-7 s.
SELECTED = [
    # keywords.cases
    "ok",
    "throttle",
    "responsetime < 0.2 AND duration > 5",
    "http.status >= 500 AND http.status != 504",
    'http.url CONTAINS "/checkout/"',
    'user != "u-1"',
    "!availabilityzone",
    "duration >= 1.5 AND duration < 4",
    # services.cases
    "service() { fault }",
    'service("payments") { fault }',
    'service(id(name: "resize", type: "AWS::Lambda::Function")) { error }',
    'service(id(type: "AWS::DynamoDB::Table"))',
    'service("resize") { error AND http.status = 200 }',
    'service(id(account.id: "444455556666"))',
    # edges.cases
    'edge("frontend", "payments") { fault }',
    'edge(id(name: "frontend", type: "AWS::ECS::Container"), id(name: "orders", '
    'type: "AWS::DynamoDB::Table")) { responsetime > 0.5 }',
    '!edge("frontend", "cache")',
    'edge("web", "carts") { ok }',
    # rootcause.cases
    'rootcause.fault.service { last AND type = "Database::SQL" }',
    'rootcause.fault.service { name = "payments" }',
    'rootcause.error.exception { name = "ProvisionedThroughputExceededException" }',
    'rootcause.responsetime.entity { name = "scan" AND coverage > 0.8 }',
    'rootcause.json = #[{ "Services": [ { "Name": "web", "EntityPath": [ { "Name": "web" }, '
    '{ "Name": "inventory" } ] }, { "Name": "inventory" }, { "Name": "postgres" } ] }]',
    # annotations.cases
    "annotation.retries = 1 AND annotation.retries = 5",
    'annotation[aws.local.operation] = "GET /orders"',
    'annotation.tenant != "acme"',
    "annotation.audit_batch >= 17",
    # syntax.cases
    "fault OR error throttle",
    "Fault and HTTP.STATUS = 500",
    '(service(id(name: "web"))) AND (annotation[tenant] = "acme")',
    # errors.cases
    'duration CONTAINS "1"',
    'service("web") { annotation.tenant = "acme" }',
    "(fault OR error",
]

Case = collections.namedtuple("Case", "file line expression matches exclude errors")


def parse_cases(path):
    """The cases of one .cases file (format: tests/data/filter/README.md)."""
    cases, current = [], None

    def finish():
        nonlocal current
        if current is not None:
            if (current["matches"] is None) == (not current["errors"]):
                raise ValueError(f"{path.name}:{current['line']}: needs matches:/except: or error:")
            cases.append(Case(**current))
            current = None

    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            finish()
            continue
        if line.startswith("#"):
            continue
        key, _, value = line.partition(":")
        value = value.strip()
        if key == "group":
            continue
        if key == "expression":
            finish()
            current = {"file": path.stem, "line": number, "expression": value, "matches": None,
                       "exclude": False, "errors": []}
        elif key in ("matches", "except"):
            current["matches"] = [name.strip() for name in value.split(",") if name.strip()]
            current["exclude"] = key == "except"
        elif key == "error":
            current["errors"].append(value)
        else:
            raise ValueError(f"{path.name}:{number}: unknown key {key!r}")
    finish()
    return cases


def contains_text(text, needle):
    """`needle` in `text`; "position 1" must not match "position 12"."""
    start = text.find(needle)
    while start >= 0:
        after = start + len(needle)
        if not (needle[-1:].isdigit() and after < len(text) and text[after].isdigit()):
            return True
        start = text.find(needle, start + 1)
    return False


def shifted(documents, trace_id, epoch):
    """Copies of `documents` in trace `trace_id` with `epoch` added to every time."""
    def shift(entity):
        for field in ("start_time", "end_time"):
            if field in entity:
                entity[field] += epoch
        for subsegment in entity.get("subsegments", []):
            shift(subsegment)

    out = []
    for document in copy.deepcopy(documents):
        document["trace_id"] = trace_id
        shift(document)
        out.append(document)
    return out


class FilterExpressionsTest(harness.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.load_golden_traces()
        except BaseException:
            cls._failed = True
            cls.tearDownClass()
            raise

    @classmethod
    def load_golden_traces(cls):
        cls.cases = {}
        for path in sorted(DATA_DIR.glob("*.cases")):
            for case in parse_cases(path):
                cls.cases.setdefault(case.expression, case)

        golden = json.loads((DATA_DIR / "traces.json").read_text())
        cls.epoch = int(time.time()) - 60
        cls.names_by_id = {}
        documents = []
        for name, trace_documents in golden.items():
            random_part = trace_documents[0]["trace_id"].split("-")[2]
            trace_id = "1-%08x-%s" % (cls.epoch, random_part)
            cls.names_by_id[trace_id] = name
            documents += shifted(trace_documents, trace_id, cls.epoch)
        harness.put_documents(harness.xray_client(cls.server), documents)

        # Wait until every trace is listed; summaries are written with the documents.
        client = harness.xray_client(cls.server)

        def all_listed():
            pages = client.get_paginator("get_trace_summaries").paginate(**cls.window())
            listed = {summary["Id"] for summary in pages.search("TraceSummaries[]")}
            return listed >= cls.names_by_id.keys()

        harness.eventually(all_listed, what=f"all {len(cls.names_by_id)} golden traces listed")

    @classmethod
    def window(cls):
        return {"StartTime": cls.epoch - 5, "EndTime": cls.epoch + 5}

    def get_trace_summaries(self, expression):
        """Runs the AWS CLI; returns the CompletedProcess (the caller checks the outcome)."""
        window = self.window()
        command = [harness.AWS_CLI, "--endpoint-url", self.server.http_url, "--output", "json",
                   "--cli-connect-timeout", "5",
                   "--cli-read-timeout", str(int(harness.CLIENT_TIMEOUT)),
                   "xray", "get-trace-summaries",
                   "--start-time", str(window["StartTime"]), "--end-time", str(window["EndTime"]),
                   "--filter-expression", expression]
        return subprocess.run(command, env=harness.client_environment(), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=2 * harness.CLIENT_TIMEOUT)

    def expected_names(self, case):
        listed = set(case.matches)
        unknown = listed - set(self.names_by_id.values())
        self.assertFalse(unknown, f"unknown trace names in {case.file}.cases:{case.line}")
        return set(self.names_by_id.values()) - listed if case.exclude else listed

    def test_selection_covers_every_cases_file(self):
        missing = [expression for expression in SELECTED if expression not in self.cases]
        self.assertEqual(missing, [], "selected expressions not found in the .cases files")
        files = {path.stem for path in DATA_DIR.glob("*.cases")} - {"groups"}
        covered = {self.cases[e].file for e in SELECTED if e in self.cases}
        self.assertEqual(files - covered, set(), "cases files without a selected case")
        errors = [e for e in SELECTED if e in self.cases and self.cases[e].errors]
        self.assertGreaterEqual(len(errors), 2)

    def test_selected_cases_through_the_cli(self):
        for expression in SELECTED:
            case = self.cases.get(expression)
            if case is None:
                continue  # reported by test_selection_covers_every_cases_file
            with self.subTest(case=f"{case.file}.cases:{case.line}", expression=expression):
                result = self.get_trace_summaries(expression)
                if case.errors:
                    self.assertNotEqual(result.returncode, 0,
                                        f"expected an error, got:\n{result.stdout}")
                    self.assertIn("InvalidRequestException", result.stderr)
                    for needle in case.errors:
                        self.assertTrue(contains_text(result.stderr, needle),
                                        f"{needle!r} not in the error:\n{result.stderr}")
                    continue
                self.assertEqual(result.returncode, 0, result.stderr)
                output = json.loads(result.stdout)
                ids = [summary["Id"] for summary in output.get("TraceSummaries", [])]
                self.assertEqual(len(ids), len(set(ids)), "a trace listed twice")
                strangers = [i for i in ids if i not in self.names_by_id]
                self.assertEqual(strangers, [], "ids that are no golden trace")
                actual = {self.names_by_id[i] for i in ids}
                expected = self.expected_names(case)
                self.assertEqual(actual, expected,
                                 f"\n  expression: {expression}"
                                 f"\n  missing:    {sorted(expected - actual)}"
                                 f"\n  unexpected: {sorted(actual - expected)}")


if __name__ == "__main__":
    harness.main()
