package dev.usp4j.diffusion.model;

import dev.usp4j.nn.ConfigArgs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The constructor arguments of DiT/SiT ({@code facebookresearch/DiT} models.py, usp-spec §3.1), under their original
 * names in {@link #fromJson}/{@link #toJson}: {@code input_size} (latent side), {@code patch_size},
 * {@code in_channels}, {@code hidden_size}, {@code depth}, {@code num_heads}, {@code mlp_ratio},
 * {@code class_dropout_prob}, {@code num_classes}, {@code learn_sigma}, plus USP's {@code affine_norm} (the
 * "-VAE-simple" blocks, whose norm1/norm2 carry a learnable γ and β). Also the parameter count by arithmetic, so a
 * registry can answer "how big is DiT-XL/2" without allocating 2.7 GB.
 */
public record DiTConfig(int inputSize, int patchSize, int inChannels, int hiddenSize, int depth, int numHeads,
                        double mlpRatio, double classDropoutProb, int numClasses, boolean learnSigma,
                        boolean affineNorm) {

    /** The keys {@link #fromJson} accepts, in the original constructor's order. */
    public static final List<String> KEYS = List.of("input_size", "patch_size", "in_channels", "hidden_size", "depth",
            "num_heads", "mlp_ratio", "class_dropout_prob", "num_classes", "learn_sigma", "affine_norm");

    /** Checks what the original asserts or would fail on later (shapes that do not divide, empty layers). */
    public DiTConfig {
        if (inputSize <= 0 || patchSize <= 0 || inputSize % patchSize != 0) {
            throw new IllegalArgumentException("DiTConfig: input_size (" + inputSize
                    + ") must be a positive multiple of patch_size (" + patchSize + ")");
        }
        if (inChannels <= 0 || depth < 0 || numClasses <= 0) {
            throw new IllegalArgumentException("DiTConfig: in_channels (" + inChannels + ") and num_classes ("
                    + numClasses + ") must be positive and depth (" + depth + ") non-negative");
        }
        if (hiddenSize <= 0 || hiddenSize % 4 != 0 || numHeads <= 0 || hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("DiTConfig: hidden_size (" + hiddenSize + ") must be a positive"
                    + " multiple of 4 (the 2-D sin-cos pos_embed) and of num_heads (" + numHeads + ")");
        }
        if (!(mlpRatio > 0) || (int) (hiddenSize * mlpRatio) <= 0) {
            throw new IllegalArgumentException("DiTConfig: mlp_ratio (" + mlpRatio + ") must give a positive MLP"
                    + " width for hidden_size " + hiddenSize);
        }
        if (!(classDropoutProb >= 0 && classDropoutProb <= 1)) {
            throw new IllegalArgumentException("DiTConfig: class_dropout_prob must be in [0, 1], got "
                    + classDropoutProb);
        }
    }

    /** DiT's constructor defaults (DiT-XL/2 at 256 px, learned sigma, 1000 classes), vanilla non-affine norms. */
    public static DiTConfig defaults() {
        return new DiTConfig(32, 2, 4, 1152, 28, 16, 4.0, 0.1, 1000, true, false);
    }

    /**
     * A config from the original constructor's keyword arguments ({@link #KEYS}); absent keys take DiT's defaults.
     * Numbers may be any {@link Number} (integers must be integral), booleans {@link Boolean}; an unknown key or a
     * value of the wrong type is an error naming it.
     */
    public static DiTConfig fromJson(Map<String, ?> json) {
        ConfigArgs a = new ConfigArgs("DiTConfig", json, new java.util.HashSet<>(KEYS));
        DiTConfig d = defaults();
        return new DiTConfig(a.intArg("input_size", d.inputSize), a.intArg("patch_size", d.patchSize),
                a.intArg("in_channels", d.inChannels), a.intArg("hidden_size", d.hiddenSize),
                a.intArg("depth", d.depth), a.intArg("num_heads", d.numHeads),
                a.doubleArg("mlp_ratio", d.mlpRatio), a.doubleArg("class_dropout_prob", d.classDropoutProb),
                a.intArg("num_classes", d.numClasses), a.boolArg("learn_sigma", d.learnSigma),
                a.boolArg("affine_norm", d.affineNorm));
    }

    /** Every argument under its original name (what a training checkpoint's metadata records). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("input_size", (long) inputSize);
        m.put("patch_size", (long) patchSize);
        m.put("in_channels", (long) inChannels);
        m.put("hidden_size", (long) hiddenSize);
        m.put("depth", (long) depth);
        m.put("num_heads", (long) numHeads);
        m.put("mlp_ratio", mlpRatio);
        m.put("class_dropout_prob", classDropoutProb);
        m.put("num_classes", (long) numClasses);
        m.put("learn_sigma", learnSigma);
        m.put("affine_norm", affineNorm);
        return m;
    }

    // ---- derived sizes -----------------------------------------------------------------------------------------

    /** Output channels: 2·in_channels with learned sigma (ε then the variance interpolation v), else in_channels. */
    public int outChannels() {
        return learnSigma ? 2 * inChannels : inChannels;
    }

    /** Tokens per side: input_size / patch_size. */
    public int gridSize() {
        return inputSize / patchSize;
    }

    /** Tokens T = (input_size / patch_size)². */
    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** The MLP's hidden width, int(hidden_size · mlp_ratio) as Python truncates it. */
    public int mlpHidden() {
        return (int) (hiddenSize * mlpRatio);
    }

    /** Rows of the label table: num_classes plus the null ("unconditional") class when class dropout is on. */
    public int labelTableRows() {
        return numClasses + (classDropoutProb > 0 ? 1 : 0);
    }

    /** Parameters of one DiT block: norms (if affine), attention, MLP and the adaLN Linear(D, 6D). */
    public long blockParameterCount() {
        long d = hiddenSize;
        long h = mlpHidden();
        long norms = affineNorm ? 4 * d : 0;
        long attn = d * 3 * d + 3 * d + d * d + d;
        long mlp = d * h + h + h * d + d;
        long ada = d * 6 * d + 6 * d;
        return norms + attn + mlp + ada;
    }

    /**
     * Every parameter element of the model, the frozen pos_embed included (as {@code sum(p.numel() for p in
     * model.parameters())} counts it): 675,129,632 for DiT-XL/2.
     */
    public long parameterCount() {
        long d = hiddenSize;
        long p2 = (long) patchSize * patchSize;
        long xEmbed = inChannels * p2 * d + d;
        long pos = numPatches() * d;
        long tEmbed = TimestepEmbedder.FREQUENCY_EMBEDDING_SIZE * d + d + d * d + d;
        long yEmbed = labelTableRows() * d;
        long fin = d * 2 * d + 2 * d + d * p2 * outChannels() + p2 * outChannels();
        return xEmbed + pos + tEmbed + yEmbed + depth * blockParameterCount() + fin;
    }

    /** The same config for another latent side (the anchors train DiT-S/2 on 8×8 and 16×16 latents). */
    public DiTConfig withInputSize(int size) {
        return new DiTConfig(size, patchSize, inChannels, hiddenSize, depth, numHeads, mlpRatio, classDropoutProb,
                numClasses, learnSigma, affineNorm);
    }

    /** The same config with another number of classes. */
    public DiTConfig withNumClasses(int classes) {
        return new DiTConfig(inputSize, patchSize, inChannels, hiddenSize, depth, numHeads, mlpRatio,
                classDropoutProb, classes, learnSigma, affineNorm);
    }

    /** The same config with or without learned sigma. */
    public DiTConfig withLearnSigma(boolean learn) {
        return new DiTConfig(inputSize, patchSize, inChannels, hiddenSize, depth, numHeads, mlpRatio,
                classDropoutProb, numClasses, learn, affineNorm);
    }

    /** The same config with USP's affine block norms (true) or DiT's plain ones (false). */
    public DiTConfig withAffineNorm(boolean affine) {
        return new DiTConfig(inputSize, patchSize, inChannels, hiddenSize, depth, numHeads, mlpRatio,
                classDropoutProb, numClasses, learnSigma, affine);
    }
}
