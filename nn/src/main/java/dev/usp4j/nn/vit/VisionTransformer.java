package dev.usp4j.nn.vit;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.BatchNorm1d;
import dev.usp4j.nn.Dropout;
import dev.usp4j.nn.Identity;
import dev.usp4j.nn.Init;
import dev.usp4j.nn.LayerNorm;
import dev.usp4j.nn.Linear;
import dev.usp4j.nn.LoadReport;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.ModuleList;
import dev.usp4j.nn.PatchEmbed;
import dev.usp4j.nn.Sequential;
import dev.usp4j.nn.UnaryModule;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import dev.usp4j.tensor.random.Generator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * timm 0.9.12's {@code VisionTransformer} as USP's classifiers run it on VAE latents (usp-spec §2.2): the MAE
 * encoder's names ({@code patch_embed.proj}, {@code cls_token}, {@code pos_embed}, {@code blocks.N}, {@code norm})
 * plus {@code fc_norm} and {@code head}, so an MAE checkpoint loads into it with {@link #loadPretrained}. Tokens: cls
 * prepended, then the (trainable) pos_embed added, blocks, then with global average pooling (fine-tuning) the mean
 * of the patch tokens through {@code fc_norm} (the final {@code norm} is an identity and has no keys), or with
 * token pooling (linear probing) the cls token after {@code norm}. {@code head} is Linear(D, classes), or for the
 * linear probe Sequential(BatchNorm1d(D, affine=False, eps 1e-6), Linear) as MAE's main_linprobe.py builds it.
 *
 * <p>Initialisation as timm's: pos_embed trunc-normal std 0.02, cls_token normal with std 1e-6, Linear weights trunc-normal
 * std 0.02 with zero biases, then the head weight as the MAE scripts set it (trunc-normal std 2e-5 for fine-tuning,
 * 0.01 for the linear probe). Drop path follows timm's linear ramp from 0 to drop_path_rate over the blocks.
 */
public final class VisionTransformer extends UnaryModule {
    public final Tensor clsToken;
    public final Tensor posEmbed;
    public final PatchEmbed patchEmbed;
    public final Dropout posDrop;
    public final Identity patchDrop;
    public final Identity normPre;
    public final ModuleList<Block> blocks;
    public final UnaryModule norm;
    public final UnaryModule fcNorm;
    public final Dropout headDrop;
    public final UnaryModule head;
    private final VitConfig config;

    public VisionTransformer(VitConfig config) {
        this(config, Generator.defaultGenerator());
    }

    public VisionTransformer(VitConfig config, Generator gen) {
        this.config = config;
        int d = config.embedDim();
        this.clsToken = registerParameter("cls_token", NDArray.zeros(1, 1, d));
        this.posEmbed = registerParameter("pos_embed", NDArray.zeros(1, config.numPatches() + 1, d));
        this.patchEmbed = registerModule("patch_embed", new PatchEmbed(config.imgSize(), config.patchSize(),
                config.inChans(), d));
        this.posDrop = registerModule("pos_drop", new Dropout(0));
        this.patchDrop = registerModule("patch_drop", new Identity());
        this.normPre = registerModule("norm_pre", new Identity());
        this.blocks = registerModule("blocks", new ModuleList<>());
        for (int i = 0; i < config.depth(); i++) {
            // torch.linspace(0, rate, depth)[i]
            double dp = config.depth() == 1 ? 0 : config.dropPathRate() * i / (config.depth() - 1);
            blocks.add(new Block(d, config.numHeads(), config.mlpRatio(), true, dp));
        }
        boolean avg = config.globalPool() == VitConfig.GlobalPool.AVG;
        this.norm = registerModule("norm", avg ? new Identity() : new LayerNorm(d, Block.LN_EPS));
        this.fcNorm = registerModule("fc_norm", avg ? new LayerNorm(d, Block.LN_EPS) : new Identity());
        this.headDrop = registerModule("head_drop", new Dropout(0));
        Linear fc = new Linear(d, config.numClasses());
        this.head = registerModule("head", config.linearProbe()
                ? new Sequential(new BatchNorm1d(d, 1e-6, 0.1, false, true), fc) : fc);
        initialize(gen, fc);
    }

    /** A classifier from timm/MAE arguments as a JSON map (see {@link VitConfig#fromMap}). */
    public static VisionTransformer create(Map<String, Object> jsonConfig) {
        return new VisionTransformer(VitConfig.fromMap(jsonConfig));
    }

    /** A named classifier, e.g. "ViT-B/2" (see {@link MaeConfigs#vit}). */
    public static VisionTransformer named(String name) {
        return new VisionTransformer(MaeConfigs.vit(name));
    }

    public VitConfig config() {
        return config;
    }

    private void initialize(Generator gen, Linear fc) {
        Init.truncNormal(posEmbed, 0, 0.02, -2, 2, gen);
        Init.normal(clsToken, 0, 1e-6, gen);
        for (Module m : namedModules().values()) {
            if (m instanceof Linear lin) {
                Init.truncNormal(lin.weight, 0, 0.02, -2, 2, gen);
                Init.zeros(lin.bias);
            }
        }
        Init.truncNormal(fc.weight, 0, config.linearProbe() ? 0.01 : 2e-5, -2, 2, gen);
    }

    /** The pooled features [N, D] that enter the head. */
    public Tensor forwardFeatures(Tensor imgs) {
        Tensor x = patchEmbed.forward(imgs);
        int n = x.size(0);
        int l = x.size(1);
        x = Tensor.cat(List.of(clsToken.expand(n, 1, config.embedDim()), x), 1);
        x = normPre.forward(patchDrop.forward(posDrop.forward(x.add(posEmbed))));
        for (Block b : blocks) {
            x = b.forward(x);
        }
        x = norm.forward(x);
        Tensor pooled = config.globalPool() == VitConfig.GlobalPool.AVG ? x.narrow(1, 1, l).mean(1) : x.select(1, 0);
        return fcNorm.forward(pooled);
    }

    /** Class logits [N, classes] of latents [N, C, H, W]. */
    @Override
    public Tensor forward(Tensor imgs) {
        return head.forward(headDrop.forward(forwardFeatures(imgs)));
    }

    /** MAE's linear probe: every parameter frozen except the head's. */
    public VisionTransformer freezeBackbone() {
        requiresGrad(false);
        head.requiresGrad(true);
        return this;
    }

    /**
     * Loads pretrained weights (e.g. a whole MAE state dict) as MAE's main_finetune/main_linprobe do: head tensors
     * whose shapes differ from this model's are dropped, a pos_embed for another grid is resized bicubically
     * ({@link PosEmbedInterpolation}), then a non-strict load. The report lists what the checkpoint lacked (the
     * head, fc_norm) and what it had beyond this model (MAE's mask_token and decoder_*, and norm.* under average
     * pooling). A tensor of the model's names with another shape is an error naming the tensor and both shapes, as
     * PyTorch's load_state_dict raises even when not strict.
     */
    public LoadReport loadPretrained(Map<String, NDArray> checkpoint) {
        Map<String, NDArray> own = stateDict();
        Map<String, NDArray> state = new LinkedHashMap<>(checkpoint);
        for (String k : new ArrayList<>(state.keySet())) {
            if (k.startsWith("head.") && own.containsKey(k) && !Arrays.equals(own.get(k).shape(),
                    state.get(k).shape())) {
                state.remove(k);
            }
        }
        NDArray pe = state.get("pos_embed");
        if (pe != null && pe.rank() == 3 && pe.size(1) != config.numPatches() + 1) {
            int grid = (int) Math.round(Math.sqrt(config.numPatches()));
            state.put("pos_embed", PosEmbedInterpolation.resize(pe, 1, grid));
        }
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : own.entrySet()) {
            NDArray src = state.get(e.getKey());
            if (src != null && !Arrays.equals(src.shape(), e.getValue().shape())) {
                mismatched.add(e.getKey() + ": checkpoint " + Shape.str(src.shape()) + ", model "
                        + Shape.str(e.getValue().shape()));
            }
        }
        if (!mismatched.isEmpty()) {
            throw new IllegalArgumentException("VisionTransformer.loadPretrained: size mismatch for "
                    + String.join("; ", mismatched) + " (nothing was loaded)");
        }
        return loadStateDict(state, false);
    }

    /** The keys {@link #loadPretrained} of an MAE checkpoint is expected to leave missing (MAE's assert). */
    public List<String> expectedMissingFromMae() {
        List<String> keys = new ArrayList<>();
        for (String k : stateDict().keySet()) {
            if (k.startsWith("head.") || k.startsWith("fc_norm.")) {
                keys.add(k);
            }
        }
        return keys;
    }
}
