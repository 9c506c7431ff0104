package dev.pgnest.backup.expire;

import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.Catalog;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What an expiry keeps and deletes, and why — pure logic over the catalog, so that
 * {@code --dry-run} shows exactly what a real run would do.
 */
public record ExpiryPlan(RetentionPolicy policy, List<Decision> decisions) {

    /** One backup's fate; {@code reasons} says which rules keep it, or why a damaged one goes. */
    public record Decision(Catalog.Entry backup, boolean keep, List<String> reasons) {
    }

    public List<Catalog.Entry> toDelete() {
        return decisions.stream().filter(d -> !d.keep()).map(Decision::backup).toList();
    }

    public List<Catalog.Entry> toKeep() {
        return decisions.stream().filter(Decision::keep).map(Decision::backup).toList();
    }

    /**
     * Decides, for each kind separately. A backup known to be damaged (its last verification or
     * drill failed) counts for nothing: no rule keeps it, and the rules count only the others, so
     * the newest backup not known to be damaged is always kept. Whatever the policy, the newest
     * backup of each kind (when all are damaged) and the newest one that verified ok are kept.
     * A diff or incr backup counts as damaged when a backup it depends on is damaged or gone,
     * and every backup a kept one depends on is kept ("needed by").
     *
     * @param zone calendar for days, weeks and months
     */
    public static ExpiryPlan of(List<Catalog.Entry> backups, RetentionPolicy policy, Instant now, ZoneId zone) {
        List<Decision> decisions = new ArrayList<>();
        for (BackupKind kind : BackupKind.values()) {
            List<Catalog.Entry> ofKind = backups.stream().filter(b -> b.manifest().kind() == kind)
                    .sorted(Comparator.comparing((Catalog.Entry e) -> e.manifest().startTime()).reversed())
                    .toList();
            Map<String, Catalog.Entry> byId = new LinkedHashMap<>();
            ofKind.forEach(b -> byId.put(b.id(), b));
            List<Catalog.Entry> sound = ofKind.stream().filter(b -> damage(b, byId).isEmpty()).toList();
            Map<Catalog.Entry, List<String>> reasons = new LinkedHashMap<>();
            ofKind.forEach(b -> reasons.put(b, new ArrayList<>()));
            if (!sound.isEmpty()) {
                reasons.get(sound.get(0)).add("newest");
            } else if (!ofKind.isEmpty()) {
                reasons.get(ofKind.get(0)).add("newest (every backup is damaged)");
            }
            sound.stream().filter(Catalog.Entry::verifiedOk).findFirst()
                    .ifPresent(b -> reasons.get(b).add("newest verified"));
            for (int i = 0; i < Math.min(policy.keepLast(), sound.size()); i++) {
                reasons.get(sound.get(i)).add("last " + policy.keepLast());
            }
            if (policy.maxAge() != null) {
                Instant cutoff = now.minus(policy.maxAge());
                sound.stream().filter(b -> !b.manifest().startTime().isBefore(cutoff))
                        .forEach(b -> reasons.get(b).add("younger than " + human(policy.maxAge())));
            }
            keepNewestPerPeriod(sound, policy.daily(), "daily", b -> day(b, zone).toString(), reasons);
            keepNewestPerPeriod(sound, policy.weekly(), "weekly", b -> {
                LocalDate d = day(b, zone);
                return d.get(IsoFields.WEEK_BASED_YEAR) + "-W" + d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
            }, reasons);
            keepNewestPerPeriod(sound, policy.monthly(), "monthly", b -> {
                LocalDate d = day(b, zone);
                return d.getYear() + "-" + d.getMonthValue();
            }, reasons);
            // newest first: a kept backup's dependency is older, so it is marked before its turn comes
            for (Catalog.Entry b : ofKind) {
                Optional<String> parent = b.manifest().dependsOn();
                if (!reasons.get(b).isEmpty() && parent.isPresent() && byId.containsKey(parent.get())) {
                    reasons.get(byId.get(parent.get())).add("needed by " + b.id() + " (" + b.manifest().physical().type() + ")");
                }
            }
            reasons.forEach((b, why) -> {
                boolean keep = !why.isEmpty();
                // a deleted damaged backup says why it counted for nothing (--dry-run shows it)
                damage(b, byId).filter(d -> !keep).ifPresent(d -> why.add("damaged: " + d));
                decisions.add(new Decision(b, keep, List.copyOf(why)));
            });
        }
        decisions.sort(Comparator.comparing(d -> d.backup().id()));
        return new ExpiryPlan(policy, List.copyOf(decisions));
    }

    /** Why a backup cannot be restored: it, or a backup it depends on, is damaged or gone. */
    private static Optional<String> damage(Catalog.Entry backup, Map<String, Catalog.Entry> byId) {
        Catalog.Entry current = backup;
        for (int depth = 0; depth <= byId.size(); depth++) {
            Optional<String> own = current.damage();
            if (own.isPresent()) {
                return current == backup ? own : Optional.of("depends on " + current.id() + ", " + own.get());
            }
            Optional<String> parent = current.manifest().dependsOn();
            if (parent.isEmpty()) {
                return Optional.empty();
            }
            current = byId.get(parent.get());
            if (current == null) {
                return Optional.of("depends on " + parent.get() + ", which is not in the repository");
            }
        }
        return Optional.of("its chain of dependencies loops");
    }

    /** Newest first in: the first backup seen in each period is that period's newest. */
    private static void keepNewestPerPeriod(List<Catalog.Entry> newestFirst, int periods, String rule,
                                            Function<Catalog.Entry, String> periodOf,
                                            Map<Catalog.Entry, List<String>> reasons) {
        if (periods == 0) {
            return;
        }
        List<String> seen = new ArrayList<>();
        for (Catalog.Entry b : newestFirst) {
            String period = periodOf.apply(b);
            if (!seen.contains(period)) {
                if (seen.size() == periods) {
                    return;
                }
                seen.add(period);
                reasons.get(b).add(rule + " " + period);
            }
        }
    }

    private static LocalDate day(Catalog.Entry b, ZoneId zone) {
        return b.manifest().startTime().atZone(zone).toLocalDate();
    }

    private static String human(java.time.Duration d) {
        if (d.toDays() > 0 && d.toHours() % 24 == 0) {
            return d.toDays() + "d";
        }
        return d.toHours() > 0 && d.toMinutes() % 60 == 0 ? d.toHours() + "h" : d.toMinutes() + "m";
    }
}
