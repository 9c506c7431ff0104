# shellcheck shell=bash
# Shared by bench/physical-backup.sh, bench/incremental-backup.sh and bench/wal-push.sh: builds
# pgnest, starts one PostgreSQL cluster and an in-process S3 server over TLS
# (PhysicalBenchServers), and defines
#   pgnest ...         the CLI (JVM), trusting the server's self-signed certificate
#   launcher           a pgnest launcher with the WAL fast paths (what archive_command runs)
#   pgbr_config DIR P  writes a pgBackRest config (repo type s3, zst, process-max P) for repo path DIR
#   psql ...           psql against the bench cluster
#   seed_cluster N P   pgnest seed --scale N, both repositories created (sets db_size, conf)
# Everything lives in $work, removed on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/pgnest-bench-XXXXXX")"
servers_pid=""
serve_pid=""
bench_cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  if [ -n "$servers_pid" ]; then
    exec 3>&- || true
    wait "$servers_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap bench_cleanup EXIT

command -v pgbackrest >/dev/null || { echo "pgbackrest is not installed (apt-get install pgbackrest)" >&2; exit 2; }

echo "building pgnest and the bench helpers..." >&2
# pgnest runs as operators run it: the repository's launcher (shaded jar + its class-data-sharing
# archive, both built here on first use)
"$root/pgnest" --version >/dev/null
./mvnw -q -B -DskipTests -pl backup -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >&2
cp="$root/backup/target/test-classes:$root/backup/target/classes:$(cat "$work/cp.txt")"
cat > "$work/logback.xml" <<'XML'
<configuration>
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="STDERR"/></root>
</configuration>
XML

# a self-signed certificate for 127.0.0.1: pgBackRest talks to S3 over TLS only
ks_pass="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
keytool -genkeypair -alias s3 -keyalg EC -groupname secp256r1 -dname CN=127.0.0.1 -ext SAN=IP:127.0.0.1,DNS:localhost \
  -validity 2 -storetype PKCS12 -keystore "$work/s3.p12" -storepass "$ks_pass" -keypass "$ks_pass" 2>/dev/null

echo "starting PostgreSQL and the in-process S3 server (TLS)..." >&2
mkdir -p "$work/s3"
mkfifo "$work/stdin"
java -cp "$cp" dev.pgnest.backup.physical.PhysicalBenchServers "$work/env.sh" "$work/s3.p12" "$ks_pass" "$work/s3" \
  < "$work/stdin" > "$work/servers.log" 2>&1 &
servers_pid=$!
exec 3> "$work/stdin"
for _ in $(seq 1 600); do
  [ -f "$work/env.sh" ] && break
  kill -0 "$servers_pid" 2>/dev/null || { cat "$work/servers.log" >&2; exit 1; }
  sleep 0.1
done
# shellcheck disable=SC1091
source "$work/env.sh"

export PGNEST_JAVA_OPTS="${PGNEST_JAVA_OPTS:--Xmx512m} -Djavax.net.ssl.trustStore=$work/s3.p12 -Djavax.net.ssl.trustStorePassword=$ks_pass -Dlogback.configurationFile=$work/logback.xml"
export PGNEST_WAL_SPOOL_DIR="$work/spool"
pgnest() { "$root/pgnest" "$@"; }
psql() { "$PG_BIN_DIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

# what archive_command runs: the repository's launcher (fast paths in bash, else the JVM), with
# the bench's spool directory and trust store (the server's environment does not have ours)
launcher="$work/pgnest"
cat > "$launcher" <<SH
#!/usr/bin/env bash
export PGNEST_WAL_SPOOL_DIR='$work/spool'
export PGNEST_JAVA_OPTS='$PGNEST_JAVA_OPTS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC'
exec '$root/pgnest' "\$@"
SH
chmod +x "$launcher"

# env for the archive_command's JVM fallback (the server's environment does not have ours)
cat > "$work/pgnest-env.sh" <<SH
export PGNEST_S3_BUCKET='$PGNEST_S3_BUCKET' PGNEST_S3_ENDPOINT='$PGNEST_S3_ENDPOINT'
export PGNEST_S3_ACCESS_KEY_ID='$PGNEST_S3_ACCESS_KEY_ID' PGNEST_S3_SECRET_ACCESS_KEY='$PGNEST_S3_SECRET_ACCESS_KEY'
SH
chmod 600 "$work/pgnest-env.sh"

pgbr_config() {   # repo-path process-max [async]
  local conf="$work/pgbackrest-$(basename "$1").conf"
  cat > "$conf" <<CONF
[global]
repo1-type=s3
repo1-path=$1
repo1-s3-bucket=bench
repo1-s3-endpoint=127.0.0.1
repo1-storage-port=$S3_TLS_PORT
repo1-s3-region=us-east-1
repo1-s3-key=$PGNEST_S3_ACCESS_KEY_ID
repo1-s3-key-secret=$PGNEST_S3_SECRET_ACCESS_KEY
repo1-s3-uri-style=path
repo1-storage-verify-tls=n
repo1-retention-full=99
compress-type=zst
compress-level=3
process-max=$2
start-fast=y
archive-timeout=120
log-path=$work/pgbr-log
lock-path=$work/pgbr-lock
spool-path=$work/pgbr-spool$(echo "$1" | tr '/' '-')
log-level-console=warn
log-level-stderr=warn
log-level-file=off
archive-async=${3:-n}

[bench]
pg1-path=${PGBR_PG_PATH:-$PG_DATA}
pg1-port=$PGPORT
pg1-socket-path=$PG_SOCKET_DIR
pg1-user=postgres
CONF
  chmod 600 "$conf"
  echo "$conf"
}

set_archive_command() {   # the command, verbatim (psql quotes it)
  printf "ALTER SYSTEM SET archive_command = :'cmd';\nSELECT pg_reload_conf();\n" | psql -v cmd="$1" >/dev/null
  sleep 0.5
}

start_wal_serve() {   # parallelism; fd 3 (the servers' stdin) must not leak into it
  mkdir -p "$work/spool"
  PGNEST_JAVA_OPTS="$PGNEST_JAVA_OPTS ${PGNEST_SERVE_JAVA_OPTS:-}" "$root/pgnest" wal serve --parallel "$1" > "$work/serve.log" 2>&1 3>&- &
  serve_pid=$!
  for _ in $(seq 1 300); do [ -f "$work/spool/push-endpoint" ] && return 0; sleep 0.1; done
  cat "$work/serve.log" >&2
  return 1
}

stop_wal_serve() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; serve_pid=""; fi
}

ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}' if b else 'n/a')" "$1" "$2"; }
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.2f}')" "$1" "$2"; }

seed_cluster() {   # scale parallelism: seeds the cluster, creates both repositories; sets db_size and conf
  echo "seeding scale $1..." >&2
  export PGNEST_S3_PREFIX=pgnest
  pgnest seed --scale "$1" >&2
  pgnest repo init >&2
  db_size=$(psql -At -c "select pg_size_pretty(sum(pg_database_size(datname))) from pg_database")
  echo "cluster size: $db_size" >&2
  conf=$(pgbr_config /pgbackrest "$2")
  set_archive_command "pgbackrest --config=$conf --stanza=bench archive-push %p"
  pgbackrest --config="$conf" --stanza=bench stanza-create >&2
}
