#!/usr/bin/env bash
# Restore benchmark (issue 6): in one run, on one cluster loaded with `pgnest seed --scale N`,
# WAL archived to both repositories by one archive_command, one base backup each of the same
# data followed by SEGMENTS WAL segments of writes, compare the wall time of
#   pgBackRest 2.x  restore (posix repo, zst, process-max P) + PostgreSQL replaying the archive
#                   (restore_command = pgbackrest archive-get) until promoted, then a clean stop
#   pgnest          restore pitr --latest (fs repo, zstd; download + verify P at a time, recovery
#                   with restore_command = pgnest wal fetch, promotion, clean stop)
# and print the ratio pgnest/pgBackRest (target <= 0.8, issue 25; 1.0 before). Each round also
# prints PostgreSQL's own share from both server logs (replay is the floor). Both restored
# clusters must hold the source's final table checksum. Local repositories on both sides: the
# restore path is measured, not the network.
#
# Usage: bench/restore-pitr.sh [SCALE] [SEGMENTS] [PARALLEL] [ROUNDS]   (defaults: 1, 16, nproc, 2)
# Needs: PostgreSQL 15 server programs, pgbackrest (apt-get install pgbackrest), python3; runs as
# root (PostgreSQL in a user namespace, as the test harness does) or as the database's OS user.
set -euo pipefail
SCALE="${1:-1}"
SEGMENTS="${2:-16}"
PARALLEL="${3:-$(nproc)}"
ROUNDS="${4:-2}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
bin="${PGNEST_PG_BIN_DIR:-/usr/lib/postgresql/15/bin}"
work="$(mktemp -d /tmp/pgnest-rbench-XXXXXX)"
chmod 755 "$work"
command -v pgbackrest >/dev/null || { echo "pgbackrest is not installed (apt-get install pgbackrest)" >&2; exit 2; }

as_pg=()
if [ "$(id -u)" = 0 ]; then as_pg=(unshare -U --); fi
pgctl() { "${as_pg[@]}" "$bin/pg_ctl" "$@"; }
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.2f}')" "$1" "$2"; }
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}' if b else 'n/a')" "$1" "$2"; }
cleanup() {
  for d in "$work/src" "$work/r-br" "$work/r-pn"; do
    [ -f "$d/postmaster.pid" ] && pgctl -D "$d" -m immediate stop >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

echo "building pgnest..." >&2
./pgnest --version >/dev/null

mkdir -p "$work/run" "$work/pgbr" "$work/pgnest-repo"
"${as_pg[@]}" "$bin/initdb" -D "$work/src" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
cat >> "$work/src/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work/run'
wal_level = replica
archive_mode = on
max_wal_size = 4GB
CONF

export PGNEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
export PGNEST_REPO_TYPE=fs PGNEST_REPO_PATH="$work/pgnest-repo" PGNEST_PG_BIN_DIR="$bin"
export PGNEST_RESTORE_OS_USER=user-namespace PGNEST_RESTORE_LAUNCHER="$root/pgnest"
export PGNEST_RESTORE_REPORT_DIR="$work/reports" PGNEST_RESTORE_TIMEOUT=30m PGNEST_LOG_LEVEL=warn
conf="$work/pgbackrest.conf"
cat > "$conf" <<CONF
[global]
repo1-path=$work/pgbr
repo1-retention-full=9
compress-type=zst
compress-level=3
process-max=$PARALLEL
start-fast=y
archive-timeout=120
log-path=$work/pgbr-log
lock-path=$work/pgbr-lock
log-level-console=warn
log-level-file=off

[bench]
pg1-path=$work/src
pg1-port=$port
pg1-socket-path=$work/run
pg1-user=postgres
CONF
# one archive_command, both archives (pgBackRest's first: it checks the cluster's identity)
echo "archive_command = 'pgbackrest --config=$conf --stanza=bench archive-push %p && $root/pgnest wal push %p'" \
  >> "$work/src/postgresql.conf"
pgctl -D "$work/src" -l "$work/src.log" -w start >/dev/null
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$work/run" -p "$port" -U postgres -d postgres "$@"; }

echo "seeding scale $SCALE..." >&2
./pgnest seed --scale "$SCALE" >&2
./pgnest repo init >&2
pgbackrest --config="$conf" --stanza=bench stanza-create >&2

echo "base backups of the same data..." >&2
psql -c "CHECKPOINT"
pgbackrest --config="$conf" --stanza=bench --type=full backup >&2
./pgnest backup physical --parallel "$PARALLEL" >&2

echo "writing $SEGMENTS WAL segments..." >&2
psql -c "create table bench_wal (id bigserial primary key, payload text)"
for i in $(seq 1 "$SEGMENTS"); do
  psql -c "insert into bench_wal (payload) select repeat(md5(g::text || '$i'), 8) from generate_series(1, 40000) g"
  psql -c "select pg_switch_wal()" >/dev/null
done
checksum=$(psql -At -c "select count(*) || ':' || md5(string_agg(payload, '' order by id)) from bench_wal")
last=$(psql -At -c "select pg_walfile_name(pg_switch_wal())")
for _ in $(seq 1 3000); do
  [ "$(psql -At -c "select coalesce(last_archived_wal, '') >= '$last' from pg_stat_archiver")" = t ] && break
  sleep 0.1
done
[ "$(psql -At -c "select coalesce(last_archived_wal, '') >= '$last' from pg_stat_archiver")" = t ] \
  || { echo "WAL through $last was not archived (see $work/src.log)" >&2; tail -20 "$work/src.log" >&2; exit 1; }
echo "archived through $last" >&2

started() {   # data-dir port run-dir: start a restored directory, wait until recovery promoted it
  pgctl -D "$1" -l "$3/log" -W -o "-c port=$2 -c unix_socket_directories=$3 -c archive_mode=off" start >/dev/null
  for _ in $(seq 1 36000); do
    [ "$("$bin/psql" -X -At -h "$3" -p "$2" -U postgres -d postgres -c "select pg_is_in_recovery()" 2>/dev/null)" = f ] && return 0
    sleep 0.05
  done
  echo "recovery of $1 did not finish" >&2; tail -20 "$3/log" >&2; exit 1
}
# pg_split SERVER-LOG: PostgreSQL's own share of a recovery, the same for both tools (log_checkpoints is
# on by default since 15): the start-up sync of the data directory, the replay (its elapsed and
# CPU time: the floor no restore tool goes under) and the end-of-recovery checkpoint
pg_split() {
  python3 - "$1" <<'PY'
import re, sys, datetime
lines = open(sys.argv[1], errors="replace").read().splitlines()
def at(text):
    for l in lines:
        if text in l:
            return datetime.datetime.strptime(l[:23], "%Y-%m-%d %H:%M:%S.%f"), l
    return None, ""
t_int, _ = at("database system was interrupted")
t_arc, _ = at("starting archive recovery")
_, redo = at("redo done at")
_, ckpt = at("checkpoint complete")
m = re.search(r"CPU: user: ([\d.]+) s, system: ([\d.]+) s, elapsed: ([\d.]+) s", redo)
c = re.search(r"total=([\d.]+) s", ckpt)
sync = f"{(t_arc - t_int).total_seconds():.2f}" if t_int and t_arc else "?"
print(f"start-up sync {sync}s, replay {m.group(3) if m else '?'}s (CPU {float(m.group(1)) + float(m.group(2)):.2f}s)"
      if m else f"start-up sync {sync}s, replay ?", end="")
print(f", end-of-recovery checkpoint {c.group(1) if c else '?'}s")
PY
}
verify() {  # data-dir: the restored cluster holds the source's final checksum
  local p run got
  p=$(free_port); run="$(mktemp -d /tmp/pgnest-rbv-XXXXXX)"
  started "$1" "$p" "$run"
  got=$("$bin/psql" -X -At -h "$run" -p "$p" -U postgres -d postgres \
    -c "select count(*) || ':' || md5(string_agg(payload, '' order by id)) from bench_wal")
  pgctl -D "$1" -m fast -w stop >/dev/null
  rm -rf "$run"
  [ "$got" = "$checksum" ] || { echo "checksum of $1: $got, expected $checksum" >&2; exit 1; }
}

best_br=""; best_pn=""
for round in $(seq 1 "$ROUNDS"); do
  rm -rf "$work/r-br" "$work/r-pn"
  p=$(free_port); run="$(mktemp -d /tmp/pgnest-rbr-XXXXXX)"
  mkdir -m 700 "$work/r-br"
  t0=$(now)
  pgbackrest --config="$conf" --stanza=bench --pg1-path="$work/r-br" --type=default restore >&2
  started "$work/r-br" "$p" "$run"
  pgctl -D "$work/r-br" -m fast -w stop >/dev/null
  t_br=$(elapsed "$t0" "$(now)")
  split_br=$(pg_split "$run/log")
  rm -rf "$run"

  p=$(free_port)
  t0=$(now)
  ./pgnest restore pitr --latest --data-dir "$work/r-pn" --port "$p" --no-archive -j "$PARALLEL" > "$work/pn.txt"
  t_pn=$(elapsed "$t0" "$(now)")
  sed 's/^/    /' "$work/pn.txt" >&2
  segments=$(sed -n 's/^  wal: *\([0-9]*\) segments.*/\1/p' "$work/pn.txt")
  split_pn=$(pg_split "$(sed -n 's/^  log: *//p' "$work/pn.txt")")

  # the restored directories were promoted: check them after the timing
  rm -f "$work/r-br/recovery.signal" "$work/r-pn/recovery.signal"
  verify "$work/r-br"
  verify "$work/r-pn"
  echo "round $round: pgBackRest ${t_br}s, pgnest ${t_pn}s (${segments:-?} WAL segments replayed); checksums equal" >&2
  echo "  PostgreSQL under pgBackRest: $split_br" >&2
  echo "  PostgreSQL under pgnest:     $split_pn" >&2
  if [ -z "$best_br" ] || python3 -c "import sys; sys.exit(0 if float('$t_br') < float('$best_br') else 1)"; then best_br=$t_br; fi
  if [ -z "$best_pn" ] || python3 -c "import sys; sys.exit(0 if float('$t_pn') < float('$best_pn') else 1)"; then best_pn=$t_pn; fi
done

db_size=$(psql -At -c "select pg_size_pretty(sum(pg_database_size(datname))) from pg_database")
echo
echo "restore of base backup ($db_size) + $SEGMENTS WAL segments, seed scale $SCALE, parallelism $PARALLEL, best of $ROUNDS:"
printf "  %-44s %8ss\n" "pgBackRest $(pgbackrest version | cut -d' ' -f2) restore + recovery (posix, zst)" "$best_br"
printf "  %-44s %8ss\n" "pgnest restore pitr --latest (fs, zstd)" "$best_pn"
echo "  time ratio pgnest/pgBackRest: $(ratio "$best_pn" "$best_br")  (target <= 0.8, issue 25)"
