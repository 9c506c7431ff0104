#!/usr/bin/env bash
# WAL archiving throughput benchmark (issue 5): SEGMENTS pre-generated 16 MB segments (about
# 2:1 compressible, like real WAL) pushed through archive_command, one at a time in name order
# as PostgreSQL's archiver does (sh -c per file, .ready -> .done after each success), by
#   pgnest wal push %p     with `pgnest wal serve` running (the launcher's fast path; steady: the
#                          second half's rate, as for the pusher)
#   pgnest wal push %p     no service running: the background pusher the first push starts
#                          (cold: its JVM start is inside the time; steady: the second half's rate)
#   pgnest wal push %p     direct path, a JVM per segment (a sample, for reference)
#   pgbackrest archive-push %p   synchronous
#   pgbackrest archive-push %p   asynchronous (archive-async=y, process-max=P)
# into the same in-process S3 server (TLS); prints segments/s, the stored size of each mode's
# archive (pgnest's zstd level against pgBackRest's zst level 3) and the ratios pgnest/pgBackRest.
#
# Usage: bench/wal-push.sh [SEGMENTS] [PARALLEL] [ROUNDS]   (defaults: 500, 2, 2; best round counts)
# Needs: ~2 x SEGMENTS x 16 MB of free disk in $TMPDIR, plus what bench/physical-lib.sh needs.
SEGMENTS="${1:-500}"
PARALLEL="${2:-2}"
ROUNDS="${3:-2}"
DIRECT_SAMPLE=$(( SEGMENTS < 30 ? SEGMENTS : 30 ))
# shellcheck source=bench/physical-lib.sh
. "$(dirname "$0")/physical-lib.sh"
export PGNEST_S3_PREFIX=pgnest
pgnest repo init >&2

echo "generating $SEGMENTS WAL segments (archiving paused)..." >&2
psql -c "CREATE TABLE chunk AS SELECT i, (SELECT string_agg(md5(random()::text || i || g), '') FROM generate_series(1, 32768) g) AS data
         FROM generate_series(1, 64) i" >/dev/null
psql -c "DO \$\$ BEGIN FOR n IN 1..($SEGMENTS + 4) * 16 LOOP
           PERFORM pg_logical_emit_message(false, 'bench', (SELECT data FROM chunk WHERE i = n % 64 + 1));
         END LOOP; END \$\$" >/dev/null
psql -c "SELECT pg_switch_wal()" >/dev/null
fake="$work/fake"
mkdir -p "$fake/pg_wal/archive_status" "$fake/global"
cp "$PG_DATA/global/pg_control" "$fake/global/"
mapfile -t segs < <(ls "$PG_DATA/pg_wal/archive_status" | sed -n 's/^\([0-9A-F]\{24\}\)\.ready$/\1/p' | sort | head -n "$SEGMENTS")
[ "${#segs[@]}" -eq "$SEGMENTS" ] || { echo "only ${#segs[@]} segments were generated" >&2; exit 1; }
for s in "${segs[@]}"; do cp "$PG_DATA/pg_wal/$s" "$fake/pg_wal/"; done
echo "$SEGMENTS segments ready ($(du -sh "$fake/pg_wal" | cut -f1))" >&2

# the archiver: one `sh -c` per segment, in order, .ready -> .done on success
drive() {   # command-prefix count -> seconds
  local cmd="$1" count="$2" t0 s
  for s in "${segs[@]}"; do
    rm -f "$fake/pg_wal/archive_status/$s.done"
    touch "$fake/pg_wal/archive_status/$s.ready"
  done
  t0=$(now)
  for s in "${segs[@]:0:$count}"; do
    (cd "$fake" && sh -c "$cmd pg_wal/$s") || { echo "archive_command failed for $s" >&2; return 1; }
    mv "$fake/pg_wal/archive_status/$s.ready" "$fake/pg_wal/archive_status/$s.done"
  done
  elapsed "$t0" "$(now)"
}
# as drive, and also writes the seconds the second half took to $work/second-half
drive_halves() {   # command-prefix count -> seconds
  local cmd="$1" count="$2" t0 tmid s n=0
  for s in "${segs[@]}"; do
    rm -f "$fake/pg_wal/archive_status/$s.done"
    touch "$fake/pg_wal/archive_status/$s.ready"
  done
  t0=$(now); tmid="$t0"
  for s in "${segs[@]:0:$count}"; do
    [ "$n" -eq $(( count / 2 )) ] && tmid=$(now)
    (cd "$fake" && sh -c "$cmd pg_wal/$s") || { echo "archive_command failed for $s" >&2; return 1; }
    mv "$fake/pg_wal/archive_status/$s.ready" "$fake/pg_wal/archive_status/$s.done"
    n=$(( n + 1 ))
  done
  elapsed "$tmid" "$(now)" > "$work/second-half"
  elapsed "$t0" "$(now)"
}
stop_pushers() {   # the background pushers the pusher rounds started (their lock files hold the pids)
  local lock pid
  for lock in "$work"/spool/pusher-*/pusher.lock; do
    [ -f "$lock" ] || continue
    pid=$(cat "$lock" 2>/dev/null || true)
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
  done
}
trap 'stop_pushers; bench_cleanup' EXIT
# bytes of the WAL segments archived under an object-store directory (both tools keep 24-hex-digit names)
stored() { find "$1" -type f -name '[0-9A-F]*' -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }
mib() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1048576:.0f}')" "$1"; }
rate() { python3 -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]):.1f}')" "$1" "$2"; }

best() { python3 -c "import sys; v=[float(x) for x in sys.argv[1:] if x]; print(f'{min(v):.2f}')" "$@"; }
t_fast=""; t_fast_half=""; t_direct=""; t_sync=""; t_async=""; t_pusher=""; t_pusher_half=""
s_fast=0; s_pusher=0; s_sync=0; s_async=0
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round: pgnest, wal serve running..." >&2
  export PGNEST_TARGET="walbench-serve-$round"
  start_wal_serve "$PARALLEL"
  # the repository's launcher itself, as the pusher line runs it (the spool directory is in the environment)
  t=$(drive_halves ". $work/pgnest-env.sh && PGNEST_TARGET=$PGNEST_TARGET $root/pgnest wal push" "$SEGMENTS")
  t_fast="$t_fast $t"; t_fast_half="$t_fast_half $(cat "$work/second-half")"
  stop_wal_serve
  pgnest wal check >/dev/null || { echo "pgnest archive incomplete" >&2; pgnest wal check >&2; exit 1; }
  s_fast=$(stored "$work/s3/bench/$PGNEST_S3_PREFIX/$PGNEST_TARGET")

  echo "round $round: pgnest, no service running (background pusher, cold start)..." >&2
  export PGNEST_TARGET="walbench-pusher-$round"
  # the repository's launcher itself, as an operator runs it: the pusher gets no per-segment JVM options
  t=$(drive_halves ". $work/pgnest-env.sh && PGNEST_WAL_PUSH_PARALLELISM=$PARALLEL PGNEST_TARGET=$PGNEST_TARGET $root/pgnest wal push" "$SEGMENTS")
  t_pusher="$t_pusher $t"; t_pusher_half="$t_pusher_half $(cat "$work/second-half")"
  stop_pushers
  pgnest wal check >/dev/null || { echo "pgnest archive incomplete (pusher)" >&2; pgnest wal check >&2; exit 1; }
  s_pusher=$(stored "$work/s3/bench/$PGNEST_S3_PREFIX/$PGNEST_TARGET")

  if [ "$round" = 1 ]; then
    echo "round $round: pgnest, direct path ($DIRECT_SAMPLE segments)..." >&2
    export PGNEST_TARGET="walbench-direct"
    t_direct=$(drive ". $work/pgnest-env.sh && PGNEST_TARGET=$PGNEST_TARGET $launcher wal push" "$DIRECT_SAMPLE")
  fi

  echo "round $round: pgBackRest, synchronous..." >&2
  conf=$(pgbr_config "/br-sync-$round" "$PARALLEL")
  pgbackrest --config="$conf" --stanza=bench stanza-create >&2
  push_conf=$(PGBR_PG_PATH="$fake" pgbr_config "/br-sync-$round" "$PARALLEL"); mv "$push_conf" "$work/br-push.conf"
  t=$(drive "pgbackrest --config=$work/br-push.conf --stanza=bench archive-push" "$SEGMENTS"); t_sync="$t_sync $t"
  s_sync=$(stored "$work/s3/bench/br-sync-$round/archive")

  echo "round $round: pgBackRest, asynchronous (process-max $PARALLEL)..." >&2
  conf=$(pgbr_config "/br-async-$round" "$PARALLEL")
  pgbackrest --config="$conf" --stanza=bench stanza-create >&2
  push_conf=$(PGBR_PG_PATH="$fake" pgbr_config "/br-async-$round" "$PARALLEL" y); mv "$push_conf" "$work/br-push.conf"
  t=$(drive "pgbackrest --config=$work/br-push.conf --stanza=bench archive-push" "$SEGMENTS"); t_async="$t_async $t"
  s_async=$(stored "$work/s3/bench/br-async-$round/archive")
  echo "round $round: pgnest(serve) ${t_fast##* }s, pgnest(pusher, cold) ${t_pusher##* }s, pgBackRest sync ${t_sync##* }s, async ${t_async##* }s" >&2
done
t_fast=$(best $t_fast); t_sync=$(best $t_sync); t_async=$(best $t_async)
t_pusher=$(best $t_pusher); t_pusher_half=$(best $t_pusher_half); t_fast_half=$(best $t_fast_half)

r_pusher=$(rate "$SEGMENTS" "$t_pusher"); r_pusher_half=$(rate "$(( SEGMENTS - SEGMENTS / 2 ))" "$t_pusher_half")
r_fast=$(rate "$SEGMENTS" "$t_fast"); r_fast_half=$(rate "$(( SEGMENTS - SEGMENTS / 2 ))" "$t_fast_half"); r_direct=$(rate "$DIRECT_SAMPLE" "$t_direct")
r_sync=$(rate "$SEGMENTS" "$t_sync"); r_async=$(rate "$SEGMENTS" "$t_async")
echo
echo "WAL push through archive_command, $SEGMENTS x 16 MB segments, parallelism $PARALLEL, best of $ROUNDS:"
printf "  %-44s %8s seg/s  (%ss)  %6s MiB stored\n" "pgnest wal push (wal serve running)" "$r_fast" "$t_fast" "$(mib "$s_fast")"
printf "  %-44s %8s seg/s  (%ss for %s)\n" "pgnest wal push (wal serve, second half)" "$r_fast_half" "$t_fast_half" "$(( SEGMENTS - SEGMENTS / 2 ))"
printf "  %-44s %8s seg/s  (%ss)  %6s MiB stored\n" "pgnest wal push (no service: pusher, cold)" "$r_pusher" "$t_pusher" "$(mib "$s_pusher")"
printf "  %-44s %8s seg/s  (%ss for %s)\n" "pgnest wal push (pusher, second half)" "$r_pusher_half" "$t_pusher_half" "$(( SEGMENTS - SEGMENTS / 2 ))"
printf "  %-44s %8s seg/s  (%ss for %s)\n" "pgnest wal push (direct, JVM per segment)" "$r_direct" "$t_direct" "$DIRECT_SAMPLE"
printf "  %-44s %8s seg/s  (%ss)  %6s MiB stored\n" "pgbackrest archive-push (sync)" "$r_sync" "$t_sync" "$(mib "$s_sync")"
printf "  %-44s %8s seg/s  (%ss)  %6s MiB stored\n" "pgbackrest archive-push (async)" "$r_async" "$t_async" "$(mib "$s_async")"
echo "  stored size pgnest(pusher)/pgBackRest(async): $(ratio "$s_pusher" "$s_async")  ($SEGMENTS segments, $(mib $(( SEGMENTS * 16777216 ))) MiB raw)"
echo "  ratio pgnest(serve)/pgBackRest sync:  $(ratio "$r_fast" "$r_sync")  (target >= 1.0)"
echo "  ratio pgnest(serve)/pgBackRest async: $(ratio "$r_fast" "$r_async")  (target >= 1.0)"
echo "  ratio pgnest(pusher, cold)/pgBackRest sync:    $(ratio "$r_pusher" "$r_sync")  (target >= 1.0)"
echo "  ratio pgnest(pusher, 2nd half)/pgBackRest async: $(ratio "$r_pusher_half" "$r_async")  (target >= 2.0)"
echo "  ratio pgnest(serve, 2nd half)/pgBackRest async:  $(ratio "$r_fast_half" "$r_async")  (steady state; target >= 2.0)"
echo "  ratio pgnest(pusher, cold)/pgnest(direct):        $(ratio "$r_pusher" "$r_direct")"
