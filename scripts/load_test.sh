#!/usr/bin/env bash
# Load test on a running topology (scripts/topology.sh): a burst of submissions, then mixed
# 90 % read / 10 % write traffic; integrity checked after each (manage.py ops_check).
# Loopback only, bounded in count and time.
#
#   scripts/load_test.sh DIR [--total 10000] [--users 64] [--mixed-seconds 600] [--employees 500]
#
# Results: DIR/results/{burst,mixed}_stats.csv (locust) and DIR/results/summary.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
dir="$(cd "$1" && pwd)"; shift
total=10000 users=64 mixed=600 employees=500
while [ $# -gt 0 ]; do
  case "$1" in
    --total) total="$2"; shift 2 ;;
    --users) users="$2"; shift 2 ;;
    --mixed-seconds) mixed="$2"; shift 2 ;;
    --employees) employees="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$total" -le 20000 ] && [ "$mixed" -le 1800 ] && [ "$users" -le 256 ] || { echo "bounded: --total ≤ 20000, --mixed-seconds ≤ 1800, --users ≤ 256" >&2; exit 2; }
set -a; . "$dir/env"; set +a
cd "$ROOT"
mkdir -p "$dir/results"
export LOAD_FILE="$dir/load.json" LOAD_ACKS="$dir/results/acks.tsv" LOAD_HOST="$BASE_URL"
[ -f "$LOAD_FILE" ] || "$PY" manage.py ops_loadprep --employees "$employees" --out "$LOAD_FILE"
summary="$dir/results/summary.txt"
{
  echo "load test $(date -u +%FT%TZ) on $(nproc) cores: burst $total submissions × $users users, mixed ${mixed}s"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$summary"

report() {  # report NAME SECONDS
  "$PY" - "$dir/results/$1_stats.csv" "$1" "$2" <<'PY' | tee -a "$summary"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
name, seconds = sys.argv[2], float(sys.argv[3])
for r in rows:
    if r["Name"] in ("Aggregated", "POST /api/v1/petitions") or name == "mixed":
        n, f = int(r["Request Count"]), int(r["Failure Count"])
        print(f"  {name:5} {r['Type']:4} {r['Name']:40} n={n:6} fail={f:4} rate={n / seconds:7.1f}/s "
              f"locust={float(r['Requests/s']):.1f}/s p50={r['50%']}ms p95={r['95%']}ms p99={r['99%']}ms max={float(r['Max Response Time']):.0f}ms")
PY
}

echo "== burst: $total submissions, $users concurrent users" | tee -a "$summary"
start=$EPOCHREALTIME
rc=0
LOAD_MODE=burst LOAD_TOTAL="$total" "$ROOT/.venv/bin/locust" -f bench/load/locustfile.py --headless -u "$users" -r "$users" \
  -H "$BASE_URL" --run-time 30m --stop-timeout 30 --csv "$dir/results/burst" --only-summary --loglevel WARNING \
  >"$dir/results/burst.log" 2>&1 || rc=$?
elapsed=$("$PY" -c "print(round($EPOCHREALTIME - $start, 1))")
echo "  locust exit $rc, ${elapsed}s wall; load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
report burst "$elapsed"
echo "== integrity after the burst" | tee -a "$summary"
check_rc=0
"$PY" manage.py ops_check --acks "$LOAD_ACKS" --wait 900 2>&1 | tee -a "$summary" || check_rc=$?

if [ "$mixed" -gt 0 ]; then
  echo "== mixed 90/10 for ${mixed}s, $users users" | tee -a "$summary"
  start=$EPOCHREALTIME
  LOAD_MODE=mixed "$ROOT/.venv/bin/locust" -f bench/load/locustfile.py --headless -u "$users" -r "$users" \
    -H "$BASE_URL" --run-time "${mixed}s" --stop-timeout 30 --csv "$dir/results/mixed" --only-summary --loglevel WARNING \
    >"$dir/results/mixed.log" 2>&1 || rc=$?
  elapsed=$("$PY" -c "print(round($EPOCHREALTIME - $start, 1))")
  echo "  ${elapsed}s wall; load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
  report mixed "$elapsed"
  echo "== integrity after the mixed traffic" | tee -a "$summary"
  "$PY" manage.py ops_check --acks "$LOAD_ACKS" --wait 900 2>&1 | tee -a "$summary" || check_rc=$?
fi
[ "$check_rc" -eq 0 ] || { echo "integrity checks failed" >&2; exit 1; }
[ "$rc" -eq 0 ] || { echo "locust reported failed requests (exit $rc)" >&2; exit 1; }
