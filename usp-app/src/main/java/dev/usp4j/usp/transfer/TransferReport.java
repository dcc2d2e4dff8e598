package dev.usp4j.usp.transfer;

import java.util.List;

/**
 * What a weight transfer did, for the printed report and for tests: target keys copied from the checkpoint (with
 * their source names), tables resized (with both shapes), checkpoint keys deliberately left out, and target keys left
 * at their own initialisation.
 */
public record TransferReport(List<String> copied, List<String> resized, List<String> ignored, List<String> leftAtInit) {
    public TransferReport {
        copied = List.copyOf(copied);
        resized = List.copyOf(resized);
        ignored = List.copyOf(ignored);
        leftAtInit = List.copyOf(leftAtInit);
    }

    /** A few lines for a log: counts, the resized tables, and the names left at init. */
    public String summary() {
        return "copied " + copied.size() + " tensors; resized " + resized + "; ignored " + ignored.size()
                + " checkpoint tensors; left at init " + leftAtInit.size() + " " + abbreviate(leftAtInit);
    }

    private static String abbreviate(List<String> keys) {
        return keys.size() <= 6 ? keys.toString() : keys.subList(0, 6) + " … (+" + (keys.size() - 6) + ")";
    }
}
