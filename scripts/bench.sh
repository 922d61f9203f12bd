#!/usr/bin/env bash
# scripts/bench.sh — the end-to-end ingest benchmark (make bench): release server + load generator
# over UDP and PutTraceSegments, with the UDP-receive and parse ceilings measured in the same run.
# Extra arguments go to bench/run_bench.py (e.g. --quick).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec /usr/bin/python3 -B bench/run_bench.py "$@"
