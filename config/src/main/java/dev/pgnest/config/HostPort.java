package dev.pgnest.config;

import java.net.InetSocketAddress;

/**
 * A listen address as operators write it: {@code 127.0.0.1:7432}, {@code [::1]:7432}, or
 * {@code :7432} for every interface. Kept as written: the name is resolved only when bound.
 *
 * @param host the host without brackets; empty for every interface
 */
public record HostPort(String host, int port) {

    /** Parses host:port; throws IllegalArgumentException "is not host:port". */
    public static HostPort parse(String text) {
        String s = text.strip();
        int colon = s.lastIndexOf(':');
        try {
            String host = s.substring(0, colon).replace("[", "").replace("]", "");
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range");
            }
            return new HostPort(host, port);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("is not host:port");
        }
    }

    /** The address to bind: every interface when no host is given. */
    public InetSocketAddress address() {
        return new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port);
    }

    /** The host as a URL writes it: an IPv6 address in brackets. */
    public String urlHost() {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    @Override
    public String toString() {
        return urlHost() + ":" + port;
    }
}
