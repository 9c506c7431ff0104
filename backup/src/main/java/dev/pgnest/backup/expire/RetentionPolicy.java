package dev.pgnest.backup.expire;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.time.Duration;

/**
 * Which backups to keep; a backup is kept when any rule keeps it. Applied to each backup kind
 * separately (logical and physical backups serve different restores).
 *
 * @param keepLast keep the newest N (0: no such rule)
 * @param maxAge   keep those younger than this (null: no such rule)
 * @param daily    keep the newest backup of each of the last N days that have backups
 * @param weekly   … of each of the last N ISO weeks that have backups
 * @param monthly  … of each of the last N months that have backups
 */
public record RetentionPolicy(int keepLast, Duration maxAge, int daily, int weekly, int monthly) {
    public RetentionPolicy {
        if (keepLast < 0 || daily < 0 || weekly < 0 || monthly < 0 || (maxAge != null && maxAge.isNegative())) {
            throw new PgnestException(ErrorKind.USAGE, "retention counts and ages cannot be negative",
                    "use 0 to switch a rule off");
        }
    }

    public static RetentionPolicy keepLast(int n) {
        return new RetentionPolicy(n, null, 0, 0, 0);
    }

    /** Whether no rule is set — expiring with such a policy is refused rather than deleting everything. */
    public boolean isEmpty() {
        return keepLast == 0 && maxAge == null && daily == 0 && weekly == 0 && monthly == 0;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (keepLast > 0) {
            b.append("last ").append(keepLast).append(", ");
        }
        if (maxAge != null) {
            b.append("younger than ").append(maxAge.toString().substring(2).toLowerCase()).append(", ");
        }
        if (daily > 0) {
            b.append(daily).append(" daily, ");
        }
        if (weekly > 0) {
            b.append(weekly).append(" weekly, ");
        }
        if (monthly > 0) {
            b.append(monthly).append(" monthly, ");
        }
        return b.length() == 0 ? "nothing" : b.substring(0, b.length() - 2);
    }
}
