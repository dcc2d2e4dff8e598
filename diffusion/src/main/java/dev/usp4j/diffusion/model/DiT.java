package dev.usp4j.diffusion.model;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Init;
import dev.usp4j.nn.Linear;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.ModuleList;
import dev.usp4j.nn.PatchEmbed;
import dev.usp4j.nn.SinCosEmbeddings;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The Diffusion Transformer of Peebles &amp; Xie as {@code facebookresearch/DiT} models.py builds it (usp-spec §3),
 * with its state-dict names, so an official or USP checkpoint loads with {@code loadStateDict(strict=true)}:
 * {@code pos_embed} (1, T, D), {@code x_embedder.proj.*}, {@code t_embedder.mlp.{0,2}.*},
 * {@code y_embedder.embedding_table.weight}, {@code blocks.N.*} and {@code final_layer.*}.
 *
 * <p>{@code forward(x, t, y)}: latents x [N, C, H, W] → patch tokens + pos_embed → blocks conditioned on
 * c = t_embedder(t) + y_embedder(y) → final layer → unpatchify → [N, C_out, H, W], C_out = 2C with learned sigma
 * (ε, then the variance interpolation v). {@code pos_embed} is the fixed 2-D sin-cos table, a parameter that does
 * not require grad (as DiT's {@code nn.Parameter(..., requires_grad=False)}): it is in the state dict and counted in
 * the parameters, and a checkpoint's table is loaded as it is, never recomputed (USP's transfer leaves a bicubically
 * resized one). Construction initialises as DiT's {@code initialize_weights}.
 */
public class DiT extends Module {
    /** Channels that DiT's and SiT's {@code forward_with_cfg} guide: the first three (usp-spec §3.5). */
    public static final int CFG_CHANNELS = 3;

    public final Tensor posEmbed;
    public final PatchEmbed xEmbedder;
    public final TimestepEmbedder tEmbedder;
    public final LabelEmbedder yEmbedder;
    public final ModuleList<DiTBlock> blocks;
    public final FinalLayer finalLayer;
    protected final DiTConfig config;

    /** The model with DiT's initialisation drawn from the default generator. */
    public DiT(DiTConfig config) {
        this(config, Generator.defaultGenerator());
    }

    /** The model with DiT's initialisation drawn from {@code gen}. */
    public DiT(DiTConfig config, Generator gen) {
        this.config = config;
        int d = config.hiddenSize();
        int g = config.gridSize();
        // Registered first so that, as in PyTorch (own parameters before children), pos_embed leads the state dict.
        this.posEmbed = registerParameter("pos_embed", SinCosEmbeddings.pos2d(d, g, false).reshape(1, g * g, d));
        posEmbed.requiresGrad(false);
        this.xEmbedder = registerModule("x_embedder",
                new PatchEmbed(config.inputSize(), config.patchSize(), config.inChannels(), d));
        this.tEmbedder = registerModule("t_embedder", new TimestepEmbedder(d));
        this.yEmbedder = registerModule("y_embedder",
                new LabelEmbedder(config.numClasses(), d, config.classDropoutProb()));
        this.blocks = registerModule("blocks", new ModuleList<>());
        for (int i = 0; i < config.depth(); i++) {
            blocks.add(new DiTBlock(d, config.numHeads(), config.mlpRatio(), config.affineNorm()));
        }
        this.finalLayer = registerModule("final_layer", new FinalLayer(d, config.patchSize(), config.outChannels()));
        initializeWeights(gen);
    }

    /** A DiT from the original constructor's keyword arguments (see {@link DiTConfig#fromJson}). */
    public static DiT create(Map<String, ?> json) {
        return new DiT(DiTConfig.fromJson(json));
    }

    public DiTConfig config() {
        return config;
    }

    /**
     * DiT's {@code initialize_weights}: xavier-uniform weights and zero biases on every Linear; the patch-embed conv
     * as a Linear (xavier on its (D, C·p·p) view, bias 0); the label table and both t-MLP weights N(0, 0.02²);
     * every block's adaLN Linear and the final layer's adaLN and output Linear zero; pos_embed the sin-cos table.
     * Affine block norms (USP) keep γ = 1, β = 0.
     */
    public void initializeWeights(Generator gen) {
        for (Module m : namedModules().values()) {
            if (m instanceof Linear lin) {
                Init.xavierUniform(lin.weight, 1, gen);
                if (lin.bias != null) {
                    Init.zeros(lin.bias);
                }
            }
        }
        int d = config.hiddenSize();
        int g = config.gridSize();
        try (GradMode.Scope s = GradMode.noGrad()) {
            posEmbed.data().copyFrom(SinCosEmbeddings.pos2d(d, g, false).reshape(1, g * g, d));
        }
        int[] f = Init.fans(xEmbedder.proj.weight.shape());
        // Xavier on the (D, C·p·p) view: fan_in C·p·p, fan_out D (not D·p·p as for a 4-D conv weight).
        double bound = Math.sqrt(6.0 / (f[0] + xEmbedder.proj.weight.size(0)));
        Init.uniform(xEmbedder.proj.weight, -bound, bound, gen);
        Init.zeros(xEmbedder.proj.bias);
        Init.normal(yEmbedder.embeddingTable.weight, 0, 0.02, gen);
        Init.normal(tEmbedder.fc1().weight, 0, 0.02, gen);
        Init.normal(tEmbedder.fc2().weight, 0, 0.02, gen);
        for (DiTBlock b : blocks) {
            Init.zeros(b.modulationLinear().weight);
            Init.zeros(b.modulationLinear().bias);
        }
        Init.zeros(finalLayer.modulationLinear().weight);
        Init.zeros(finalLayer.modulationLinear().bias);
        Init.zeros(finalLayer.linear.weight);
        Init.zeros(finalLayer.linear.bias);
    }

    /** Forward with label dropout only as training mode and class_dropout_prob say. */
    public Tensor forward(Tensor x, NDArray t, NDArray y) {
        return forward(x, t, y, null);
    }

    /**
     * x [N, C, H, W] latents, t [N] timesteps, y [N] integer labels (num_classes = the null class), and optional
     * {@code forceDropIds} [N] (1 = replace the label by the null class; null = draw in training) →
     * [N, C_out, H, W].
     */
    public Tensor forward(Tensor x, NDArray t, NDArray y, NDArray forceDropIds) {
        return unpatchify(backbone(x, t, y, forceDropIds));
    }

    /** Everything up to the final layer's output tokens [N, T, p²·C_out]. */
    protected final Tensor backbone(Tensor x, NDArray t, NDArray y, NDArray forceDropIds) {
        int n = x.rank() == 4 ? x.size(0) : -1;
        if (n < 0 || t.rank() != 1 || t.size(0) != n || y.rank() != 1 || y.size(0) != n) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": expects x [N, "
                    + config.inChannels() + ", " + config.inputSize() + ", " + config.inputSize()
                    + "], t [N] and y [N], got " + Arrays.toString(x.shape()) + ", " + Arrays.toString(t.shape())
                    + " and " + Arrays.toString(y.shape()));
        }
        Tensor h = xEmbedder.forward(x).add(posEmbed);
        Tensor c = tEmbedder.forward(t).add(yEmbedder.forward(y, isTraining(), forceDropIds));
        for (DiTBlock b : blocks) {
            h = b.forward(h, c);
        }
        return finalLayer.forward(h, c);
    }

    /** [N, T, p·p·C] tokens → [N, C, h·p, w·p] ('nhwpqc → nchpwq'). */
    public Tensor unpatchify(Tensor x) {
        int c = config.outChannels();
        int p = config.patchSize();
        int g = config.gridSize();
        if (x.rank() != 3 || x.size(1) != g * g || x.size(2) != p * p * c) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".unpatchify: expects [N, " + g * g + ", "
                    + p * p * c + "], got " + Arrays.toString(x.shape()));
        }
        int n = x.size(0);
        return x.reshape(n, g, g, p, p, c).permute(0, 5, 1, 3, 2, 4).reshape(n, c, g * p, g * p);
    }

    /** {@link #forwardWithCfg(Tensor, NDArray, NDArray, double, int)} guiding the first three channels, as DiT. */
    public Tensor forwardWithCfg(Tensor x, NDArray t, NDArray y, double cfgScale) {
        return forwardWithCfg(x, t, y, cfgScale, CFG_CHANNELS);
    }

    /**
     * DiT's {@code forward_with_cfg}: the first half of x [2B, ...] is run twice ([x, x] with y's two halves,
     * conditional labels then the null class), and the first {@code guidedChannels} output channels become
     * ε_u + s·(ε_c − ε_u) in both halves; the other channels pass through from each half. DiT and SiT guide 3
     * channels (a reproduction quirk, usp-spec §3.5); {@code forward}'s channel count guides all of them.
     */
    public Tensor forwardWithCfg(Tensor x, NDArray t, NDArray y, double cfgScale, int guidedChannels) {
        if (x.rank() < 1 || x.size(0) % 2 != 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".forwardWithCfg: expects an even batch"
                    + " [x, x] of 2B samples, got " + Arrays.toString(x.shape()));
        }
        if (guidedChannels < 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".forwardWithCfg: guided channels must"
                    + " be non-negative, got " + guidedChannels);
        }
        int b = x.size(0) / 2;
        Tensor half = x.narrow(0, 0, b);
        Tensor out = forward(Tensor.cat(List.of(half, half), 0), t, y);
        int channels = out.size(1);
        int g = Math.min(guidedChannels, channels);
        Tensor eps = out.narrow(1, 0, g);
        Tensor cond = eps.narrow(0, 0, b);
        Tensor uncond = eps.narrow(0, b, b);
        Tensor guided = uncond.add(cond.sub(uncond).mul(cfgScale));
        Tensor both = Tensor.cat(List.of(guided, guided), 0);
        return g == channels ? both : Tensor.cat(List.of(both, out.narrow(1, g, channels - g)), 1);
    }
}
