#!/usr/bin/env bash
# A streaming read replica (hot standby) of a running PostgreSQL cluster, from the Debian binaries, on 127.0.0.1.
#   scripts/pgreplica.sh start PRIMARY_PORT DIR PORT   -> prints the replica's URL (database clearway)
#   scripts/pgreplica.sh stop DIR
# Clearway reads reports from it with CLEARWAY_REPORTS_DATABASE_URL. As root the replica belongs to `postgres`.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
as_owner() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
cmd=${1:?start|stop}
case "$cmd" in
  start)
    primary=${2:?primary port}; dir=$(realpath -m "${3:?directory}"); port=${4:?port}
    mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    # A standby needs at least the primary's connection and worker limits.
    conns=$(as_owner "$PGBIN/psql" -h 127.0.0.1 -p "$primary" -U postgres -qtAc "SHOW max_connections")
    as_owner "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$dir/data" -R -X stream -c fast \
      >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=$conns -c hot_standby=on -c archive_mode=off" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/clearway"
    ;;
  stop)
    dir=$(realpath -m "${2:?directory}")
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start PRIMARY_PORT DIR PORT | stop DIR" >&2; exit 2 ;;
esac
