package dev.pgnest.repository;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Which process runs a backup, precisely enough that another pgnest on the same machine can
 * tell for sure that it died (kill -9, OOM, reboot) and clean up at once instead of waiting for
 * its heartbeat to go stale. Host name, kernel boot id and pid namespace together tell "same
 * machine, same pid space"; the process start time tells a reused pid apart.
 */
public record ProcessIdentity(String host, String bootId, String pidNamespace, long pid, Instant processStart) {

    public static ProcessIdentity current() {
        ProcessHandle self = ProcessHandle.current();
        return new ProcessIdentity(readHostName(), read("/proc/sys/kernel/random/boot_id"), readPidNamespace(),
                self.pid(), self.info().startInstant().orElse(null));
    }

    /**
     * True only when the process certainly no longer runs: it ran on this machine, in this pid
     * namespace, and its pid is gone or now belongs to a process started at another time.
     * False when unsure (another machine, missing facts).
     */
    public boolean isCertainlyDead() {
        ProcessIdentity here = current();
        if (host == null || bootId == null || pidNamespace == null
                || !host.equals(here.host) || !bootId.equals(here.bootId) || !pidNamespace.equals(here.pidNamespace)) {
            return false;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return true;
        }
        Optional<Instant> start = handle.get().info().startInstant();
        return processStart != null && start.isPresent() && !start.get().equals(processStart);
    }

    @Override
    public String toString() {
        return "pid " + pid + " on " + host;
    }

    private static String readHostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        String file = read("/etc/hostname");
        if (file != null) {
            return file;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return null;
        }
    }

    private static String readPidNamespace() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static String read(String file) {
        try {
            String s = Files.readString(Path.of(file)).strip();
            return s.isEmpty() ? null : s;
        } catch (IOException e) {
            return null;
        }
    }

}
