#!/usr/bin/env bash
# The whole production topology on one machine, from Debian and PyPI packages (no Docker):
# PostgreSQL 15 primary + streaming read replica, Redis, gunicorn (N workers), Celery worker
# nodes + beat, and an S3-protocol server (moto) for attachments. For the load and fault tests.
#
#   scripts/topology.sh start DIR [--web-workers N] [--celery-nodes N] [--no-replica] [--no-s3]
#   scripts/topology.sh stop DIR
#   scripts/topology.sh status DIR
#
# DIR/env holds the variables of the running topology (source it to run manage.py against it);
# logs go to DIR/log/. Everything listens on 127.0.0.1 only. Needs postgresql-15 and
# redis-server (apt-get install postgresql-15 redis-server) and the project's .venv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

die() { printf 'topology: %s\n' "$*" >&2; exit 1; }
say() { printf '  %s\n' "$*" >&2; }

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

pg_user() {
  if [ "$(id -u)" -ne 0 ]; then id -un
  elif id postgres >/dev/null 2>&1; then echo postgres
  else id tongxinpg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin tongxinpg; echo tongxinpg
  fi
}
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u "$(pg_user)" -- "$@"; else "$@"; fi; }

wait_port() {  # wait_port PORT SECONDS
  local i
  for ((i = 0; i < $2 * 5; i++)); do
    "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

pg_options() {  # durable (fsync, synchronous commit): the fault tests restart it under load
  echo "-h 127.0.0.1 -p $1 -k $2 -c max_connections=200 -c shared_buffers=256MB -c wal_level=replica -c max_wal_senders=5 -c hot_standby=on -c log_min_messages=warning"
}

start_pg() {
  local dir="$1" replica="$2"
  mkdir -p "$dir/pg"
  [ "$(id -u)" -eq 0 ] && chown "$(pg_user)" "$dir/pg"
  local port; port="$(free_port)"
  as_pg "$PG_BIN/initdb" -D "$dir/pg/primary" -U tongxin --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/log/initdb.log" 2>&1 ||
    { cat "$dir/log/initdb.log" >&2; die "initdb failed"; }
  echo "$port" >"$dir/pg/primary.port"
  as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/primary" -l "$dir/pg/primary.log" -w -t 60 start -o "$(pg_options "$port" "$dir/pg")" >/dev/null
  as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U tongxin tongxin
  say "PostgreSQL primary  127.0.0.1:$port"
  echo "DATABASE_URL=postgres://tongxin@127.0.0.1:$port/tongxin" >>"$dir/env"
  if [ "$replica" = 1 ]; then
    local rport; rport="$(free_port)"
    as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$port" -U tongxin -D "$dir/pg/replica" -R -X stream >/dev/null
    echo "$rport" >"$dir/pg/replica.port"
    as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/replica" -l "$dir/pg/replica.log" -w -t 60 start -o "$(pg_options "$rport" "$dir/pg")" >/dev/null
    say "PostgreSQL replica  127.0.0.1:$rport (streaming from the primary)"
    echo "DATABASE_REPLICA_URL=postgres://tongxin@127.0.0.1:$rport/tongxin" >>"$dir/env"
  fi
}

start_redis() {
  local dir="$1" port
  port="$(free_port)"
  mkdir -p "$dir/redis"
  echo "$port" >"$dir/redis/port"
  # Append-only file: queued messages survive a restart (the fault test restarts it).
  cat >"$dir/redis/start.sh" <<EOS
#!/bin/sh
exec redis-server --bind 127.0.0.1 --port $port --dir $dir/redis --appendonly yes --appendfsync everysec \\
  --save "" --daemonize yes --pidfile $dir/redis/redis.pid --logfile $dir/log/redis.log
EOS
  chmod +x "$dir/redis/start.sh"
  "$dir/redis/start.sh"
  wait_port "$port" 20 || die "redis did not start"
  say "Redis               127.0.0.1:$port"
  echo "REDIS_URL=redis://127.0.0.1:$port/0" >>"$dir/env"
}

start_s3() {
  local dir="$1" port
  port="$(free_port)"
  nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$dir/log/s3.log" 2>&1 &
  echo $! >"$dir/s3.pid"
  wait_port "$port" 30 || die "moto_server did not start"
  "$PY" - "$port" <<'PY'
import sys, boto3
boto3.client("s3", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
             aws_access_key_id="test", aws_secret_access_key="test").create_bucket(Bucket="tongxin")
PY
  say "S3 (moto)           127.0.0.1:$port bucket tongxin"
  cat >>"$dir/env" <<EOV
S3_BUCKET=tongxin
S3_ENDPOINT_URL=http://127.0.0.1:$port
S3_ACCESS_KEY_ID=test
S3_SECRET_ACCESS_KEY=test
EOV
}

load_env() { set -a; . "$1/env"; set +a; }

start_web() {
  local dir="$1" workers="$2" port
  port="$(free_port)"
  echo "GUNICORN_BIND=127.0.0.1:$port" >>"$dir/env"
  echo "BASE_URL=http://127.0.0.1:$port" >>"$dir/env"
  load_env "$dir"
  rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  GUNICORN_WORKERS="$workers" nohup "$VENV/bin/gunicorn" tongxin.wsgi:application -c "$ROOT/deploy/gunicorn.conf.py" \
    --pid "$dir/gunicorn.pid" >>"$dir/log/web.log" 2>&1 &
  wait_port "$port" 60 || die "gunicorn did not start (see $dir/log/web.log)"
  say "gunicorn            127.0.0.1:$port ($workers workers)"
}

# supervise NAME CMD...: restart CMD whenever it exits, as systemd's Restart=always does in
# production (deploy/systemd/): a Celery worker exits on some broker connection losses
# ("Unrecoverable error" in kombu's Redis transport when Redis restarts) and must come back.
supervise() {
  local dir="$1" name="$2"; shift 2
  (
    while [ ! -e "$dir/stopping" ]; do
      "$@" >>"$dir/log/$name.log" 2>&1 || true
      [ -e "$dir/stopping" ] || { echo "supervisor: $name exited, restarting in 1 s" >>"$dir/log/$name.log"; sleep 1; }
    done
  ) &
  echo $! >"$dir/$name.supervisor.pid"
}

start_celery() {
  local dir="$1" nodes="$2" i
  load_env "$dir"
  for ((i = 1; i <= nodes; i++)); do
    supervise "$dir" "celery-w$i" "$VENV/bin/celery" -A tongxin worker -n "w$i@%h" --concurrency 2 --pidfile "$dir/celery-w$i.pid"
  done
  supervise "$dir" celery-beat "$VENV/bin/celery" -A tongxin beat --schedule "$dir/beat-schedule" --pidfile "$dir/celery-beat.pid"
  say "Celery              $nodes worker node(s) × 2 processes, beat (restarted when they exit)"
}

cmd_start() {
  local dir="$1"; shift
  local web_workers=4 nodes=2 replica=1 s3=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --web-workers) web_workers="$2"; shift 2 ;;
      --celery-nodes) nodes="$2"; shift 2 ;;
      --no-replica) replica=0; shift ;;
      --no-s3) s3=0; shift ;;
      *) die "unknown option $1" ;;
    esac
  done
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 is missing (apt-get install postgresql-15)"
  command -v redis-server >/dev/null || die "redis-server is missing (apt-get install redis-server)"
  [ -e "$dir/env" ] && die "$dir holds a topology already (stop it and remove the directory)"
  mkdir -p "$dir/log" "$dir/data"
  dir="$(cd "$dir" && pwd)"
  [ "$(id -u)" -eq 0 ] && chmod 755 "$dir"  # PostgreSQL runs as its own user and needs to reach $dir/pg
  cat >"$dir/env" <<EOV
TONGXIN_ENV=production
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(60))')
FIELD_ENCRYPTION_KEYS=$("$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
ALLOWED_HOSTS=127.0.0.1,localhost
SECURE_SSL_REDIRECT=false
TONGXIN_DATA_DIR=$dir/data
PROMETHEUS_MULTIPROC_DIR=$dir/prometheus
METRICS_TOKEN=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')
CELERY_VISIBILITY_TIMEOUT=${CELERY_VISIBILITY_TIMEOUT:-60}
OPS_OUTBOX_REPUBLISH_SECONDS=${OPS_OUTBOX_REPUBLISH_SECONDS:-90}
LOG_LEVEL=INFO
DJANGO_SETTINGS_MODULE=tongxin.settings
EOV
  echo "starting the topology in $dir" >&2
  start_pg "$dir" "$replica"
  start_redis "$dir"
  [ "$s3" = 1 ] && start_s3 "$dir"
  load_env "$dir"
  (cd "$ROOT" && "$PY" manage.py migrate --noinput >"$dir/log/migrate.log" 2>&1) || { tail -20 "$dir/log/migrate.log" >&2; die "migrate failed"; }
  (cd "$ROOT" && "$PY" manage.py collectstatic --noinput >"$dir/log/collectstatic.log" 2>&1) || die "collectstatic failed"
  cd "$ROOT"
  start_web "$dir" "$web_workers"
  start_celery "$dir" "$nodes"
  # Ready when the web answers and every worker node answers a ping (their start is slow on a busy
  # machine), three times in a row: each gunicorn worker asks the broker on its own.
  local i ok=0
  for ((i = 0; i < 90 && ok < 3; i++)); do
    if [ "$(curl -s "$BASE_URL/healthz?workers=1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["checks"].get("workers", ""))' 2>/dev/null)" = "ok: $nodes" ]; then
      ok=$((ok + 1))
    else
      ok=0
      sleep 2
    fi
  done
  echo "ready: source $dir/env; manage.py, /healthz?workers=1 and /ops/metrics (Bearer \$METRICS_TOKEN) work against it" >&2
}

stop_pidfile() {
  local file="$1" sig="${2:-TERM}"
  [ -f "$file" ] || return 0
  local pid; pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

cmd_stop() {
  local dir="$1"
  [ -d "$dir" ] || return 0
  touch "$dir/stopping"
  for f in "$dir"/*.supervisor.pid; do [ -e "$f" ] && stop_pidfile "$f"; done
  for f in "$dir"/celery-*.pid; do [ -e "$f" ] && stop_pidfile "$f"; done
  stop_pidfile "$dir/gunicorn.pid"
  stop_pidfile "$dir/s3.pid"
  stop_pidfile "$dir/redis/redis.pid"
  for cluster in replica primary; do
    [ -d "$dir/pg/$cluster" ] && { as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/$cluster" -m fast -w stop >/dev/null 2>&1 || true; }
  done
  echo "stopped the topology in $dir" >&2
}

cmd_status() {
  local dir="$1" i
  load_env "$dir"
  # A few tries: one web worker's first ping of the broker may still be on its way.
  for i in 1 2 3 4 5; do
    curl -fsS "$BASE_URL/healthz?workers=1" && { echo; return 0; }
    echo " (try $i: not healthy yet)" >&2
    sleep 3
  done
  return 1
}

case "${1:-}" in
  start) [ $# -ge 2 ] || die "usage: $0 start DIR [options]"; cmd_start "${@:2}" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; cmd_stop "$2" ;;
  status) [ $# -eq 2 ] || die "usage: $0 status DIR"; cmd_status "$2" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
