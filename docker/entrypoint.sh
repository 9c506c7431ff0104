#!/bin/sh
# Container entrypoint: bring the schema up to date, then become the requested command.
#
#   RUN_MIGRATIONS=false   skip `pgnest migrate deploy` (e.g. when a release job migrates, or
#                          for replicas other than the first)
#   PGNEST                 the pgnest executable (default: pgnest on PATH)
#
# A failed migration stops the container before the command starts: the app never runs against
# a half-migrated schema.
set -eu

PGNEST="${PGNEST:-pgnest}"

if [ "$#" -eq 0 ]; then
  set -- serve
fi

case "${RUN_MIGRATIONS:-true}" in
  false|FALSE|False|0|no|off)
    echo "pgnest-entrypoint: RUN_MIGRATIONS=${RUN_MIGRATIONS}: not running migrations" >&2
    ;;
  *)
    echo "pgnest-entrypoint: pgnest migrate deploy" >&2
    "$PGNEST" migrate deploy || {
      status=$?
      echo "pgnest-entrypoint: migrate deploy failed (exit $status); not starting '$*'" >&2
      exit "$status"
    }
    ;;
esac

# exec: the command becomes the container's main process and gets SIGTERM directly, so
# `pgnest serve` shuts down gracefully on `docker stop`
exec "$PGNEST" "$@"
