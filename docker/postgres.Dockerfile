# PostgreSQL 15 whose archive_command is pgnest: the official image plus a Java runtime and the
# pgnest jar, so `pgnest wal push` runs next to the server (through the fast path of a running
# `pgnest serve` when it answers, else directly to the repository).
#
#   docker build -f docker/postgres.Dockerfile -t pgnest-postgres .
FROM postgres:15-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*
COPY cli/target/pgnest.jar /opt/pgnest/pgnest.jar
COPY docker/pgnest /usr/local/bin/pgnest
RUN chmod 0755 /usr/local/bin/pgnest
