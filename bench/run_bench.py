#!/usr/bin/python3
"""End-to-end ingest benchmark: starts the release server, drives it with roentgen-loadgen over UDP
and PutTraceSegments, and prints accepted segments/s, loss by reason, server CPU per segment, peak
RSS and bytes on disk per segment -- next to the ceilings measured in the same run (UDP receive
alone, parse alone), as ratios.

    make bench            # or: /usr/bin/python3 bench/run_bench.py [--quick]
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("ROENTGEN_BUILD_DIR", os.path.join(ROOT, "build", "release"))
SERVER = os.path.join(BUILD, "apps", "roentgen")
LOADGEN = os.path.join(BUILD, "bench", "roentgen-loadgen")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def udp_kernel_drops():
    with open("/proc/net/snmp") as f:
        lines = [line.split() for line in f if line.startswith("Udp:")]
    header, values = lines[0], lines[1]
    return int(values[header.index("RcvbufErrors")])


class Server:
    def __init__(self, data_dir):
        self.process = subprocess.Popen(
            [SERVER, "serve", "--udp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data-dir", data_dir],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in self.process.stdout:
            match = re.search(r"roentgen serving: udp=[^ ]*:(\d+) http=[^ ]*:(\d+)", line)
            if match:
                self.udp_port, self.http_port = int(match.group(1)), int(match.group(2))
                break
        else:
            raise RuntimeError("server did not start")
        # Keep draining the log so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def memory(self):
        values = {}
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                    values[key] = int(rest.split()[0]) * 1024
        return values

    def stats(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/roentgen/stats", timeout=10) as r:
            return json.load(r)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def loadgen(transport, port, rate, seconds, threads=1, seed=1):
    out = subprocess.run(
        [LOADGEN, f"--{transport}", f"127.0.0.1:{port}", "--rate", str(rate), "--seconds", str(seconds),
         "--threads", str(threads), "--seed", str(seed)],
        check=True, capture_output=True, text=True, timeout=seconds + 120)
    return json.loads(out.stdout)


def wait_settled(server, expected, timeout=60):
    """Waits until every offered document is accepted or refused (or the count stops moving)."""
    last, still = None, 0
    deadline = time.time() + timeout
    while time.time() < deadline:
        ingest = server.stats()["ingest"]
        done = ingest["accepted_documents"] + sum(ingest["rejected"].values())
        if done >= expected:
            return
        still = still + 1 if done == last else 0
        if still >= 10:
            return
        last = done
        time.sleep(0.2)


def scenario(name, transport, rate, seconds, threads=1, sample_rss=False):
    data_dir = tempfile.mkdtemp(prefix="roentgen-bench-", dir=os.path.join(ROOT, "build"))
    server = Server(data_dir)
    try:
        port = server.udp_port if transport == "udp" else server.http_port
        drops_before = udp_kernel_drops()
        cpu_before = server.cpu_seconds()
        rss_samples = []
        if sample_rss:
            proc = subprocess.Popen(
                [LOADGEN, f"--{transport}", f"127.0.0.1:{port}", "--rate", str(rate), "--seconds",
                 str(seconds), "--threads", str(threads)], stdout=subprocess.PIPE, text=True)
            while proc.poll() is None:
                rss_samples.append(server.memory()["VmRSS"])
                time.sleep(5)
            sent = json.loads(proc.stdout.read())
        else:
            sent = loadgen(transport, port, rate, seconds, threads)
        sent_count = sent["documents"] - sent.get("throttled_documents", 0)
        wait_settled(server, sent_count)
        cpu = server.cpu_seconds() - cpu_before
        stats = server.stats()
        memory = server.memory()
        kernel_drops = udp_kernel_drops() - drops_before if transport == "udp" else 0
        accepted = stats["ingest"]["accepted_documents"]
        result = {
            "name": name, "transport": transport, "offered_rate": rate or "flat out",
            "sent_per_second": sent["documents"] / sent["seconds"],
            "seconds": sent["seconds"], "sent": sent["documents"], "accepted": accepted,
            "accepted_per_second": accepted / sent["seconds"],
            "rejected": stats["ingest"]["rejected"], "kernel_drops": kernel_drops,
            "throttled": sent.get("throttled_documents", 0),
            "lost": max(0, sent_count - accepted) if transport == "udp" else sent.get("throttled_documents", 0),
            "cpu_us_per_segment": 1e6 * cpu / max(1, accepted),
            "peak_rss_mib": memory["VmHWM"] / 2**20,
            "rss_anon_mib": memory.get("RssAnon", 0) / 2**20,
            "bytes_on_disk_per_segment": stats["store"]["bytes_on_disk"] / max(1, stats["store"]["documents"]),
            "mean_document_bytes": sent["bytes"] / max(1, sent["documents"]),
        }
        if rss_samples:
            result["rss_samples_mib"] = [round(s / 2**20) for s in rss_samples]
        return result
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def google_benchmark(binary, name_filter):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([binary, f"--benchmark_filter={name_filter}", f"--benchmark_out={out.name}",
                        "--benchmark_out_format=json"],
                       check=True, capture_output=True, text=True, timeout=600)
        return json.load(open(out.name))["benchmarks"]


def ceilings():
    """UDP receive alone (a loopback sender and the receive thread, no parsing) and parse alone
    (datagram split + document validation on one core), measured now, on this machine."""
    result = {}
    transport_bench = os.path.join(BUILD, "src", "transport", "transport_bench")
    model_bench = os.path.join(BUILD, "src", "model", "model_bench")
    for b in google_benchmark(transport_bench, "BM_UdpReceiveAlone"):
        result["udp_receive_alone_per_second"] = b["recv/s"]
    for b in google_benchmark(model_bench, "BM_SplitAndParse"):
        result["parse_alone_per_second"] = b["items_per_second"]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (smoke test)")
    parser.add_argument("--only", help="run only the scenarios whose name contains this")
    args = parser.parse_args()
    seconds = 5 if args.quick else 20
    soak = 10 if args.quick else 60
    for binary in (SERVER, LOADGEN):
        if not os.path.exists(binary):
            sys.exit(f"missing {binary}: build the release preset first (make build)")

    plan = [
        ("udp-100k", "udp", 100000, seconds, 1, False),
        ("udp-flat-out", "udp", 0, seconds, 1, False),
        # Eight connections, as from eight daemons; each call carries 50 documents.
        ("http-50k", "http", 50000, seconds, 8, False),
        ("http-flat-out", "http", 0, seconds, 8, False),
        ("udp-overload-soak", "udp", 0, soak, 2, True),
    ]
    results = {"ceilings": ceilings(), "scenarios": [
        scenario(name, transport, rate, duration, threads=threads, sample_rss=sample)
        for name, transport, rate, duration, threads, sample in plan
        if not args.only or args.only in name]}
    print(json.dumps(results, indent=2))
    udp_ceiling = results["ceilings"].get("udp_receive_alone_per_second")
    parse_ceiling = results["ceilings"].get("parse_alone_per_second")
    print("\n| scenario | asked | sent/s | accepted/s | lost (reason) | CPU µs/segment | peak RSS MiB | disk B/segment | vs UDP-receive ceiling | vs parse ceiling |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for s in results["scenarios"]:
        reasons = {k: v for k, v in s["rejected"].items() if v}
        if s["kernel_drops"]:
            reasons["kernel"] = s["kernel_drops"]
        if s["throttled"]:
            reasons["throttled"] = s["throttled"]
        ratio = lambda c: f"{s['accepted_per_second'] / c:.2f}" if c else "n/a"
        print(f"| {s['name']} | {s['offered_rate']} | {s['sent_per_second']:,.0f} | {s['accepted_per_second']:,.0f} | {s['lost']} {reasons or ''} | "
              f"{s['cpu_us_per_segment']:.1f} | {s['peak_rss_mib']:.0f} | {s['bytes_on_disk_per_segment']:.0f} | "
              f"{ratio(udp_ceiling)} | {ratio(parse_ceiling)} |")
    for s in results["scenarios"]:
        if "rss_samples_mib" in s:
            print(f"\nRSS every 5 s during {s['name']} (MiB): {s['rss_samples_mib']}; at the end "
                  f"{s['rss_anon_mib']:.0f} MiB anonymous, the rest file pages of the store's maps")


if __name__ == "__main__":
    main()
