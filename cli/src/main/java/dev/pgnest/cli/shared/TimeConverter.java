package dev.pgnest.cli.shared;

import dev.pgnest.config.Timestamps;
import java.time.OffsetDateTime;
import picocli.CommandLine.ITypeConverter;

/**
 * The converter of every option that takes a point in time ({@code converter = TimeConverter.class}
 * on an {@link OffsetDateTime} field): {@link Timestamps#parse}, so a bad or zone-less time is a
 * usage error at argument parsing, before anything is read or touched. Its refusal names the
 * value; the parameter exception handler puts the option in front.
 */
public final class TimeConverter implements ITypeConverter<OffsetDateTime> {
    @Override
    public OffsetDateTime convert(String value) {
        return Timestamps.parse(value);
    }
}
