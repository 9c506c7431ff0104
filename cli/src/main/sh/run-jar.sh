# shellcheck shell=bash
# The JVM start shared by both launchers, the checkout's ./pgnest and the installed pgnest (see
# packaging/). Sourced with $jar (the runnable jar) and $cds (where its class-data-sharing
# archive goes) set, the launcher's arguments in "$@", and optionally launcher_opts (JVM options
# of the launcher's own); execs java.
#
# Class-data sharing: the classes the common paths load, recorded once per jar by a warm-up run,
# are mapped at every start instead of loaded and verified (about 0.25 s of each start, which
# archive_command and restore_command pay per WAL file when they start a JVM). A missing, stale
# or foreign archive only costs that time (-Xshare:auto), and so does a directory this user
# cannot write; CDS's own messages stay quiet.
#
# Mapped where it was recorded: JDK 17 maps archives at a random address by default
# (ArchiveRelocationMode=1) and then patches every pointer in them, about 0.1 s of each start
# for this archive. A JVM that knows the (diagnostic) option is told to map it in place (it
# relocates only when that address is taken); the price is that the class metadata of pgnest's
# JVM sits at a known address, as it did by default in JDK 11-16. $cds.java records which java
# recorded the archive and whether it knows the option: another java (an upgrade, another
# JDK) records both again rather than starting with an option it may refuse.
java_bin="$(command -v java || true)"
cds_java=""; cds_java_opts=""
if [ -f "$cds.java" ]; then { read -r cds_java; read -r cds_java_opts; } < "$cds.java" || true; fi
if [ -n "$java_bin" ] && { [ ! -f "$cds" ] || [ "$jar" -nt "$cds" ] || ! [ "$java_bin" -ef "$cds_java" ]; } \
   && [ -w "${cds%/*}" ]; then
  cds_tmp="$cds.$$"
  if java -XX:ArchiveClassesAtExit="$cds_tmp" -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$jar" warm-up >/dev/null 2>&1; then
    chmod 0644 "$cds_tmp" 2>/dev/null || true
    mv -f "$cds_tmp" "$cds"
    cds_java="$(readlink -f "$java_bin" 2>/dev/null || echo "$java_bin")"; cds_java_opts=""
    if java -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -version >/dev/null 2>&1; then
      cds_java_opts="-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0"
    fi
    printf '%s\n%s\n' "$cds_java" "$cds_java_opts" > "$cds_tmp" && chmod 0644 "$cds_tmp" && mv -f "$cds_tmp" "$cds.java" \
      || rm -f "$cds_tmp"
  else
    rm -f "$cds_tmp"
  fi
fi
cds_opts=()
if [ -f "$cds" ]; then
  cds_opts=(-XX:SharedArchiveFile="$cds" -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off)
  if [ -n "$cds_java_opts" ] && [ "$java_bin" -ef "$cds_java" ]; then
    # shellcheck disable=SC2206 # recorded above: options separated by spaces
    cds_opts+=($cds_java_opts)
  fi
fi
# The JVM ignores $TMPDIR on Linux: hand it over, so that pgnest's temp files go where the
# operator's other tools put theirs (a -Djava.io.tmpdir in PGNEST_JAVA_OPTS comes later and wins).
tmp_opts=()
if [ -n "${TMPDIR:-}" ]; then tmp_opts=(-Djava.io.tmpdir="$TMPDIR"); fi
# Most commands run for seconds: code C2 would optimise at the JVM's default thresholds (start-up
# code: the jar's index, picocli, the SDK's request path) does not run long enough to repay the
# compile: about 0.6 of the 4.3 CPU-seconds of a scale-2 backup on two cores. Ten times the
# invocations before C2 keeps that code in C1 while the per-block loops (hashing, copying) still
# reach C2 within the first megabytes. PGNEST_JAVA_OPTS comes later and can override these.
jit_opts=(-XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=6000 -XX:Tier4CompileThreshold=150000)
# The services run for hours and push the same request path for every WAL file: there the
# JVM's own thresholds reach the compiled code sooner.
case "${1:-} ${2:-}" in
  "serve "* | "wal serve" | "wal pusher" | "wal stream") jit_opts=() ;;
esac
# shellcheck disable=SC2086 # PGNEST_JAVA_OPTS is a list of options, split on purpose
exec java "${cds_opts[@]}" "${jit_opts[@]}" "${tmp_opts[@]}" ${launcher_opts[@]+"${launcher_opts[@]}"} ${PGNEST_JAVA_OPTS:-} -jar "$jar" "$@"
