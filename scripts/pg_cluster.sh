#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, in a directory of its own, on 127.0.0.1.
#
#   scripts/pg_cluster.sh start DIR   initdb + start on a free port; prints the DATABASE_URL
#   scripts/pg_cluster.sh stop DIR    stop the server (the caller removes DIR)
#
# Durability is switched off (fsync, full_page_writes): the data is thrown away anyway.
# PostgreSQL refuses to run as root; as root the cluster belongs to an unprivileged system
# user (PG_USER, default: "postgres" when it exists, else "tongxinpg", created on demand).
# PG_BIN defaults to Debian's PostgreSQL 15.
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
DB_USER="tongxin"
DB_NAME="tongxin"

die() { printf 'pg_cluster: %s\n' "$*" >&2; exit 1; }

os_user() {
  if [ "$(id -u)" -ne 0 ]; then
    id -un
  elif [ -n "${PG_USER:-}" ]; then
    echo "$PG_USER"
  elif id postgres >/dev/null 2>&1; then
    echo postgres
  else
    id tongxinpg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin tongxinpg
    echo tongxinpg
  fi
}

# as_owner CMD...: run CMD as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$(os_user)" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  "$(command -v python3 || command -v python3.11)" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local dir="$1"
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL binaries not found in $PG_BIN (apt-get install postgresql-15)"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  [ -e "$dir/data" ] && die "$dir/data exists already"
  [ "$(id -u)" -eq 0 ] && chown "$(os_user)" "$dir"
  as_owner "$PG_BIN/initdb" -D "$dir/data" -U "$DB_USER" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  local port
  port="$(free_port)"
  echo "$port" >"$dir/port"
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=100" \
    >/dev/null || { cat "$dir/server.log" >&2; die "the server did not start"; }
  as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME"
  echo "postgres://$DB_USER@127.0.0.1:$port/$DB_NAME"
}

stop() {
  local dir="$1"
  [ -d "$dir/data" ] || return 0
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 ||
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) [ $# -eq 2 ] || die "usage: $0 start DIR"; start "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 start|stop DIR" ;;
esac
