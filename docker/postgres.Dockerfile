# PostgreSQL 15 whose archive_command is pgnest: the official image plus a Java runtime and
# pgnest's release tarball, so `pgnest wal push` runs next to the server (through the fast path
# of a running `pgnest serve` when it answers, else directly to the repository).
#
#   ./mvnw -B -DskipTests -pl packaging -am package
#   docker build -f docker/postgres.Dockerfile -t pgnest-postgres .
FROM postgres:15-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*
ADD packaging/target/pgnest-*.tar.gz /opt/
RUN ln -s /opt/pgnest-* /opt/pgnest \
 && ln -s /opt/pgnest/bin/pgnest /usr/local/bin/pgnest \
 && install -d -o postgres -g postgres /opt/pgnest/var
