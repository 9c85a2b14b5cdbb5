#!/usr/bin/env bash
# The benchmark: builds the servers and the load generator in release, raises the open
# files limit, and runs the whole matrix (wsviews vs the plain baselines, back to back).
#   bash scripts/bench.sh                      # full matrix, about 4 minutes
#   bash scripts/bench.sh --echo-secs 2 --idle 500 --fanout 200   # any loadgen option
# Writes target/bench/{results.json,results.md,chart.svg,deflate.md} and server logs in
# target/bench/logs.
# Without examples/demo.rs (the wsviews demo) the wsviews side is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

examples=(--example loadgen --example baseline_echo --example tiny_http_plain)
[ -f examples/demo.rs ] && examples+=(--example demo)
cargo build --release "${examples[@]}"

# idle 16000 holds 16000 sockets in the client and 16000 in the server: raise the soft
# limit as far as the hard limit allows (65536 wanted).
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 65536 ]; then ulimit -n 65536; else ulimit -n "$hard"; fi
echo "ulimit -n: $(ulimit -n)" >&2

# /proc/PID/stat counts CPU time in clock ticks.
CLK_TCK=$(getconf CLK_TCK)
export CLK_TCK

target/release/examples/loadgen matrix "$@"

# permessage-deflate: wsviews and Python websockets, each with and without it
# (1 KiB JSON echo, RSS of 2 000 connections); writes target/bench/deflate.md.
if [ ! -x target/bench-venv/bin/python ]; then
  python3 -m venv target/bench-venv
  target/bench-venv/bin/pip install -q --disable-pip-version-check "websockets==15.*"
fi
exec target/release/examples/loadgen deflate
