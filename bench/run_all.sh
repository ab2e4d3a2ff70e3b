#!/usr/bin/env bash
# The whole comparison in one run: tongxin and django-helpdesk 2.6.1 on the same data.
#
#   bench/run_all.sh [--petitions N] [--runs R] [--warmup W] [--sqlite] [--out DIR]
#
# PostgreSQL (default): starts a throwaway cluster (scripts/pg_cluster.sh) and stops and removes
# it at the end. --sqlite: var/bench-run-N.sqlite3 (kept, re-used by a later run of the same N).
# Steps: generate N realistic petitions with their events (bench/generate_realistic.py); time
# tongxin's paths (bench/paths.py); make helpdesk's environment and database, load the same rows
# and time its pages (bench/helpdesk/run.py); print the table with ratios (bench/compare.py).
# Everything is written under --out (default bench/results/run-<engine>-<N>-<time>/).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
N=1000000
RUNS=5
WARMUP=1
ENGINE=postgresql
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --petitions) N="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --sqlite) ENGINE=sqlite; shift ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "usage: $0 [--petitions N] [--runs R] [--warmup W] [--sqlite] [--out DIR]" >&2; exit 2 ;;
  esac
done
OUT="${OUT:-$ROOT/bench/results/run-$ENGINE-$N-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
cd "$ROOT"

stamp() { date '+%H:%M:%S'; }
PGDIR=""
cleanup() {
  if [ -n "$PGDIR" ]; then
    scripts/pg_cluster.sh stop "$PGDIR" || true
    rm -rf "$PGDIR"
  fi
}
trap cleanup EXIT

if [ "$ENGINE" = postgresql ]; then
  PGDIR="$(mktemp -d /tmp/tongxin-bench-pg.XXXXXX)"
  chmod 755 "$PGDIR"  # the cluster runs as an unprivileged user when we are root
  DATABASE_URL="$(scripts/pg_cluster.sh start "$PGDIR" | tail -n 1)"
else
  DATABASE_URL="sqlite:///$ROOT/var/bench-run-$N.sqlite3"
fi
export DATABASE_URL
echo "$(stamp) database: $DATABASE_URL; results in $OUT"

{
  echo "nproc: $(nproc)"
  grep -m1 'model name' /proc/cpuinfo || true
  grep MemTotal /proc/meminfo || true
  uname -srm
  echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt"

echo "$(stamp) generating $N petitions"
"$PY" bench/generate_realistic.py --petitions "$N" 2>&1 | tee "$OUT/generate.txt"

echo "$(stamp) timing tongxin (load: $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$OUT/machine.txt"
DEBUG=0 "$PY" bench/paths.py --runs "$RUNS" --warmup "$WARMUP" --json "$OUT/tongxin.json" 2>&1 | tee "$OUT/tongxin.txt"
UNIT="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["unit"]["id"])' "$OUT/tongxin.json")"

echo "$(stamp) django-helpdesk: environment, load, timing (load: $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$OUT/machine.txt"
"$PY" bench/helpdesk/run.py --source "$DATABASE_URL" --runs "$RUNS" --warmup "$WARMUP" --queue "$UNIT" \
  --json "$OUT/helpdesk.json" 2>&1 | grep -v "^WARNING: Location" | tee "$OUT/helpdesk.txt"

echo "$(stamp) summary"
"$PY" bench/compare.py "$OUT/tongxin.json" "$OUT/helpdesk.json" --intake bench/results/intake-1m.txt | tee "$OUT/summary.md"
echo "$(stamp) done"
