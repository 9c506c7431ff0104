#!/usr/bin/env bash
# Incremental physical backup benchmark (issue 21): in one run, on one cluster loaded with
# `pgnest seed --scale N` and one in-process S3 server (TLS):
#   1. a full backup with both tools (pgBackRest --type=full; pgnest backup physical --type full)
#   2. the application writes: the three biggest tables get 2 % new rows (copies of their newest
#      rows) and 0.5 % of their most recent rows are updated, as BabyNest's logs grow
#   3. an incremental with both tools: pgBackRest --type=incr (file level: every changed file
#      again, the default without repo-block), pgnest backup physical --type incr (changed pages)
# Same parallelism, zstd, same S3 server. Prints wall time (the WAL wait included for both) and
# stored size of the incrementals and the ratios pgnest/pgBackRest
# (targets: time <= 1.0, stored size <= 0.5 at scale >= 5).
#
# Usage: bench/incremental-backup.sh [SCALE] [PARALLEL]   (defaults: 5, nproc)
# Needs: a built tree (the bench builds it with ./mvnw), PostgreSQL 15, pgbackrest, keytool, python3.
SCALE="${1:-5}"
PARALLEL="${2:-$(nproc)}"
# shellcheck source=bench/physical-lib.sh
. "$(dirname "$0")/physical-lib.sh"

seed_cluster "$SCALE" "$PARALLEL"
start_wal_serve "$PARALLEL"

pgbr_backup() {   # type; prints seconds and stored bytes
  set_archive_command "pgbackrest --config=$conf --stanza=bench archive-push %p"
  psql -c "CHECKPOINT" >/dev/null
  local t0; t0=$(now)
  pgbackrest --config="$conf" --stanza=bench --type="$1" backup >&2
  local t; t=$(elapsed "$t0" "$(now)")
  echo "$t $(pgbackrest --config="$conf" --stanza=bench info --output=json \
    | python3 -c "import json,sys; b=json.load(sys.stdin)[0]['backup'][-1]; print(b['info']['repository']['delta'])")"
}

pgnest_backup() {   # type; prints seconds and stored bytes
  set_archive_command ". $work/pgnest-env.sh && $launcher wal push %p"
  psql -c "CHECKPOINT" >/dev/null
  local t0; t0=$(now)
  pgnest backup physical --type "$1" --parallel "$PARALLEL" --output json > "$work/pn-$1.json"
  local t; t=$(elapsed "$t0" "$(now)")
  echo "$t $(python3 -c "import json; m=json.load(open('$work/pn-$1.json'))['manifest']; print(sum(o['size'] for o in m['objects']))")"
}

read -r t_br_full size_br_full < <(pgbr_backup full)
read -r t_pn_full size_pn_full < <(pgnest_backup full)
echo "full: pgBackRest ${t_br_full}s ($((size_br_full / 1048576)) MiB), pgnest ${t_pn_full}s ($((size_pn_full / 1048576)) MiB)" >&2

echo "writing: 2 % new rows and 0.5 % of the newest rows updated in the three biggest tables..." >&2
psql <<'SQL'
DO $$
DECLARE
  t record; cols text; n bigint;
BEGIN
  FOR t IN SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
           WHERE c.relkind = 'r' AND s.nspname = 'public'
             AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'id')
           ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 3 LOOP
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols FROM pg_attribute
      WHERE attrelid = t.rel AND attnum > 0 AND NOT attisdropped AND attname <> 'id' AND attgenerated = '';
    EXECUTE format('SELECT count(*) / 50 FROM %s', t.rel) INTO n;
    EXECUTE format('UPDATE %s SET id = id WHERE id IN (SELECT id FROM %s ORDER BY id DESC LIMIT %s)', t.rel, t.rel, n / 4);
    EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s ORDER BY id DESC LIMIT %s', t.rel, cols, cols, t.rel, n);
    RAISE NOTICE '%: % rows appended, % updated', t.rel, n, n / 4;
  END LOOP;
END $$;
SQL

read -r t_br size_br < <(pgbr_backup incr)
read -r t_pn size_pn < <(pgnest_backup incr)

echo
echo "incremental physical backup after 2 % appended / 0.5 % updated, seed scale $SCALE ($db_size), parallelism $PARALLEL:"
printf "  %-36s %8ss  %8s KiB stored (full: %ss, %s MiB)\n" "pgBackRest $(pgbackrest version | cut -d' ' -f2) --type=incr (zst, s3)" \
  "$t_br" "$((size_br / 1024))" "$t_br_full" "$((size_br_full / 1048576))"
printf "  %-36s %8ss  %8s KiB stored (full: %ss, %s MiB)\n" "pgnest backup physical --type incr" \
  "$t_pn" "$((size_pn / 1024))" "$t_pn_full" "$((size_pn_full / 1048576))"
echo "  time ratio pgnest/pgBackRest: $(ratio "$t_pn" "$t_br")  (target <= 1.0)"
echo "  size ratio pgnest/pgBackRest: $(ratio "$size_pn" "$size_br")  (target <= 0.5)"
