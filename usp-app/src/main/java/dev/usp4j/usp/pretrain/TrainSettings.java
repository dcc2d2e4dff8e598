package dev.usp4j.usp.pretrain;

import dev.usp4j.nn.ConfigArgs;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The settings every MAE-style trainer shares: batch size, base learning rate (the absolute lr is blr · batch / 256,
 * MAE's linear scaling rule), the cosine's floor, weight decay, the warmup/length plan, how often a checkpoint is
 * written (every {@code checkpointEvery} steps, 0 = only at the end of each {@code train} call) and the seed from
 * which initialisation, batch order, flips and masking noise derive. Map keys: batch_size, blr, min_lr,
 * weight_decay, epochs/warmup_epochs or steps/warmup_steps, checkpoint_every, seed.
 */
public record TrainSettings(int batchSize, double blr, double minLr, double weightDecay, LrPlan plan,
                            long checkpointEvery, long seed) {
    /** The keys {@link #fromArgs} reads. */
    public static final Set<String> KEYS = Set.of("batch_size", "blr", "min_lr", "weight_decay", "epochs",
            "warmup_epochs", "steps", "warmup_steps", "checkpoint_every", "seed");

    public TrainSettings {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("TrainSettings: batch_size must be positive, got " + batchSize);
        }
        if (!(blr > 0) || Double.isInfinite(blr)) {
            throw new IllegalArgumentException("TrainSettings: blr must be finite and > 0, got " + blr);
        }
        if (!(minLr >= 0) || Double.isInfinite(minLr)) {
            throw new IllegalArgumentException("TrainSettings: min_lr must be finite and >= 0, got " + minLr);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("TrainSettings: weight_decay must be finite and >= 0, got "
                    + weightDecay);
        }
        if (plan == null) {
            throw new IllegalArgumentException("TrainSettings: a schedule plan (epochs or steps) is required");
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("TrainSettings: checkpoint_every must be >= 0 (0 = only at the end),"
                    + " got " + checkpointEvery);
        }
    }

    /** The absolute learning rate: blr · batch / 256. */
    public double lr() {
        return blr * batchSize / 256.0;
    }

    public TrainSettings withBatchSize(int b) {
        return new TrainSettings(b, blr, minLr, weightDecay, plan, checkpointEvery, seed);
    }

    public TrainSettings withBlr(double v) {
        return new TrainSettings(batchSize, v, minLr, weightDecay, plan, checkpointEvery, seed);
    }

    public TrainSettings withMinLr(double v) {
        return new TrainSettings(batchSize, blr, v, weightDecay, plan, checkpointEvery, seed);
    }

    public TrainSettings withWeightDecay(double v) {
        return new TrainSettings(batchSize, blr, minLr, v, plan, checkpointEvery, seed);
    }

    public TrainSettings withPlan(LrPlan p) {
        return new TrainSettings(batchSize, blr, minLr, weightDecay, p, checkpointEvery, seed);
    }

    public TrainSettings withCheckpointEvery(long every) {
        return new TrainSettings(batchSize, blr, minLr, weightDecay, plan, every, seed);
    }

    public TrainSettings withSeed(long s) {
        return new TrainSettings(batchSize, blr, minLr, weightDecay, plan, checkpointEvery, s);
    }

    /** These settings as JSON-ready entries (merged into each trainer config's map). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch_size", batchSize);
        m.put("blr", blr);
        m.put("min_lr", minLr);
        m.put("weight_decay", weightDecay);
        m.putAll(plan.toMap());
        m.put("checkpoint_every", checkpointEvery);
        m.put("seed", seed);
        return m;
    }

    /** The settings in {@code a}, each missing one taken from {@code fallback}. */
    public static TrainSettings fromArgs(ConfigArgs a, TrainSettings fallback) {
        return new TrainSettings(a.intArg("batch_size", fallback.batchSize), a.doubleArg("blr", fallback.blr),
                a.doubleArg("min_lr", fallback.minLr), a.doubleArg("weight_decay", fallback.weightDecay),
                LrPlan.fromArgs(a, fallback.plan), longArg(a, "checkpoint_every", fallback.checkpointEvery),
                longArg(a, "seed", fallback.seed));
    }

    private static long longArg(ConfigArgs a, String key, long fallback) {
        Object v = a.raw(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) < 0x1p53) {
            return (long) n.doubleValue();
        }
        throw new IllegalArgumentException("TrainSettings: " + key + " must be an integer, got "
                + ConfigArgs.describe(v));
    }
}
