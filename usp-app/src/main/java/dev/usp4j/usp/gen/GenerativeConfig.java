package dev.usp4j.usp.gen;

import dev.usp4j.nn.ConfigArgs;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The settings of a {@link GenerativeTrainer} run, with DiT's and SiT's training defaults (usp-spec §3.4, §4.8):
 * global batch 256, AdamW lr 1e-4 constant, weight decay 0, betas (0.9, 0.999), eps 1e-8, EMA decay 0.9999, no
 * gradient clipping ({@code gradClip} 0 = off), seed 0, a metrics line every 100 steps and a checkpoint every
 * 50,000. Everything that shapes the trajectory is here and goes into the checkpoint, so a resumed run continues
 * with exactly the settings it started with. The model's own settings (label dropout 0.1, learned sigma) live in
 * its {@code DiTConfig}.
 */
public record GenerativeConfig(int batchSize, double lr, double weightDecay, double beta1, double beta2, double eps,
                               double emaDecay, double gradClip, long seed, int logEvery, int checkpointEvery) {

    private static final Set<String> KEYS = Set.of("batch_size", "lr", "weight_decay", "beta1", "beta2", "eps",
            "ema_decay", "grad_clip", "seed", "log_every", "checkpoint_every");

    /** Rejects values no run could use, naming the field and the value. */
    public GenerativeConfig {
        check(batchSize > 0, "batch_size must be positive", batchSize);
        check(lr > 0 && Double.isFinite(lr), "lr must be positive and finite", lr);
        check(weightDecay >= 0 && Double.isFinite(weightDecay), "weight_decay must be >= 0", weightDecay);
        check(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1)", beta1);
        check(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1)", beta2);
        check(eps >= 0 && Double.isFinite(eps), "eps must be >= 0", eps);
        check(emaDecay >= 0 && emaDecay <= 1, "ema_decay must be in [0, 1]", emaDecay);
        check(gradClip >= 0 && Double.isFinite(gradClip), "grad_clip must be >= 0 (0 = off)", gradClip);
        check(logEvery > 0, "log_every must be positive", logEvery);
        check(checkpointEvery > 0, "checkpoint_every must be positive", checkpointEvery);
    }

    private static void check(boolean ok, String what, Object value) {
        if (!ok) {
            throw new IllegalArgumentException("GenerativeConfig: " + what + ", got " + value);
        }
    }

    /** DiT's and SiT's defaults. */
    public static GenerativeConfig defaults() {
        return new GenerativeConfig(256, 1e-4, 0, 0.9, 0.999, 1e-8, 0.9999, 0, 0, 100, 50_000);
    }

    public GenerativeConfig withBatchSize(int v) {
        return new GenerativeConfig(v, lr, weightDecay, beta1, beta2, eps, emaDecay, gradClip, seed, logEvery,
                checkpointEvery);
    }

    public GenerativeConfig withLr(double v) {
        return new GenerativeConfig(batchSize, v, weightDecay, beta1, beta2, eps, emaDecay, gradClip, seed, logEvery,
                checkpointEvery);
    }

    public GenerativeConfig withWeightDecay(double v) {
        return new GenerativeConfig(batchSize, lr, v, beta1, beta2, eps, emaDecay, gradClip, seed, logEvery,
                checkpointEvery);
    }

    public GenerativeConfig withBetas(double b1, double b2) {
        return new GenerativeConfig(batchSize, lr, weightDecay, b1, b2, eps, emaDecay, gradClip, seed, logEvery,
                checkpointEvery);
    }

    /** A shorter EMA horizon for short runs (0.9999 averages over ~10K steps). */
    public GenerativeConfig withEmaDecay(double v) {
        return new GenerativeConfig(batchSize, lr, weightDecay, beta1, beta2, eps, v, gradClip, seed, logEvery,
                checkpointEvery);
    }

    /** Clips the global gradient L2 norm to {@code v} (0 = off, DiT's setting). */
    public GenerativeConfig withGradClip(double v) {
        return new GenerativeConfig(batchSize, lr, weightDecay, beta1, beta2, eps, emaDecay, v, seed, logEvery,
                checkpointEvery);
    }

    public GenerativeConfig withSeed(long v) {
        return new GenerativeConfig(batchSize, lr, weightDecay, beta1, beta2, eps, emaDecay, gradClip, v, logEvery,
                checkpointEvery);
    }

    public GenerativeConfig withLogEvery(int v) {
        return new GenerativeConfig(batchSize, lr, weightDecay, beta1, beta2, eps, emaDecay, gradClip, seed, v,
                checkpointEvery);
    }

    public GenerativeConfig withCheckpointEvery(int v) {
        return new GenerativeConfig(batchSize, lr, weightDecay, beta1, beta2, eps, emaDecay, gradClip, seed, logEvery,
                v);
    }

    /** The settings under snake_case keys, as stored in a checkpoint's config. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch_size", (long) batchSize);
        m.put("lr", lr);
        m.put("weight_decay", weightDecay);
        m.put("beta1", beta1);
        m.put("beta2", beta2);
        m.put("eps", eps);
        m.put("ema_decay", emaDecay);
        m.put("grad_clip", gradClip);
        m.put("seed", seed);
        m.put("log_every", (long) logEvery);
        m.put("checkpoint_every", (long) checkpointEvery);
        return m;
    }

    /** Settings from {@link #toJson}'s keys; absent keys take the defaults, unknown keys are errors. */
    public static GenerativeConfig fromJson(Map<String, ?> json) {
        ConfigArgs a = new ConfigArgs("GenerativeConfig", json, KEYS);
        GenerativeConfig d = defaults();
        long seed = a.has("seed") ? ((Number) a.raw("seed")).longValue() : d.seed;
        return new GenerativeConfig(a.intArg("batch_size", d.batchSize), a.doubleArg("lr", d.lr),
                a.doubleArg("weight_decay", d.weightDecay), a.doubleArg("beta1", d.beta1),
                a.doubleArg("beta2", d.beta2), a.doubleArg("eps", d.eps), a.doubleArg("ema_decay", d.emaDecay),
                a.doubleArg("grad_clip", d.gradClip), seed, a.intArg("log_every", d.logEvery),
                a.intArg("checkpoint_every", d.checkpointEvery));
    }
}
