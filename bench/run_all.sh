#!/usr/bin/env bash
# The whole comparison in one run: tongxin and django-helpdesk 2.6.1 on the same data.
#
#   bench/run_all.sh [--petitions N] [--runs R] [--warmup W] [--sqlite] [--out DIR]
#                    [--pgdir DIR] [--steps generate,tongxin,helpdesk-load,helpdesk-time,summary]
#
# PostgreSQL (default): starts a throwaway cluster (scripts/pg_cluster.sh), and stops and removes
# it at the end. With --pgdir DIR the cluster lives in DIR and is kept running for a later run
# (which re-uses it and its data; stop it with scripts/pg_cluster.sh stop DIR, then rm -rf DIR):
# the load of 1M rows and the timings can then run at different times, e.g. when the machine is
# quiet. --sqlite: var/bench-run-N.sqlite3 and var/bench-run-N-helpdesk.sqlite3 (kept, re-used).
# Steps: generate N realistic petitions with their events (bench/generate_realistic.py; tops up,
# so a re-run adds nothing); time tongxin's paths (bench/paths.py); make helpdesk's environment and
# database and load the same rows into it; time helpdesk's pages (bench/helpdesk/run.py); print
# the table with ratios (bench/compare.py). Results under --out (default
# bench/results/run-<engine>-<N>-<time>/).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
N=1000000
RUNS=5
WARMUP=1
ENGINE=postgresql
OUT=""
PGDIR=""
KEEP=""
STEPS="generate,tongxin,helpdesk-load,helpdesk-time,summary"
while [ $# -gt 0 ]; do
  case "$1" in
    --petitions) N="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --sqlite) ENGINE=sqlite; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --pgdir) PGDIR="$2"; KEEP=1; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    *) sed -n '2,16p' "$0" >&2; exit 2 ;;
  esac
done
OUT="${OUT:-$ROOT/bench/results/run-$ENGINE-$N-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
cd "$ROOT"

stamp() { date '+%H:%M:%S'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
step() { case ",$STEPS," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
cleanup() {
  if [ -n "$PGDIR" ] && [ -z "$KEEP" ]; then
    scripts/pg_cluster.sh stop "$PGDIR" || true
    rm -rf "$PGDIR"
  fi
}
trap cleanup EXIT

if [ "$ENGINE" = postgresql ]; then
  if [ -n "$PGDIR" ] && [ -f "$PGDIR/port" ] && [ -f "$PGDIR/data/postmaster.pid" ]; then
    DATABASE_URL="postgres://tongxin@127.0.0.1:$(cat "$PGDIR/port")/tongxin"  # the kept cluster, still running
  else
    if [ -z "$PGDIR" ]; then
      PGDIR="$(mktemp -d /tmp/tongxin-bench-pg.XXXXXX)"
    else
      mkdir -p "$PGDIR"
    fi
    chmod 755 "$PGDIR"  # the cluster runs as an unprivileged user when we are root
    DATABASE_URL="$(scripts/pg_cluster.sh start "$PGDIR" | tail -n 1)"
  fi
else
  DATABASE_URL="sqlite:///$ROOT/var/bench-run-$N.sqlite3"
fi
export DATABASE_URL
echo "$(stamp) database: $DATABASE_URL; steps: $STEPS; results in $OUT"

{
  echo "nproc: $(nproc)"
  grep -m1 'model name' /proc/cpuinfo || true
  grep MemTotal /proc/meminfo || true
  uname -srm
  echo "$(date '+%F %T') start, load average $(load)"
} | tee -a "$OUT/machine.txt"

if step generate; then
  echo "$(stamp) generating $N petitions"
  "$PY" bench/generate_realistic.py --petitions "$N" 2>&1 | tee -a "$OUT/generate.txt"
fi

if step tongxin; then
  echo "$(date '+%F %T') timing tongxin, load average $(load)" | tee -a "$OUT/machine.txt"
  DEBUG=0 "$PY" bench/paths.py --runs "$RUNS" --warmup "$WARMUP" --json "$OUT/tongxin.json" 2>&1 | tee "$OUT/tongxin.txt"
fi

HD=("$PY" bench/helpdesk/run.py --source "$DATABASE_URL" --runs "$RUNS" --warmup "$WARMUP" --json "$OUT/helpdesk.json")
if [ -f "$OUT/tongxin.json" ]; then
  HD+=(--queue "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["unit"]["id"])' "$OUT/tongxin.json")")
fi
if step helpdesk-load; then
  echo "$(date '+%F %T') django-helpdesk: environment and load, load average $(load)" | tee -a "$OUT/machine.txt"
  "${HD[@]}" --load-only 2>&1 | { grep --line-buffered -v "^WARNING: Location" || true; } | tee -a "$OUT/helpdesk-load.txt"
fi
if step helpdesk-time; then
  echo "$(date '+%F %T') timing django-helpdesk, load average $(load)" | tee -a "$OUT/machine.txt"
  "${HD[@]}" --skip-load 2>&1 | { grep --line-buffered -v "^WARNING: Location" || true; } | tee "$OUT/helpdesk.txt"
fi

if step summary && [ -f "$OUT/tongxin.json" ]; then
  echo "$(stamp) summary"
  "$PY" bench/compare.py "$OUT/tongxin.json" "$OUT/helpdesk.json" --intake bench/results/intake-1m.txt | tee "$OUT/summary.md"
fi
echo "$(date '+%F %T') done, load average $(load)" | tee -a "$OUT/machine.txt"
