# shellcheck shell=bash
# WAL fast paths of the pgnest launcher, sourced for `pgnest wal push|fetch ...` before any JVM
# is started. archive_command and restore_command run once per WAL file; a JVM start each
# time is too slow, so:
#   wal push <path>        -> POST to the running service's push endpoint (bash's /dev/tcp,
#                             no process started); exit 0 only on its 200 (file stored). With no
#                             service, to the background pusher (`wal pusher`), started detached
#                             by the first push and gone after wal.push-idle-exit without one
#   wal fetch <name> <path> -> move a segment the prefetcher already fetched and verified
# Anything else, or the service not running, returns to the launcher, which starts the JVM:
# correctness never depends on these paths. Expects the launcher's arguments in "$@".

pgnest_wal_spool="${PGNEST_WAL_SPOOL_DIR:-/tmp/pgnest-spool-$EUID}"

# POSTs the push of file $2 to the endpoint published in $1. Exits the launcher on an answer
# (0 once stored, 1 on a refusal); returns 1 when nobody listens there, 0 when the endpoint
# answered but the direct path should try (and report) itself.
pgnest_wal_post() {
  local endpoint="$1" file="$2" host port token line code body
  [ -r "$endpoint" ] || return 1
  read -r host port token < "$endpoint" || return 1
  [ -n "$token" ] || return 1
  { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || return 1
  printf 'POST /wal/push HTTP/1.0\r\nAuthorization: Bearer %s\r\nX-Pgnest-Path: %s\r\nX-Pgnest-Target: %s\r\nContent-Length: 0\r\n\r\n' \
    "$token" "$file" "${PGNEST_TARGET:-}" >&3 2>/dev/null || { exec 3<&-; return 0; }
  read -r line <&3 || line=""
  code="${line#* }"; code="${code%% *}"
  if [ "$code" != 200 ] && [ "$code" != 409 ] && [ "$code" != 400 ]; then
    exec 3<&-
    return 0   # no answer (killed mid-push) or a storage failure: the direct path tries (and reports) itself
  fi
  while read -r line <&3 && [ "${line%$'\r'}" != "" ]; do :; done
  read -r body <&3 || true
  exec 3<&-
  if [ "$code" = 200 ]; then
    exit 0
  fi
  echo "error: $body" >&2
  exit 1
}

# The background pusher's own spool directory: one per configuration the launcher can see
# (working directory, HOME, PGNEST_*, DATABASE_URL, AWS_*), so that two servers archiving
# as one OS user into different repositories never share a pusher. A digest, not the values
# (secrets), kept in this shell: 64-bit FNV-1a, computed here because archive_command runs
# this per WAL file and a hashing process (fork and exec) costs more than the hashing.
pgnest_wal_pusher_dir() {
  local LC_ALL=C v conf i n c h=-3750763034362895579
  printf -v conf '%s\n' "$PWD" "${HOME:-}"
  for v in ${!PGNEST_@} ${!AWS_@} DATABASE_URL; do
    [ "$v" = PGNEST_LAUNCHER ] || printf -v conf '%s%s=%s\n' "$conf" "$v" "${!v-}"
  done
  n=${#conf}
  for (( i = 0; i < n; i++ )); do
    printf -v c '%d' "'${conf:i:1}"
    (( h = (h ^ (c & 255)) * 1099511628211 ))
  done
  printf -v pgnest_wal_pusher '%s/pusher-%016x' "$pgnest_wal_spool" "$h"
}

pgnest_wal_push_fast() {
  local file="$1" dir pid rc=0 i
  [ "${file#/}" = "$file" ] && file="$PWD/$file"
  pgnest_wal_post "$pgnest_wal_spool/push-endpoint" "$file" || rc=$?
  [ "$rc" = 1 ] || return 0
  # no service: hand the file to the background pusher, started here when none runs
  # (wal.push-idle-exit 0, or no launcher to start it with: a JVM per file, the direct path)
  local idle="${PGNEST_WAL_PUSH_IDLE_EXIT:-5m}"
  [ -n "${idle//[^1-9]/}" ] && [ -n "${PGNEST_LAUNCHER:-}" ] || return 0
  pgnest_wal_pusher_dir; dir="$pgnest_wal_pusher"
  rc=0; pgnest_wal_post "$dir/push-endpoint" "$file" || rc=$?
  [ "$rc" = 1 ] || return 0
  mkdir -p -m 0700 "$pgnest_wal_spool" "$dir" 2>/dev/null || return 0
  # its own session, no terminal, no pipe of the archiver's held open: it outlives this push
  setsid "$PGNEST_LAUNCHER" wal pusher --pusher-dir "$dir" </dev/null >>"$dir/pusher.log" 2>&1 &
  pid=$!
  # a JVM start; a pusher that lost the spool to another (or failed) ends, and so does the wait
  for i in $(seq 1 600); do
    sleep 0.05
    rc=0; pgnest_wal_post "$dir/push-endpoint" "$file" || rc=$?
    [ "$rc" = 1 ] || return 0
    kill -0 "$pid" 2>/dev/null || { rc=0; pgnest_wal_post "$dir/push-endpoint" "$file" || true; return 0; }
  done
  return 0
}

pgnest_wal_fetch_fast() {
  local spooled="$pgnest_wal_spool/fetch/$1"
  [ -f "$spooled" ] || return 0
  mv -f "$spooled" "$2" 2>/dev/null && exit 0
  return 0
}

if [ "${1:-}" = wal ]; then
  case "${2:-}" in
    push) [ $# -eq 3 ] && pgnest_wal_push_fast "$3" ;;
    fetch) [ $# -eq 4 ] && pgnest_wal_fetch_fast "$3" "$4" ;;
  esac
fi
true
