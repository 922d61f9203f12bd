"""tests/integration/harness.py — runs the real `roentgen serve`; talks to it with real clients.

The integration tests drive the server binary exactly as users do: the AWS CLI (/usr/bin/aws),
boto3 and the X-Ray SDK for Python from Debian's packages, and raw UDP datagrams and HTTP requests
for what no client sends. Everything listens on 127.0.0.1 with ports the server picks itself.

    ServerTestCase   one server per test class, on a fresh data directory; stopped with SIGTERM
                     (and required to exit 0) when the class is done
    Server           start / stop / kill -9 / restart one server process
    xray_client()    a boto3 X-Ray client for a server;  aws_cli(): the AWS CLI, JSON out

Run one file by hand with Debian's python (never pyenv's):
    ROENTGEN_BIN=build/debug/apps/roentgen /usr/bin/python3 tests/integration/udp_intake_test.py -v
Set ROENTGEN_KEEP_TMP=1 to keep every test's data directory and server log.
"""

import atexit
import ctypes
import functools
import http.client
import importlib
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import warnings

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]

# The clients, installed by scripts/install-deps.sh. PATH may hold a pyenv `python3` and `aws`;
# those are never used.
AWS_CLI = "/usr/bin/aws"
DEBIAN_PYTHON = "/usr/bin/python3"
DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages/"
PYTHON_CLIENTS = {"boto3": "python3-boto3", "botocore": "python3-botocore",
                  "aws_xray_sdk": "python3-aws-xray-sdk"}

# Bounds on everything that waits.
STARTUP_TIMEOUT = 20.0     # from exec to the "roentgen serving:" line
SHUTDOWN_TIMEOUT = 10.0    # from SIGTERM to exit
VISIBILITY_TIMEOUT = 5.0   # from an accepted document to it being readable
CLIENT_TIMEOUT = 30.0      # one client call

# The documented example credentials (shared/samples/README.md); the server on loopback needs none.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "AWS_DEFAULT_REGION": "us-east-1",
}

SERVING_LINE = re.compile(r"roentgen serving: udp=(?P<udp_host>[\d.]+):(?P<udp_port>\d+) "
                          r"http=(?P<http_host>[\d.]+):(?P<http_port>\d+) "
                          r"data_dir=(?P<data_dir>\S+)")


class ServerError(Exception):
    """The server did not start, stop or exit the way it must."""


# --- Environment ----------------------------------------------------------------------------------

def check_clients():
    """Fails with one clear message naming every client that is missing or not Debian's."""
    problems = []
    if not os.access(AWS_CLI, os.X_OK):
        problems.append(f"{AWS_CLI} is missing: install Debian's awscli (scripts/install-deps.sh)")
    for module_name, package in PYTHON_CLIENTS.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            problems.append(f"cannot import {module_name} ({error}): install Debian's {package} "
                            f"and run the tests with {DEBIAN_PYTHON}")
            continue
        if not module.__file__.startswith(DEBIAN_DIST_PACKAGES):
            problems.append(f"{module_name} comes from {module.__file__}, not Debian's {package}: "
                            f"run the tests with {DEBIAN_PYTHON} (now {sys.executable})")
    if problems:
        raise RuntimeError("integration test clients are not set up:\n  " + "\n  ".join(problems))


@functools.cache
def client_environment():
    """Isolates every AWS client in this process and its children from the machine's settings.

    Drops inherited AWS_* and PYTHON* variables and proxies, points the config and credentials
    files at empty temporary files and sets the example credentials. Applied to os.environ (boto3
    and the X-Ray SDK read it) and returned for subprocesses.
    """
    config_dir = tempfile.mkdtemp(prefix="roentgen-aws-config-")
    atexit.register(shutil.rmtree, config_dir, ignore_errors=True)
    for name in ("config", "credentials"):
        pathlib.Path(config_dir, name).touch()

    for name in list(os.environ):
        if name.startswith(("AWS_", "PYTHON")) or name.lower().endswith("_proxy"):
            del os.environ[name]
    os.environ.update(CREDENTIALS)
    os.environ.update({
        "AWS_CONFIG_FILE": os.path.join(config_dir, "config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(config_dir, "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return dict(os.environ)


def server_binary():
    """The server under test: $ROENTGEN_BIN (set by CTest), else the debug build's."""
    path = os.environ.get("ROENTGEN_BIN") or str(REPO_ROOT / "build/debug/apps/roentgen")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"server binary {path} is missing: build it (make test) or set "
                           "ROENTGEN_BIN")
    return path


# On import: isolate the environment before any client reads it, and name a missing client before
# anything else can fail less clearly.
client_environment()
check_clients()


# --- Ids and documents ----------------------------------------------------------------------------

def new_trace_id(epoch=None):
    """A fresh X-Ray trace id whose time part is `epoch` (default: now)."""
    epoch = time.time() if epoch is None else epoch
    return "1-%08x-%s" % (int(epoch), os.urandom(12).hex())


def new_entity_id():
    return os.urandom(8).hex()


def segment_document(trace_id, name, start_time, end_time=None, **fields):
    """A segment document as a dict; without `end_time` it is in progress."""
    document = {"name": name, "id": new_entity_id(), "trace_id": trace_id,
                "start_time": start_time}
    if end_time is None:
        document["in_progress"] = True
    else:
        document["end_time"] = end_time
    document.update(fields)
    return document


def documents_of(trace):
    """The parsed segment documents of one BatchGetTraces `Trace`."""
    return [json.loads(segment["Document"]) for segment in trace["Segments"]]


def subsegment_names(document):
    """Names of the direct subsegments of a document, in order."""
    return [subsegment["name"] for subsegment in document.get("subsegments", [])]


def chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


# --- Waiting --------------------------------------------------------------------------------------

def eventually(probe, *, timeout=VISIBILITY_TIMEOUT, interval=0.1, what="the condition"):
    """Calls `probe` until it returns something truthy and returns that; fails after `timeout`.

    Exceptions from `probe` propagate: only "not yet" is retried, never an error.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} did not hold within {timeout:g} s (last: {value!r})")
        time.sleep(interval)


# --- The server -----------------------------------------------------------------------------------

_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In the child before exec: get SIGKILL if the test process dies, so no server outlives it."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Server:
    """One `roentgen serve` process on loopback, with ports of its choosing and its own data dir.

    Stdout and stderr go to `log_path` (appended across restarts). Not thread-safe.
    """

    def __init__(self, binary, data_dir, log_path):
        self.binary = binary
        self.data_dir = str(data_dir)
        self.log_path = pathlib.Path(log_path)
        self.process = None
        self.udp_port = None
        self.http_port = None

    @property
    def http_url(self):
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def udp_address(self):
        return f"127.0.0.1:{self.udp_port}"

    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self):
        """Starts the server and waits for it to say where it listens."""
        assert not self.running(), "server already running"
        self.log_path.touch()
        log_offset = self.log_path.stat().st_size
        command = [self.binary, "serve", "--udp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                   "--data-dir", self.data_dir]
        with self.log_path.open("ab") as log:
            log.write(f"\n=== {' '.join(command)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)

        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            match = SERVING_LINE.search(self._log_since(log_offset))
            if match:
                break
            if self.process.poll() is not None:
                raise ServerError(f"server exited with {self.process.returncode} before serving"
                                  f"\n{self.log_tail()}")
            if time.monotonic() >= deadline:
                self.kill()
                raise ServerError(f"no 'roentgen serving:' line within {STARTUP_TIMEOUT:g} s"
                                  f"\n{self.log_tail()}")
            time.sleep(0.05)

        self.udp_port = int(match["udp_port"])
        self.http_port = int(match["http_port"])
        if match["udp_host"] != "127.0.0.1" or match["http_host"] != "127.0.0.1":
            raise ServerError(f"server is not listening on loopback only: {match[0]}")
        if os.path.realpath(match["data_dir"]) != os.path.realpath(self.data_dir):
            raise ServerError(f"server uses data dir {match['data_dir']}, not {self.data_dir}")

    def stop(self):
        """SIGTERM; the server must exit 0 within SHUTDOWN_TIMEOUT (else it gets SIGKILL)."""
        if not self.running():
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise ServerError(f"server did not exit within {SHUTDOWN_TIMEOUT:g} s of SIGTERM"
                              f"\n{self.log_tail()}") from None
        if code != 0:
            raise ServerError(f"server exited with {code} after SIGTERM\n{self.log_tail()}")

    def kill(self):
        """SIGKILL, as in a crash or power loss of the process."""
        if self.running():
            self.process.kill()
            self.process.wait(timeout=SHUTDOWN_TIMEOUT)

    def restart(self):
        """Graceful stop (must exit 0), then start on the same data directory."""
        self.stop()
        self.start()

    def log_tail(self, lines=80):
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no server log)"
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- last {lines} lines of {self.log_path} ---\n{tail}\n---"

    def _log_since(self, offset):
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")


# --- Clients --------------------------------------------------------------------------------------

@functools.cache
def _xray_client(endpoint_url, validate):
    import boto3
    import botocore.config
    config = botocore.config.Config(connect_timeout=5, read_timeout=CLIENT_TIMEOUT,
                                    retries={"mode": "standard", "total_max_attempts": 1},
                                    parameter_validation=validate)
    return boto3.session.Session().client("xray", endpoint_url=endpoint_url, config=config)


def xray_client(server, validate=True):
    """A boto3 X-Ray client for `server` (no retries). validate=False lets a request that
    botocore would refuse (e.g. without a required member) reach the server."""
    return _xray_client(server.http_url, validate)


def aws_cli(server, *arguments):
    """Runs `/usr/bin/aws <arguments>` against `server` and returns its JSON output."""
    command = [AWS_CLI, "--endpoint-url", server.http_url, "--output", "json",
               "--cli-connect-timeout", "5", "--cli-read-timeout", str(int(CLIENT_TIMEOUT)),
               *arguments]
    result = subprocess.run(command, env=client_environment(), stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=2 * CLIENT_TIMEOUT)
    if result.returncode != 0:
        raise AssertionError(f"aws {' '.join(arguments)} exited with {result.returncode}:\n"
                             f"{result.stderr}{result.stdout}")
    return json.loads(result.stdout) if result.stdout.strip() else {}


class HttpResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body

    def json(self):
        return json.loads(self.body)


def http_request(server, method, path, body=b"", headers=None):
    """One raw, unsigned HTTP/1.1 request (for what no AWS client would send)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=CLIENT_TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return HttpResponse(response.status, {k.lower(): v for k, v in response.getheaders()},
                            response.read())
    finally:
        connection.close()


def get_stats(server):
    """GET /roentgen/stats, parsed."""
    response = http_request(server, "GET", "/roentgen/stats")
    if response.status != 200:
        raise AssertionError(f"GET /roentgen/stats answered {response.status}: {response.body!r}")
    return response.json()


def send_datagram(server, payload):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(payload, ("127.0.0.1", server.udp_port))


def put_documents(client, documents):
    """PutTraceSegments in batches of 50 (as the daemon sends); every document must be accepted."""
    for batch in chunks(documents, 50):
        response = client.put_trace_segments(TraceSegmentDocuments=[json.dumps(d) for d in batch])
        unprocessed = response.get("UnprocessedTraceSegments")
        if unprocessed != []:
            raise AssertionError(f"PutTraceSegments did not accept everything: {unprocessed!r}")


def batch_get_traces(client, trace_ids):
    """BatchGetTraces for `trace_ids`, 5 per call (AWS's historical limit), following NextToken.
    Returns {trace id: Trace} for the traces the server returned."""
    traces = {}
    paginator = client.get_paginator("batch_get_traces")
    for chunk in chunks(list(trace_ids), 5):
        for page in paginator.paginate(TraceIds=chunk):
            for trace in page.get("Traces", []):
                traces[trace["Id"]] = trace
    return traces


def wait_for_traces(client, trace_ids, timeout=VISIBILITY_TIMEOUT):
    """Waits until BatchGetTraces returns every one of `trace_ids`; returns {id: Trace}."""
    wanted = set(trace_ids)

    def all_visible():
        traces = batch_get_traces(client, sorted(wanted))
        return traces if wanted <= traces.keys() else None

    return eventually(all_visible, timeout=timeout, interval=0.2,
                      what=f"all {len(wanted)} traces readable through BatchGetTraces")


# --- Test case base -------------------------------------------------------------------------------

class ServerTestCase(unittest.TestCase):
    """Runs one server for the whole test class on a fresh data directory.

    On a failure the server log's tail goes to stderr and the directory is kept.
    """

    server = None
    workdir = None
    _failed = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp(prefix=f"roentgen-it-{cls.__name__}-")
        cls.server = Server(server_binary(), pathlib.Path(cls.workdir, "data"),
                            pathlib.Path(cls.workdir, "server.log"))
        try:
            cls.server.start()
        except BaseException:
            cls._failed = True
            cls._clean_up_workdir()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        except BaseException:
            cls._failed = True
            raise
        finally:
            cls.server.kill()
            cls._clean_up_workdir()
            super().tearDownClass()

    @classmethod
    def _clean_up_workdir(cls):
        if cls._failed or os.environ.get("ROENTGEN_KEEP_TMP"):
            print(f"\n[harness] kept {cls.workdir}", file=sys.stderr)
        else:
            shutil.rmtree(cls.workdir, ignore_errors=True)

    @property
    def xray(self):
        """A boto3 X-Ray client for the current server (its port changes on restart)."""
        return xray_client(self.server)

    def run(self, result=None):
        if result is None:
            return super().run(result)
        problems_before = len(result.failures) + len(result.errors)
        super().run(result)
        if len(result.failures) + len(result.errors) > problems_before and self.server:
            type(self)._failed = True
            print(f"\n[harness] {self.id()} failed; server log:\n{self.server.log_tail()}",
                  file=sys.stderr)
        return result


def main():
    """Entry point of each test file: unittest's, verbose, without ResourceWarnings.

    The clients leave sockets to the garbage collector (the SDK's UDP emitter, boto3's connection
    pool); those warnings are noise here. A non-empty sys.warnoptions tells unittest to keep the
    filters set below instead of resetting them to "default".
    """
    sys.warnoptions.append("ignore::ResourceWarning")
    warnings.simplefilter("default")
    warnings.filterwarnings("ignore", category=ResourceWarning)
    unittest.main(module="__main__", verbosity=2)
