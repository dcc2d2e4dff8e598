package dev.usp4j.nn.vit;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Init;
import dev.usp4j.nn.LayerNorm;
import dev.usp4j.nn.Linear;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.ModuleList;
import dev.usp4j.nn.PatchEmbed;
import dev.usp4j.nn.SinCosEmbeddings;
import dev.usp4j.nn.losses.Losses;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import dev.usp4j.tensor.random.Generator;
import java.util.List;
import java.util.Map;

/**
 * MAE's {@code MaskedAutoencoderViT} as USP trains it on VAE latents (usp-spec §1.4–1.9, §5), with MAE's parameter
 * names so a converted checkpoint loads strictly: {@code patch_embed.proj} (the "PatchConv", Conv2d(in_chans → D,
 * kernel = stride = patch)), {@code cls_token}, {@code pos_embed} (1, L + 1, D), {@code blocks.N}, {@code norm}, then
 * {@code decoder_embed}, {@code mask_token}, {@code decoder_pos_embed}, {@code decoder_blocks.N},
 * {@code decoder_norm}, {@code decoder_pred}.
 *
 * <p>The two position tables are fixed 2-D sin-cos tables with a zero cls row, stored as MAE stores them: parameters
 * with requires_grad off, so they are in the state dict (and counted by {@code parameterCount()}) but never
 * trained. They are computed once at construction; loading a state dict copies whatever the checkpoint holds (USP's
 * weight transfer leaves a resized table there) and never recomputes them.
 *
 * <p>Forward: patch-embed, add pos_embed (without its cls row), keep int(L·(1 − ratio)) tokens chosen by argsort of
 * uniform noise (smallest kept; the noise can be passed, so tests feed PyTorch's), prepend cls + its position row,
 * encoder blocks and norm; decoder_embed, append mask tokens, un-shuffle with ids_restore, add decoder_pos_embed,
 * decoder blocks, decoder_norm, decoder_pred, drop the cls row. The loss is the squared error against the patchified
 * input (per-patch normalised with the unbiased variance and eps 1e-6 under norm_pix_loss), averaged over each
 * patch's values and then over the removed patches only.
 */
public final class MaskedAutoencoderViT extends Module {
    public final Tensor clsToken;
    public final Tensor posEmbed;
    public final Tensor maskToken;
    public final Tensor decoderPosEmbed;
    public final PatchEmbed patchEmbed;
    public final ModuleList<Block> blocks;
    public final LayerNorm norm;
    public final Linear decoderEmbed;
    public final ModuleList<Block> decoderBlocks;
    public final LayerNorm decoderNorm;
    public final Linear decoderPred;
    private final MaeConfig config;

    /** Built and initialised (MAE's initialize_weights) from the default generator. */
    public MaskedAutoencoderViT(MaeConfig config) {
        this(config, Generator.defaultGenerator());
    }

    /** Built and initialised from {@code gen} (layer construction itself draws from the default generator). */
    public MaskedAutoencoderViT(MaeConfig config, Generator gen) {
        this.config = config;
        int d = config.embedDim();
        int dd = config.decoderEmbedDim();
        int tokens = config.numPatches() + 1;
        this.clsToken = registerParameter("cls_token", NDArray.zeros(1, 1, d));
        this.posEmbed = registerParameter("pos_embed", NDArray.zeros(1, tokens, d)).requiresGrad(false);
        this.maskToken = registerParameter("mask_token", NDArray.zeros(1, 1, dd));
        this.decoderPosEmbed = registerParameter("decoder_pos_embed", NDArray.zeros(1, tokens, dd))
                .requiresGrad(false);
        this.patchEmbed = registerModule("patch_embed", new PatchEmbed(config.imgSize(), config.patchSize(),
                config.inChans(), d));
        this.blocks = registerModule("blocks", new ModuleList<>());
        for (int i = 0; i < config.depth(); i++) {
            blocks.add(new Block(d, config.numHeads(), config.mlpRatio()));
        }
        this.norm = registerModule("norm", new LayerNorm(d, Block.LN_EPS));
        this.decoderEmbed = registerModule("decoder_embed", new Linear(d, dd));
        this.decoderBlocks = registerModule("decoder_blocks", new ModuleList<>());
        for (int i = 0; i < config.decoderDepth(); i++) {
            decoderBlocks.add(new Block(dd, config.decoderNumHeads(), config.mlpRatio()));
        }
        this.decoderNorm = registerModule("decoder_norm", new LayerNorm(dd, Block.LN_EPS));
        this.decoderPred = registerModule("decoder_pred", new Linear(dd, config.patchDim()));
        initializeWeights(gen);
    }

    /** A model from MAE's constructor arguments as a JSON map (see {@link MaeConfigs#fromMap}). */
    public static MaskedAutoencoderViT create(Map<String, Object> jsonConfig) {
        return new MaskedAutoencoderViT(MaeConfigs.fromMap(jsonConfig));
    }

    /** A named model, e.g. "MAE-ViT-B/2" (see {@link MaeConfigs#named}). */
    public static MaskedAutoencoderViT named(String name) {
        return new MaskedAutoencoderViT(MaeConfigs.named(name));
    }

    public MaeConfig config() {
        return config;
    }

    /**
     * MAE's initialize_weights: the sin-cos tables; xavier_uniform on the patch-embed weight viewed as
     * [D, C·p·p] (its bias keeps PyTorch's conv default); N(0, 0.02²) for cls_token and mask_token; xavier_uniform
     * weights and zero biases for every Linear; LayerNorms 1 and 0.
     */
    private void initializeWeights(Generator gen) {
        int grid = config.gridSize();
        try (var s = dev.usp4j.autograd.GradMode.noGrad()) {
            posEmbed.data().copyFrom(SinCosEmbeddings.pos2d(config.embedDim(), grid, true).unsqueeze(0));
            decoderPosEmbed.data().copyFrom(SinCosEmbeddings.pos2d(config.decoderEmbedDim(), grid, true)
                    .unsqueeze(0));
        }
        // The 2-D view's fans: fan_in = C·p·p, fan_out = D (not D·p·p as for the 4-D conv weight).
        int fanIn = config.patchDim();
        double bound = Math.sqrt(6.0 / (fanIn + config.embedDim()));
        Init.uniform(patchEmbed.proj.weight, -bound, bound, gen);
        Init.normal(clsToken, 0, 0.02, gen);
        Init.normal(maskToken, 0, 0.02, gen);
        for (Module m : namedModules().values()) {
            if (m instanceof Linear lin) {
                Init.xavierUniform(lin.weight, 1.0, gen);
                if (lin.bias != null) {
                    Init.zeros(lin.bias);
                }
            } else if (m instanceof LayerNorm ln && ln.weight != null) {
                Init.ones(ln.weight);
                Init.zeros(ln.bias);
            }
        }
    }

    // ---- patches ----------------------------------------------------------------------------------------------

    /** (N, C, H, W) → (N, L, p·p·C): per patch (row-major), values laid out (p_row, p_col, channel). */
    public Tensor patchify(Tensor imgs) {
        int p = config.patchSize();
        int c = config.inChans();
        if (imgs.rank() != 4 || imgs.size(1) != c || imgs.size(2) != imgs.size(3) || imgs.size(2) % p != 0) {
            throw new IllegalArgumentException("patchify: expects square [N, " + c + ", H, H] with H a multiple of "
                    + p + ", got " + Shape.str(imgs.shape()));
        }
        int n = imgs.size(0);
        int h = imgs.size(2) / p;
        return imgs.reshape(n, c, h, p, h, p).permute(0, 2, 4, 3, 5, 1).reshape(n, h * h, p * p * c);
    }

    /** The inverse of {@link #patchify}: (N, L, p·p·C) → (N, C, √L·p, √L·p). */
    public Tensor unpatchify(Tensor x) {
        int p = config.patchSize();
        int c = config.inChans();
        int h = x.rank() == 3 ? (int) Math.round(Math.sqrt(x.size(1))) : -1;
        if (x.rank() != 3 || h * h != x.size(1) || x.size(2) != p * p * c) {
            throw new IllegalArgumentException("unpatchify: expects [N, L, " + (p * p * c) + "] with L a square, got "
                    + Shape.str(x.shape()));
        }
        int n = x.size(0);
        return x.reshape(n, h, h, p, p, c).permute(0, 5, 1, 3, 2, 4).reshape(n, c, h * p, h * p);
    }

    // ---- masking ----------------------------------------------------------------------------------------------

    /**
     * MAE's random_masking of x [N, L, D] driven by {@code noise} [N, L]: ids_shuffle = argsort(noise) (smallest
     * kept), ids_restore = argsort(ids_shuffle), the first int(L·(1 − ratio)) shuffled tokens gathered, and the mask
     * (1 = removed) in the original order.
     */
    public static MaskedTokens randomMasking(Tensor x, double maskRatio, NDArray noise) {
        if (x.rank() != 3) {
            throw new IllegalArgumentException("random_masking: expects tokens [N, L, D], got " + Shape.str(x.shape()));
        }
        int n = x.size(0);
        int l = x.size(1);
        int d = x.size(2);
        if (noise.rank() != 2 || noise.size(0) != n || noise.size(1) != l) {
            throw new IllegalArgumentException("random_masking: noise must be [" + n + ", " + l + "] for tokens "
                    + Shape.str(x.shape()) + ", got " + Shape.str(noise.shape()));
        }
        if (!(maskRatio >= 0 && maskRatio < 1)) {
            throw new IllegalArgumentException("random_masking: mask_ratio must be in [0, 1), got " + maskRatio);
        }
        int keep = (int) (l * (1 - maskRatio));
        NDArray u = noise.dtype() == DType.F32 ? noise : noise.to(DType.F32);
        NDArray idsShuffle = u.argsort(1, false);
        NDArray idsRestore = idsShuffle.argsort(1, false);
        NDArray idsKeep = idsShuffle.narrow(1, 0, keep).contiguous();
        Tensor visible = x.gather(1, idsKeep.unsqueeze(2).expand(n, keep, d));
        // ones with the first `keep` zeroed, gathered by ids_restore: a token is removed iff its rank ≥ keep.
        NDArray mask = idsRestore.ge(keep).to(DType.F32);
        return new MaskedTokens(visible, mask, idsKeep, idsRestore);
    }

    // ---- forward ----------------------------------------------------------------------------------------------

    /** forward_encoder: returns the encoded tokens [N, 1 + keep, D] (cls first) with the masking's bookkeeping. */
    public MaskedTokens forwardEncoder(Tensor imgs, double maskRatio, NDArray noise) {
        Tensor x = patchEmbed.forward(imgs);
        int l = config.numPatches();
        x = x.add(posEmbed.narrow(1, 1, l));
        MaskedTokens m = randomMasking(x, maskRatio, noise);
        x = m.tokens();
        Tensor cls = clsToken.add(posEmbed.narrow(1, 0, 1));
        x = Tensor.cat(List.of(cls.expand(x.size(0), 1, config.embedDim()), x), 1);
        for (Block b : blocks) {
            x = b.forward(x);
        }
        return new MaskedTokens(norm.forward(x), m.mask(), m.idsKeep(), m.idsRestore());
    }

    /** forward_decoder: the prediction [N, L, p²·C] for every patch from the encoded tokens and ids_restore. */
    public Tensor forwardDecoder(Tensor latent, NDArray idsRestore) {
        Tensor x = decoderEmbed.forward(latent);
        int n = x.size(0);
        int l = idsRestore.size(1);
        int dd = config.decoderEmbedDim();
        int visible = x.size(1) - 1;
        Tensor maskTokens = maskToken.expand(n, l - visible, dd);
        Tensor shuffled = Tensor.cat(List.of(x.narrow(1, 1, visible), maskTokens), 1);
        Tensor restored = shuffled.gather(1, idsRestore.unsqueeze(2).expand(n, l, dd));
        x = Tensor.cat(List.of(x.narrow(1, 0, 1), restored), 1).add(decoderPosEmbed);
        for (Block b : decoderBlocks) {
            x = b.forward(x);
        }
        x = decoderPred.forward(decoderNorm.forward(x));
        return x.narrow(1, 1, l);
    }

    /** forward_loss: mean over removed patches of the per-patch mean squared error against the (normalised) target. */
    public Tensor forwardLoss(Tensor imgs, Tensor pred, NDArray mask) {
        Tensor target = patchify(imgs);
        if (config.normPixLoss()) {
            int[] last = {2};
            Tensor mean = target.mean(last, true);
            Tensor var = target.var(last, 1.0, true);
            target = target.sub(mean).div(var.add(1e-6).sqrt());
        }
        return Losses.mse(pred, target, mask);
    }

    /** forward with the config's mask ratio and noise from the default generator. */
    public MaeOutput forward(Tensor imgs) {
        return forward(imgs, config.maskRatio(), Generator.defaultGenerator());
    }

    /** forward with noise U[0, 1) of shape [N, L] drawn from {@code gen}. */
    public MaeOutput forward(Tensor imgs, double maskRatio, Generator gen) {
        return forward(imgs, maskRatio, NDArray.rand(gen, imgs.device(), imgs.size(0), config.numPatches()));
    }

    /** forward with explicit masking noise [N, L] (e.g. the numbers PyTorch drew). */
    public MaeOutput forward(Tensor imgs, double maskRatio, NDArray noise) {
        MaskedTokens enc = forwardEncoder(imgs, maskRatio, noise);
        Tensor pred = forwardDecoder(enc.tokens(), enc.idsRestore());
        Tensor loss = forwardLoss(imgs, pred, enc.mask());
        return new MaeOutput(loss, pred, enc.mask(), enc.idsRestore(), enc.idsKeep());
    }
}
