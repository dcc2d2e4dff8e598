package dev.usp4j.nn;

import java.util.List;

/**
 * What {@link Module#loadStateDict} found: keys the module expected but the checkpoint lacks, keys the checkpoint
 * has but the module does not, and keys whose shapes differ (each with both shapes) — PyTorch's
 * {@code _IncompatibleKeys} plus the shape mismatches it raises on.
 */
public record LoadReport(List<String> missing, List<String> unexpected, List<String> shapeMismatches) {

    public LoadReport {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        shapeMismatches = List.copyOf(shapeMismatches);
    }

    /** True when every key matched in name and shape. */
    public boolean isClean() {
        return missing.isEmpty() && unexpected.isEmpty() && shapeMismatches.isEmpty();
    }

    @Override
    public String toString() {
        if (isClean()) {
            return "all keys matched";
        }
        StringBuilder sb = new StringBuilder();
        if (!missing.isEmpty()) {
            sb.append(missing.size()).append(" missing ").append(missing);
        }
        if (!unexpected.isEmpty()) {
            sb.append(sb.isEmpty() ? "" : "; ").append(unexpected.size()).append(" unexpected ").append(unexpected);
        }
        if (!shapeMismatches.isEmpty()) {
            sb.append(sb.isEmpty() ? "" : "; ").append(shapeMismatches.size()).append(" with other shapes ")
                    .append(shapeMismatches);
        }
        return sb.toString();
    }
}
