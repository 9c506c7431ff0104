package dev.pgnest.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of the S3 API, in memory on a loopback port, for {@link WarmUpCommand} to drive
 * pgnest's S3 code through successful requests, so that the launcher's class-data-sharing
 * archive holds what a real backup loads: the SDK's request and response models (each builds
 * its field table from some twenty lambdas, spun at every start when not archived), its signer
 * and XML parser, the HTTP client. Never used for anything but that warm-up: no
 * authentication, one bucket, no limits.
 */
final class WarmUpS3 implements AutoCloseable {
    private static final String LAST_MODIFIED = "Thu, 03 Dec 2026 00:00:00 GMT";
    private static final String LAST_MODIFIED_ISO = "2026-12-03T00:00:00.000Z";
    private static final Pattern XML_KEY = Pattern.compile("<Key>([^<]*)</Key>");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "pgnest-warm-up-s3");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, byte[]>> uploads = new ConcurrentHashMap<>();

    WarmUpS3() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            int slash = path.indexOf('/', 1);
            String key = slash < 0 ? "" : path.substring(slash + 1);
            Map<String, String> q = query(x.getRequestURI().getRawQuery());
            String method = x.getRequestMethod();
            if (key.isEmpty()) {
                bucket(x, method, q);
            } else if (method.equals("POST") && q.containsKey("uploads")) {
                String id = Long.toHexString(System.nanoTime());
                uploads.put(id, new TreeMap<>());
                xml(x, 200, "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>" + esc(key) + "</Key><UploadId>" + id
                        + "</UploadId></InitiateMultipartUploadResult>");
            } else if (method.equals("PUT") && q.containsKey("uploadId")) {
                byte[] part = body(x);
                uploads.get(q.get("uploadId")).put(Integer.parseInt(q.get("partNumber")), part);
                x.getResponseHeaders().set("ETag", '"' + hex(md5(part)) + '"');
                x.sendResponseHeaders(200, -1);
            } else if (method.equals("POST") && q.containsKey("uploadId")) {
                body(x);
                Map<Integer, byte[]> parts = uploads.remove(q.get("uploadId"));
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                ByteArrayOutputStream digests = new ByteArrayOutputStream();
                for (byte[] part : parts.values()) {
                    all.write(part);
                    digests.write(md5(part));
                }
                objects.put(key, all.toByteArray());
                xml(x, 200, "<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>" + esc(key) + "</Key><ETag>\""
                        + hex(md5(digests.toByteArray())) + "-" + parts.size() + "\"</ETag></CompleteMultipartUploadResult>");
            } else if (method.equals("DELETE")) {
                if (q.containsKey("uploadId")) {
                    uploads.remove(q.get("uploadId"));
                } else {
                    objects.remove(key);
                }
                x.sendResponseHeaders(204, -1);
            } else if (method.equals("PUT")) {
                byte[] data = body(x);
                objects.put(key, data);
                x.getResponseHeaders().set("ETag", '"' + hex(md5(data)) + '"');
                x.sendResponseHeaders(200, -1);
            } else {
                object(x, method, key);
            }
        } catch (RuntimeException e) {
            x.sendResponseHeaders(500, -1);
        }
    }

    private void bucket(HttpExchange x, String method, Map<String, String> q) throws IOException {
        if (method.equals("POST") && q.containsKey("delete")) {
            StringBuilder deleted = new StringBuilder("<DeleteResult>");
            Matcher m = XML_KEY.matcher(new String(body(x), StandardCharsets.UTF_8));
            while (m.find()) {
                objects.remove(m.group(1));
                deleted.append("<Deleted><Key>").append(m.group(1)).append("</Key></Deleted>");
            }
            xml(x, 200, deleted.append("</DeleteResult>").toString());
        } else if (q.containsKey("uploads")) {
            xml(x, 200, "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>false</IsTruncated>"
                    + "</ListMultipartUploadsResult>");
        } else {
            String prefix = q.getOrDefault("prefix", "");
            String delimiter = q.get("delimiter");
            StringBuilder contents = new StringBuilder();
            TreeSet<String> common = new TreeSet<>();
            int count = 0;
            for (String k : new TreeSet<>(objects.keySet())) {
                if (!k.startsWith(prefix)) {
                    continue;
                }
                int d = delimiter == null ? -1 : k.indexOf(delimiter, prefix.length());
                if (d >= 0) {
                    common.add(k.substring(0, d + delimiter.length()));
                    continue;
                }
                count++;
                contents.append("<Contents><Key>").append(esc(k)).append("</Key><LastModified>").append(LAST_MODIFIED_ISO)
                        .append("</LastModified><ETag>\"").append(hex(md5(objects.get(k)))).append("\"</ETag><Size>")
                        .append(objects.get(k).length).append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
            }
            for (String p : common) {
                contents.append("<CommonPrefixes><Prefix>").append(esc(p)).append("</Prefix></CommonPrefixes>");
            }
            xml(x, 200, "<ListBucketResult><Name>b</Name><Prefix>" + esc(prefix) + "</Prefix><KeyCount>"
                    + (count + common.size()) + "</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>"
                    + contents + "</ListBucketResult>");
        }
    }

    private void object(HttpExchange x, String method, String key) throws IOException {
        byte[] data = objects.get(key);
        if (data == null) {
            if (method.equals("HEAD")) {
                x.sendResponseHeaders(404, -1);
            } else {
                xml(x, 404, "<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>");
            }
            return;
        }
        x.getResponseHeaders().set("ETag", '"' + hex(md5(data)) + '"');
        x.getResponseHeaders().set("Last-Modified", LAST_MODIFIED);
        if (method.equals("HEAD")) {
            x.getResponseHeaders().set("Content-Length", Integer.toString(data.length));
            x.sendResponseHeaders(200, -1);
            return;
        }
        int from = 0;
        int to = data.length - 1;
        String range = x.getRequestHeaders().getFirst("Range");
        if (range != null && range.startsWith("bytes=")) {
            String[] r = range.substring(6).split("-", 2);
            from = Integer.parseInt(r[0]);
            to = r[1].isEmpty() ? to : Math.min(to, Integer.parseInt(r[1]));
            x.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + data.length);
        }
        int length = Math.max(0, to - from + 1);
        x.sendResponseHeaders(range != null ? 206 : 200, length == 0 ? -1 : length);
        x.getResponseBody().write(data, from, length);
    }

    /** The request body, with the SDK's aws-chunked framing (signed chunks over http) removed. */
    private static byte[] body(HttpExchange x) throws IOException {
        byte[] raw = x.getRequestBody().readAllBytes();
        String sha = x.getRequestHeaders().getFirst("x-amz-content-sha256");
        if (sha == null || !sha.startsWith("STREAMING-")) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (at < raw.length) {
            int eol = indexOf(raw, at);
            String header = new String(raw, at, eol - at, StandardCharsets.US_ASCII);
            int size = Integer.parseInt(header.split(";", 2)[0].strip(), 16);
            if (size == 0) {
                break;
            }
            out.write(raw, eol + 2, size);
            at = eol + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] raw, int from) {
        for (int i = from; i + 1 < raw.length; i++) {
            if (raw[i] == '\r' && raw[i + 1] == '\n') {
                return i;
            }
        }
        return raw.length;
    }

    private static void xml(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + body).getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/xml");
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                q.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static byte[] md5(byte[] data) {
        try {
            return MessageDigest.getInstance("MD5").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
