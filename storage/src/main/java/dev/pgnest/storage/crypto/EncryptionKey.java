package dev.pgnest.storage.crypto;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The repository's 256-bit key, and its id: the first 8 bytes of a SHA-256 over the key, stored
 * in every object's header so that a wrong key is named as such instead of failing as
 * "corrupt". The key itself is never printed.
 */
public final class EncryptionKey {
    static final int KEY_BYTES = 32;
    static final int ID_BYTES = 8;

    private final byte[] key;
    private final byte[] id;

    private EncryptionKey(byte[] key) {
        this.key = key.clone();
        this.id = Arrays.copyOf(sha256("pgnest-key-id".getBytes(StandardCharsets.US_ASCII), key), ID_BYTES);
    }

    /** A key given as base64 (or 64 hex digits) text; {@code source} names the setting for messages. */
    public static EncryptionKey parse(String text, String source) {
        String t = text.strip();
        byte[] bytes = null;
        if (t.matches("[0-9a-fA-F]{64}")) {
            bytes = HexFormat.of().parseHex(t);
        } else {
            try {
                bytes = Base64.getDecoder().decode(t);
            } catch (IllegalArgumentException e) {
                bytes = null;
            }
        }
        if (bytes == null || bytes.length != KEY_BYTES) {
            throw new PgnestException(ErrorKind.CONFIG, "the encryption key from " + source + " is not 32 bytes of base64 or 64 hex digits",
                    "generate one with: head -c 32 /dev/urandom | base64");
        }
        return new EncryptionKey(bytes);
    }

    /** A key file: base64 or hex text, or exactly 32 raw bytes. */
    public static EncryptionKey fromFile(Path file) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.CONFIG, "cannot read the encryption key file " + file,
                    "check PGNEST_ENCRYPTION_KEY_FILE and the file's permissions (" + e.getClass().getSimpleName() + ")");
        }
        if (raw.length == KEY_BYTES) {
            return new EncryptionKey(raw);
        }
        return parse(new String(raw, StandardCharsets.US_ASCII), "the key file " + file);
    }

    /** The key id as hex, safe to show and to store. */
    public String id() {
        return HexFormat.of().formatHex(id);
    }

    byte[] idBytes() {
        return id.clone();
    }

    /** A per-object key, so that nonces (chunk counters) never repeat under one key. */
    byte[] objectKey(byte[] salt) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            mac.update("pgnest-object-key".getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(salt);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private static byte[] sha256(byte[] prefix, byte[] data) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(prefix);
            return md.digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "EncryptionKey[id=" + id() + "]";
    }
}
