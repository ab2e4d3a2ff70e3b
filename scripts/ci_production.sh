#!/usr/bin/env bash
# CI's reduced production run (issue #8): the whole topology on this machine, a burst of a few
# hundred submissions and a minute of mixed traffic, one fault of each kind, integrity checked
# after each. The full-size figures are measured by hand (docs/performance.md).
#
#   scripts/ci_production.sh [--total 300] [--users 32] [--mixed-seconds 60]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
total=300 users=32 mixed=60
while [ $# -gt 0 ]; do
  case "$1" in
    --total) total="$2"; shift 2 ;;
    --users) users="$2"; shift 2 ;;
    --mixed-seconds) mixed="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
dir="$(mktemp -d /tmp/tongxin-topology.XXXXXX)"
finish() {
  local rc=$?
  scripts/topology.sh stop "$dir" || true
  if [ "$rc" -ne 0 ]; then
    echo "--- logs of the failed run ($dir/log) ---" >&2
    for f in "$dir"/log/*.log "$dir"/pg/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 30 "$f" >&2; }; done
  fi
  rm -rf "$dir"
  exit "$rc"
}
trap finish EXIT
# A killed worker node's messages come back after 30 s instead of an hour.
CELERY_VISIBILITY_TIMEOUT=30 scripts/topology.sh start "$dir" --web-workers 3 --celery-nodes 2
scripts/topology.sh status "$dir"
scripts/load_test.sh "$dir" --total "$total" --users "$users" --mixed-seconds "$mixed" --employees 100
.venv/bin/python -u scripts/fault_test.py "$dir" --threads 6
echo "production run passed: load ($total submissions, ${mixed}s mixed) and faults, integrity intact"
