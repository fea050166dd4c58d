#!/usr/bin/env bash
# A throw-away high-availability PostgreSQL on 127.0.0.1: one etcd member and two Patroni nodes (a primary and
# a synchronous standby), from the Debian packages patroni, etcd-server and postgresql-15 (`make system-deps`).
#   scripts/pgha.sh start DIR BASEPORT  -> prints the multi-host database URL (target_session_attrs=read-write)
#   scripts/pgha.sh leader DIR          -> prints the leader's node name (n1 or n2)
#   scripts/pgha.sh crash DIR NODE      -> kill -9 the node's Patroni and postmaster (a machine crash)
#   scripts/pgha.sh revive DIR NODE     -> start the node's Patroni again (it rejoins, with pg_rewind if needed)
#   scripts/pgha.sh stop DIR            -> stops everything it started (by PID) and removes DIR
# Ports: etcd client BASEPORT, peer +1; PostgreSQL +2 (n1), +3 (n2); Patroni REST +4 (n1), +5 (n2).
# Every process is started from here, by PID, in DIR: no system service is touched.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=$1 dir=$(realpath -m "$2")
# From / : the postgres user may not be allowed into the caller's working directory.
cd /

# initdb and postgres refuse root: as root the nodes run as `postgres` (setpriv keeps $! = Patroni's own PID).
as_pg() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi; }
port_of() { cat "$dir/baseport"; }
rest_port() { local b; b=$(port_of); [ "$1" = n1 ] && echo $((b + 4)) || echo $((b + 5)); }
pg_port() { local b; b=$(port_of); [ "$1" = n1 ] && echo $((b + 2)) || echo $((b + 3)); }
wait_for() {  # wait_for SECONDS COMMAND...: true once COMMAND succeeds
  local until=$((SECONDS + $1)); shift
  while [ $SECONDS -lt $until ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
is_primary() { curl -sf "http://127.0.0.1:$(rest_port "$1")/primary" >/dev/null; }
streaming() {  # the leader reports a synchronous standby
  curl -sf "http://127.0.0.1:$(rest_port "$1")/patroni" | grep -q '"sync_state": *"sync"' ||
    curl -sf "http://127.0.0.1:$(rest_port "$1")/cluster" | grep -q '"role": *"sync_standby"'
}

node_yaml() {  # node_yaml NAME
  local n=$1 b e pg rest
  b=$(port_of) e=$((b)) pg=$(pg_port "$n") rest=$(rest_port "$n")
  cat <<EOF
scope: clearway
name: $n
restapi:
  listen: 127.0.0.1:$rest
  connect_address: 127.0.0.1:$rest
etcd3:
  hosts: 127.0.0.1:$e
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    # An acknowledged commit is on the standby too: a failover loses no acknowledged lodgement.
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 200
        shared_buffers: 128MB
  initdb:
    - encoding: UTF8
    - locale: C
postgresql:
  listen: 127.0.0.1:$pg
  connect_address: 127.0.0.1:$pg
  data_dir: $dir/$n/data
  bin_dir: $PGBIN
  pgpass: $dir/$n/pgpass
  authentication:
    superuser:
      username: postgres
    replication:
      username: postgres
    rewind:
      username: postgres
  parameters:
    unix_socket_directories: $dir/$n
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
watchdog:
  mode: off
EOF
}

start_node() {  # start_node NAME
  local n=$1
  mkdir -p "$dir/$n"
  node_yaml "$n" >"$dir/$n/node.yml"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$dir/$n"
  # Not through a shell function: `f &` forks a subshell, and $! must be Patroni's own PID.
  if [ "$(id -u)" = 0 ]; then
    HOME="$dir/$n" setpriv --reuid=postgres --regid=postgres --init-groups /usr/bin/patroni "$dir/$n/node.yml" \
      >>"$dir/$n/patroni.log" 2>&1 &
  else
    HOME="$dir/$n" /usr/bin/patroni "$dir/$n/node.yml" >>"$dir/$n/patroni.log" 2>&1 &
  fi
  echo $! >"$dir/$n/patroni.pid"
}

stop_pid() {  # stop_pid FILE SIGNAL: signal the PID in FILE, wait for it to go
  local f=$1 sig=$2 pid
  [ -f "$f" ] || return 0
  pid=$(head -1 "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

case "$cmd" in
  start)
    base=${3:?usage: $0 start DIR BASEPORT}
    for bin in patroni etcd "$PGBIN/postgres"; do
      command -v "$bin" >/dev/null || { echo "missing $bin: make system-deps installs patroni etcd-server postgresql-15" >&2; exit 1; }
    done
    mkdir -p "$dir"
    echo "$base" >"$dir/baseport"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    etcd --name e1 --data-dir "$dir/etcd" \
      --listen-client-urls "http://127.0.0.1:$base" --advertise-client-urls "http://127.0.0.1:$base" \
      --listen-peer-urls "http://127.0.0.1:$((base + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((base + 1))" \
      --initial-cluster "e1=http://127.0.0.1:$((base + 1))" >"$dir/etcd.log" 2>&1 &
    echo $! >"$dir/etcd.pid"
    wait_for 20 curl -sf "http://127.0.0.1:$base/health" || { cat "$dir/etcd.log" >&2; exit 1; }
    start_node n1
    wait_for 60 is_primary n1 || { tail -20 "$dir/n1/patroni.log" >&2; exit 1; }
    start_node n2
    wait_for 90 streaming n1 || { tail -20 "$dir/n2/patroni.log" >&2; exit 1; }
    as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$((base + 2))" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname='clearway'" | grep -q 1 \
      || as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$((base + 2))" -U postgres clearway
    echo "postgresql+psycopg://postgres@/clearway?host=127.0.0.1:$((base + 2))&host=127.0.0.1:$((base + 3))&target_session_attrs=read-write&connect_timeout=2"
    ;;
  leader)
    for n in n1 n2; do is_primary "$n" && { echo "$n"; exit 0; }; done
    exit 1
    ;;
  sync)  # exit 0 when the leader has a synchronous standby again
    for n in n1 n2; do is_primary "$n" && streaming "$n" && exit 0; done
    exit 1
    ;;
  crash)
    n=${3:?usage: $0 crash DIR NODE}
    pm=$(head -1 "$dir/$n/data/postmaster.pid" 2>/dev/null || true)
    kill -9 "$(cat "$dir/$n/patroni.pid")" 2>/dev/null || true
    [ -n "$pm" ] && kill -9 "$pm" 2>/dev/null || true
    # The postmaster's children notice it is gone and exit; wait until the port is free.
    for _ in $(seq 1 50); do
      as_pg "$PGBIN/pg_isready" -h 127.0.0.1 -p "$(pg_port "$n")" -q || break; sleep 0.1
    done
    rm -f "$dir/$n/patroni.pid"
    ;;
  revive)
    n=${3:?usage: $0 revive DIR NODE}
    start_node "$n"
    ;;
  stop)
    [ -d "$dir" ] || exit 0
    for n in n1 n2; do stop_pid "$dir/$n/patroni.pid" TERM; done
    for n in n1 n2; do  # a crashed node's postmaster may be left (Patroni normally stops it)
      if [ -f "$dir/$n/data/postmaster.pid" ]; then stop_pid "$dir/$n/data/postmaster.pid" QUIT; fi
    done
    stop_pid "$dir/etcd.pid" TERM
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|leader|sync|crash|revive|stop DIR [BASEPORT|NODE]" >&2; exit 2 ;;
esac
