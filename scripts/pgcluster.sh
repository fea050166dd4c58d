#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and benchmarks, from the Debian binaries.
#   scripts/pgcluster.sh start DIR PORT   -> prints the database URL
#   scripts/pgcluster.sh stop DIR
#   scripts/pgcluster.sh halt DIR         -> stops the server but keeps its data (start DIR PORT resumes it)
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=$1 dir=$(realpath -m "$2") port=${3:-55432}
# From / : the postgres user may not be allowed into the caller's working directory.
as_owner() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
# As root, DIR may sit below a directory the postgres user cannot enter (a clone in a `mktemp -d`
# folder is mode 0700): the cluster then lives in a /tmp folder named after DIR's absolute path.
hidden() { echo "${TMPDIR:-/tmp}/clearway-pg-$(realpath -m "$1" | sha256sum | cut -c1-16)"; }
reachable() { [ "$(id -u)" != 0 ] || runuser -u postgres -- test -w "$1" 2>/dev/null; }
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    if ! reachable "$dir"; then dir=$(hidden "$dir") && mkdir -p "$dir" && chown postgres: "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB ${PG_EXTRA_OPTS:-}" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname='clearway'" | grep -q 1 \
      || as_owner "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres clearway
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/clearway"
    ;;
  stop)
    for place in "$(hidden "$dir")" "$dir"; do
      [ -f "$place/data/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$place/data" -m fast -w stop >/dev/null || true
      rm -rf "$place"
    done
    ;;
  halt)
    # An outage drill: the server goes away, its data stays, and `start` brings the same cluster back.
    for place in "$(hidden "$dir")" "$dir"; do
      [ -f "$place/data/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$place/data" -m fast -w stop >/dev/null || true
    done
    ;;
  *) echo "usage: $0 start|stop|halt DIR [PORT]" >&2; exit 2 ;;
esac
