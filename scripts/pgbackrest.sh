#!/usr/bin/env bash
# Backups and point-in-time restore of one PostgreSQL cluster with pgBackRest (Debian `pgbackrest`), everything
# in a folder of its own (repository, logs, locks, spool): no system path is touched.
#   scripts/pgbackrest.sh configure REPO PGDATA PGPORT [SOCKETDIR]  -> writes REPO/pgbackrest.conf
#   scripts/pgbackrest.sh archive-opts REPO      -> the server options for continuous WAL archiving
#                                                   (give them to PostgreSQL, e.g. PG_EXTRA_OPTS of pgcluster.sh)
#   scripts/pgbackrest.sh stanza REPO            -> stanza-create and check (archiving works end to end)
#   scripts/pgbackrest.sh backup REPO full|diff|incr   -> one backup, then expiry by the retention below
#   scripts/pgbackrest.sh schedule REPO          -> the crontab of the schedule (install it with `crontab`)
#   scripts/pgbackrest.sh info REPO              -> the backups in the repository (JSON)
#   scripts/pgbackrest.sh restore REPO TIME NEWDATA NEWPORT  -> restores to TIME (UTC, ISO 8601) into a new
#                                                   cluster on NEWPORT, started and promoted; prints its URL
#   scripts/pgbackrest.sh stop-restored NEWDATA  -> stops a restored cluster
# Schedule and retention (the recovery point objective is 1 minute of acknowledged work):
#   - WAL is archived continuously, and at least every 60 s (archive_timeout) even when little is written, so a
#     lost server costs at most the last minute (measured by `clearway drill restore --backend pgbackrest`);
#   - a full backup every Sunday at 01:00 UTC, a differential every other day at 01:00, an incremental every
#     hour (restores replay at most an hour of WAL);
#   - retention: 2 full backups (and the differentials, incrementals and WAL that depend on them): at least a
#     week of points in time to restore to; `expire` runs after every backup.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
STANZA=${PGBACKREST_STANZA:-clearway}
cmd=${1:?usage: $0 configure|archive-opts|stanza|backup|schedule|info|restore|stop-restored REPO ...}
repo=$(realpath -m "${2:?REPO}")
conf="$repo/pgbackrest.conf"
cd /
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
br() { as_pg pgbackrest --config="$conf" --stanza="$STANZA" "$@"; }

case "$cmd" in
  configure)
    pgdata=$(realpath -m "${3:?PGDATA}") port=${4:?PGPORT} socket=${5:-$(dirname "$pgdata")}
    command -v pgbackrest >/dev/null || { echo "missing pgbackrest: apt-get install pgbackrest" >&2; exit 1; }
    mkdir -p "$repo"/{repo,log,lock,spool}
    cat >"$conf" <<EOF
[global]
repo1-path=$repo/repo
log-path=$repo/log
lock-path=$repo/lock
spool-path=$repo/spool
# Keep two full backups and everything that depends on them (at least a week with the weekly full).
repo1-retention-full=2
repo1-retention-full-type=count
start-fast=y
compress-type=lz4
process-max=2
log-level-console=warn
log-level-file=info
archive-async=n

[$STANZA]
pg1-path=$pgdata
pg1-port=$port
pg1-socket-path=$socket
pg1-user=postgres
EOF
    [ "$(id -u)" = 0 ] && chown -R postgres: "$repo"
    echo "$conf"
    ;;
  archive-opts)
    # archive_timeout: a segment is switched (and archived) at least every 60 s: the recovery point objective.
    echo "-c wal_level=replica -c archive_mode=on -c archive_timeout=60" \
      "-c archive_command='pgbackrest --config=$conf --stanza=$STANZA archive-push %p'"
    ;;
  stanza)
    br stanza-create
    br check
    ;;
  backup)
    type=${3:?full|diff|incr}
    case "$type" in full|diff|incr) ;; *) echo "backup type must be full, diff or incr" >&2; exit 2 ;; esac
    br --type="$type" backup  # expires by repo1-retention-full afterwards
    ;;
  schedule)
    self=$(realpath "$0")
    cat <<EOF
# Clearway pgBackRest schedule (UTC): crontab -u postgres this file. Full weekly, differential daily, incremental hourly.
0 1 * * 0    $self backup $repo full
0 1 * * 1-6  $self backup $repo diff
0 2-23,0 * * *  $self backup $repo incr
EOF
    ;;
  info)
    br --output=json info
    ;;
  restore)
    target=${3:?TIME} new=$(realpath -m "${4:?NEWDATA}") newport=${5:?NEWPORT}
    mkdir -p "$new" && chmod 700 "$new"
    [ "$(id -u)" = 0 ] && chown postgres: "$new" "$(dirname "$new")"
    # A new cluster of its own: the source keeps running; archive_mode=off so the copy never pushes into the
    # repository of the source; promoted once the target time is reached.
    br --pg1-path="$new" --type=time --target="$target" --target-action=promote restore
    cat >>"$new/postgresql.auto.conf" <<EOF
archive_mode = off
hot_standby = off
port = $newport
listen_addresses = '127.0.0.1'
unix_socket_directories = '$(dirname "$new")'
EOF
    as_pg "$PGBIN/pg_ctl" -D "$new" -l "$(dirname "$new")/restored.log" -w -t 120 start >/dev/null \
      || { tail -20 "$(dirname "$new")/restored.log" >&2; exit 1; }
    for _ in $(seq 1 600); do
      [ "$(as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$newport" -U postgres -qtAc 'SELECT NOT pg_is_in_recovery()' 2>/dev/null)" = t ] \
        && { echo "postgresql+psycopg://postgres@127.0.0.1:$newport/clearway"; exit 0; }
      sleep 0.1
    done
    echo "the restored cluster was not promoted within 60 s" >&2; tail -20 "$(dirname "$new")/restored.log" >&2; exit 1
    ;;
  stop-restored)
    as_pg "$PGBIN/pg_ctl" -D "$repo" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 configure|archive-opts|stanza|backup|schedule|info|restore|stop-restored REPO ..." >&2; exit 2 ;;
esac
