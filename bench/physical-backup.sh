#!/usr/bin/env bash
# Physical base backup benchmark (issue 5): in one run, on one cluster loaded with
# `pgnest seed --scale N` and one in-process S3 server (TLS), compare
#   pgBackRest 2.x  full backup, repo type s3, compress-type=zst, process-max=P
#   pgnest          backup physical --parallel P (zstd, files read in parallel)
# wall time (best of ROUNDS, the WAL wait included for both) and stored size, and print the
# ratios pgnest/pgBackRest (targets: time <= 1.0; size for information).
#
# Usage: bench/physical-backup.sh [SCALE] [PARALLEL] [ROUNDS]   (defaults: 1, nproc, 2)
# Needs: a built tree (the bench builds it with ./mvnw), PostgreSQL 15, pgbackrest, keytool, python3.
SCALE="${1:-1}"
PARALLEL="${2:-$(nproc)}"
ROUNDS="${3:-2}"
# shellcheck source=bench/physical-lib.sh
. "$(dirname "$0")/physical-lib.sh"

seed_cluster "$SCALE" "$PARALLEL"

start_wal_serve "$PARALLEL"

best_br=""; best_pn=""; size_br=""; size_pn=""
for round in $(seq 1 "$ROUNDS"); do
  # pgBackRest: its own archive_command (it checks its own archive for the backup's WAL)
  set_archive_command "pgbackrest --config=$conf --stanza=bench archive-push %p"
  psql -c "CHECKPOINT" >/dev/null
  t0=$(now)
  pgbackrest --config="$conf" --stanza=bench --type=full backup >&2
  t_br=$(elapsed "$t0" "$(now)")
  size_br=$(pgbackrest --config="$conf" --stanza=bench info --output=json \
    | python3 -c "import json,sys; b=json.load(sys.stdin)[0]['backup'][-1]; print(b['info']['repository']['delta'])")

  # pgnest: archive_command through the launcher (served by wal serve)
  set_archive_command ". $work/pgnest-env.sh && $launcher wal push %p"
  psql -c "CHECKPOINT" >/dev/null
  t0=$(now)
  pgnest backup physical --parallel "$PARALLEL" --output json > "$work/pn.json"
  t_pn=$(elapsed "$t0" "$(now)")
  size_pn=$(python3 -c "import json; m=json.load(open('$work/pn.json'))['manifest']; print(sum(o['size'] for o in m['objects']))")
  echo "round $round: pgBackRest ${t_br}s ($((size_br / 1048576)) MiB), pgnest ${t_pn}s ($((size_pn / 1048576)) MiB)" >&2
  if [ -z "$best_br" ] || python3 -c "import sys; sys.exit(0 if float('$t_br') < float('$best_br') else 1)"; then best_br=$t_br; fi
  if [ -z "$best_pn" ] || python3 -c "import sys; sys.exit(0 if float('$t_pn') < float('$best_pn') else 1)"; then best_pn=$t_pn; fi
done

echo
echo "physical base backup, seed scale $SCALE ($db_size), parallelism $PARALLEL, best of $ROUNDS:"
printf "  %-28s %8ss  %8s MiB stored\n" "pgBackRest $(pgbackrest version | cut -d' ' -f2) (zst, s3)" "$best_br" "$((size_br / 1048576))"
printf "  %-28s %8ss  %8s MiB stored\n" "pgnest backup physical" "$best_pn" "$((size_pn / 1048576))"
echo "  time ratio pgnest/pgBackRest: $(ratio "$best_pn" "$best_br")  (target <= 1.0)"
echo "  size ratio pgnest/pgBackRest: $(ratio "$size_pn" "$size_br")"
