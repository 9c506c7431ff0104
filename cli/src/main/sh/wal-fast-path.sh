# shellcheck shell=bash
# WAL fast paths of the pgnest launcher, sourced for `pgnest wal push|fetch ...` before any JVM
# is started. archive_command and restore_command run once per WAL file; a JVM start each
# time is too slow, so:
#   wal push <path>        -> POST to the running service's push endpoint (bash's /dev/tcp,
#                             no process started); exit 0 only on its 200 (file stored)
#   wal fetch <name> <path> -> move a segment the prefetcher already fetched and verified
# Anything else, or the service not running, returns to the launcher, which starts the JVM:
# correctness never depends on these paths. Expects the launcher's arguments in "$@".

pgnest_wal_spool="${PGNEST_WAL_SPOOL_DIR:-/tmp/pgnest-spool-$EUID}"

pgnest_wal_push_fast() {
  local endpoint="$pgnest_wal_spool/push-endpoint" host port token file line code body
  [ -r "$endpoint" ] || return 0
  read -r host port token < "$endpoint" || return 0
  [ -n "$token" ] || return 0
  file="$1"
  [ "${file#/}" = "$file" ] && file="$PWD/$file"
  { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || return 0
  printf 'POST /wal/push HTTP/1.0\r\nAuthorization: Bearer %s\r\nX-Pgnest-Path: %s\r\nX-Pgnest-Target: %s\r\nContent-Length: 0\r\n\r\n' \
    "$token" "$file" "${PGNEST_TARGET:-}" >&3 2>/dev/null || { exec 3<&-; return 0; }
  read -r line <&3 || line=""
  code="${line#* }"; code="${code%% *}"
  if [ "$code" != 200 ] && [ "$code" != 409 ] && [ "$code" != 400 ]; then
    exec 3<&-
    return 0   # no answer or a storage failure: the direct path tries (and reports) itself
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
