#!/usr/bin/env bash
# Restore benchmark (issue 6): in one run, on one cluster loaded with `pgnest seed --scale N`
# and one in-process S3 server (TLS), WAL archived to both repositories by one archive_command,
# one base backup each of the same data followed by SEGMENTS WAL segments of writes, compare
#   pgBackRest 2.x  restore (repo s3, zst, process-max P) + PostgreSQL replaying to the end of
#                   the archive (restore_command = pgbackrest archive-get) until promoted
#   pgnest          restore pitr --latest (download + verify P at a time, recovery with
#                   restore_command = pgnest wal fetch, promotion), both stopped cleanly at the end
# wall time (best of ROUNDS) and print the ratio pgnest/pgBackRest (target <= 1.0). Both
# restored clusters must hold the source's final table checksums.
#
# Usage: bench/restore-pitr.sh [SCALE] [SEGMENTS] [PARALLEL] [ROUNDS]   (defaults: 1, 16, nproc, 2)
# Needs: a built tree (./mvnw works offline), PostgreSQL 15, pgbackrest, keytool, python3.
# Shares its servers and pgBackRest settings with bench/physical-backup.sh (bench/physical-lib.sh).
SCALE="${1:-1}"
SEGMENTS="${2:-16}"
PARALLEL="${3:-$(nproc)}"
ROUNDS="${4:-2}"
# shellcheck source=bench/physical-lib.sh
. "$(dirname "$0")/physical-lib.sh"

# the restored servers run as root in a user namespace, like the bench cluster, so that they
# can run the launcher from this tree and the jars under ~/.m2
export PGNEST_RESTORE_OS_USER=user-namespace
export PGNEST_RESTORE_LAUNCHER="$launcher"
export PGNEST_RESTORE_REPORT_DIR="$work/reports"
export PGNEST_RESTORE_TIMEOUT=30m

echo "seeding scale $SCALE..." >&2
export PGNEST_S3_PREFIX=pgnest
pgnest seed --scale "$SCALE" >&2
pgnest repo init >&2

conf=$(pgbr_config /pgbackrest "$PARALLEL")
pgbackrest --config="$conf" --stanza=bench stanza-create >&2
mkdir -p "$work/spool"
pgnest wal serve --parallel "$PARALLEL" > "$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 300); do [ -f "$work/spool/push-endpoint" ] && break; sleep 0.1; done
# every segment goes to both archives (pgBackRest first: its stanza checks the system id)
set_archive_command "pgbackrest --config=$conf --stanza=bench archive-push %p \&\& . $work/pgnest-env.sh \&\& $launcher wal push %p"

echo "base backups of the same data..." >&2
psql -c "CHECKPOINT" >/dev/null
pgbackrest --config="$conf" --stanza=bench --type=full backup >&2
pgnest backup physical --parallel "$PARALLEL" >&2

echo "writing $SEGMENTS WAL segments..." >&2
psql -c "create table bench_wal (id bigserial primary key, payload text)" >/dev/null
for i in $(seq 1 "$SEGMENTS"); do
  # ~16 MiB of WAL per round (rows + full page images), then a segment switch
  psql -c "insert into bench_wal (payload) select repeat(md5(g::text || '$i'), 8) from generate_series(1, 40000) g" >/dev/null
  psql -c "select pg_switch_wal()" >/dev/null
done
checksum=$(psql -At -c "select count(*) || ':' || md5(string_agg(payload, '' order by id)) from bench_wal")
last=$(psql -At -c "select pg_walfile_name(pg_switch_wal())")
for _ in $(seq 1 1200); do
  [ "$(psql -At -c "select coalesce(last_archived_wal, '') >= '$last' from pg_stat_archiver")" = t ] && break
  sleep 0.1
done
echo "archived through $last" >&2

free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
pg_in() {   # data-dir port: start on a restored directory and wait until recovery promoted it
  local dir="$1" port="$2" run
  run="$(mktemp -d /tmp/pgnest-br-XXXXXX)"
  unshare -U -- "$PG_BIN_DIR/pg_ctl" -D "$dir" -l "$run/log" -W \
    -o "-c port=$port -c unix_socket_directories=$run -c archive_mode=off -c logging_collector=off" start >/dev/null
  for _ in $(seq 1 36000); do
    [ "$("$PG_BIN_DIR/psql" -X -At -h "$run" -p "$port" -U postgres -d postgres -c "select pg_is_in_recovery()" 2>/dev/null)" = f ] && break
    sleep 0.05
  done
  echo "$run"
}
verify() {  # data-dir: the restored cluster must hold the source's checksum
  local port run got
  port=$(free_port)
  run=$(pg_in "$1" "$port")
  got=$("$PG_BIN_DIR/psql" -X -At -h "$run" -p "$port" -U postgres -d postgres \
    -c "select count(*) || ':' || md5(string_agg(payload, '' order by id)) from bench_wal")
  unshare -U -- "$PG_BIN_DIR/pg_ctl" -D "$1" -m fast -w stop >/dev/null
  rm -rf "$run"
  [ "$got" = "$checksum" ] || { echo "checksum of $1: $got, expected $checksum" >&2; exit 1; }
}

best_br=""; best_pn=""
for round in $(seq 1 "$ROUNDS"); do
  rm -rf "$work/r-br" "$work/r-pn" "$work/pgbr-spool"
  port=$(free_port)
  t0=$(now)
  pgbackrest --config="$conf" --stanza=bench --pg1-path="$work/r-br" --type=default --delta restore >&2
  run=$(pg_in "$work/r-br" "$port")
  unshare -U -- "$PG_BIN_DIR/pg_ctl" -D "$work/r-br" -m fast -w stop >/dev/null
  t_br=$(elapsed "$t0" "$(now)")
  rm -rf "$run"

  port=$(free_port)
  t0=$(now)
  pgnest restore pitr --latest --data-dir "$work/r-pn" --port "$port" --no-archive -j "$PARALLEL" > "$work/pn.txt"
  t_pn=$(elapsed "$t0" "$(now)")
  segments=$(sed -n 's/^  wal: *\([0-9]*\) segments.*/\1/p' "$work/pn.txt")

  verify "$work/r-br"
  verify "$work/r-pn"
  echo "round $round: pgBackRest ${t_br}s, pgnest ${t_pn}s (${segments:-?} WAL segments replayed); checksums equal" >&2
  if [ -z "$best_br" ] || python3 -c "import sys; sys.exit(0 if float('$t_br') < float('$best_br') else 1)"; then best_br=$t_br; fi
  if [ -z "$best_pn" ] || python3 -c "import sys; sys.exit(0 if float('$t_pn') < float('$best_pn') else 1)"; then best_pn=$t_pn; fi
done

echo
echo "restore of base backup + $SEGMENTS WAL segments, seed scale $SCALE, parallelism $PARALLEL, best of $ROUNDS:"
printf "  %-40s %8ss\n" "pgBackRest $(pgbackrest version | cut -d' ' -f2) restore + recovery" "$best_br"
printf "  %-40s %8ss\n" "pgnest restore pitr --latest" "$best_pn"
echo "  time ratio pgnest/pgBackRest: $(ratio "$best_pn" "$best_br")  (target <= 1.0)"
