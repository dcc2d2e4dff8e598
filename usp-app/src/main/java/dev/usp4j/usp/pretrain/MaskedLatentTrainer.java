package dev.usp4j.usp.pretrain;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.io.TrainingCheckpoint;
import dev.usp4j.nn.optim.AdamW;
import dev.usp4j.nn.optim.EMA;
import dev.usp4j.nn.optim.ParamGroups;
import dev.usp4j.nn.vit.MaeConfig;
import dev.usp4j.nn.vit.MaskedAutoencoderViT;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * USP's pretraining (usp-spec §1): masked latent modelling, an MAE ({@link MaskedAutoencoderViT}) trained on VAE
 * latents read from a {@link LatentCache} — the scaled posterior mode scale·μ of each image, flipped at random when
 * the cache holds flips — with 75% of the tokens masked by noise from the trainer's own seeded "masking" generator
 * and the norm_pix loss on the masked patches. AdamW with betas (0.9, 0.95) over timm's two groups (no weight decay
 * for parameters of ≤ 1 dim and names ending in .bias; the frozen sin-cos position tables are in no group), the lr
 * blr · batch / 256 with MAE's per-iteration warmup and half-cycle cosine, and optionally an EMA of the weights.
 *
 * <p>The constructor seeds the default generator with the config's seed before building the model (as the Python
 * scripts' {@code torch.manual_seed}), so two trainers of one config start identical. The trained weights,
 * {@link #pretrainedState}, are an MAE state dict with MAE's names: what {@code UspTransfer.intoDiT} and
 * {@code VisionTransformer.loadPretrained} take; {@link #readPretrained} reads them back from a checkpoint file.
 */
public final class MaskedLatentTrainer extends LatentTrainer {
    private final PretrainConfig config;
    private final MaskedAutoencoderViT model;
    private final AdamW optimizer;
    private final EMA ema;
    private final Generator masking;

    /**
     * A fresh run of {@code config} on {@code cache}, writing checkpoints to {@code checkpointFile} (null for none).
     * The cache's latents must be [in_chans, img_size, img_size] of the MAE config.
     */
    public MaskedLatentTrainer(PretrainConfig config, LatentCache cache, Path checkpointFile) {
        this(config, cache, checkpointFile, Device.CPU);
    }

    /** As {@link #MaskedLatentTrainer(PretrainConfig, LatentCache, Path)}, training on {@code device}. */
    public MaskedLatentTrainer(PretrainConfig config, LatentCache cache, Path checkpointFile, Device device) {
        super(PretrainConfig.KIND, config.train(), cache, checkpointFile);
        this.config = config;
        MaeConfig mc = config.model();
        int[] want = {mc.inChans(), mc.imgSize(), mc.imgSize()};
        if (!Arrays.equals(cache.latentShape(), want)) {
            throw new IllegalArgumentException("MaskedLatentTrainer: the cache " + cache.file() + " holds latents of"
                    + " shape " + Arrays.toString(cache.latentShape()) + ", the MAE takes " + Arrays.toString(want)
                    + " (in_chans, img_size, img_size)");
        }
        Generator.manualSeed(config.train().seed());
        this.model = new MaskedAutoencoderViT(mc, Generator.defaultGenerator());
        model.to(device);  // before the optimiser and EMA, whose state follows the parameters' device
        this.optimizer = new AdamW(ParamGroups.weightDecay(model, config.train().lr(), config.train().weightDecay(),
                Set.of()), config.beta1(), config.beta2(), 1e-8);
        this.ema = config.hasEma() ? new EMA(model, config.emaDecay()) : null;
        this.masking = new Generator(LatentBatches.mix(config.train().seed(), 0, 3));
    }

    /**
     * A trainer rebuilt from the config stored in {@code checkpoint} and resumed from it; further checkpoints go to
     * {@code checkpointFile} (null for none).
     */
    public static MaskedLatentTrainer resume(Path checkpoint, LatentCache cache, Path checkpointFile)
            throws IOException {
        return resume(checkpoint, cache, checkpointFile, Device.CPU);
    }

    /** As {@link #resume(Path, LatentCache, Path)}, on {@code device} (the checkpoint is loaded onto it). */
    public static MaskedLatentTrainer resume(Path checkpoint, LatentCache cache, Path checkpointFile, Device device)
            throws IOException {
        Map<String, Object> saved = readConfig(checkpoint, PretrainConfig.KIND);
        MaskedLatentTrainer t = new MaskedLatentTrainer(PretrainConfig.fromMap(saved), cache, checkpointFile,
                device);
        t.resume(checkpoint);
        return t;
    }

    public PretrainConfig config() {
        return config;
    }

    @Override
    public MaskedAutoencoderViT model() {
        return model;
    }

    @Override
    public AdamW optimizer() {
        return optimizer;
    }

    /** The EMA of the weights, or null when the config keeps none. */
    public EMA ema() {
        return ema;
    }

    /** The MAE weights by MAE's names (copies): the EMA's when {@code useEma} (an error without one). */
    public Map<String, NDArray> pretrainedState(boolean useEma) {
        if (useEma && ema == null) {
            throw new IllegalStateException("MaskedLatentTrainer: no EMA is kept (ema_decay 0)");
        }
        if (useEma) {
            return ema.stateDict();
        }
        Map<String, NDArray> copy = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> copy.put(k, v.copy()));
        return copy;
    }

    /** The MAE weights (or, with {@code useEma}, the EMA's) from a pretraining checkpoint file. */
    public static Map<String, NDArray> readPretrained(Path checkpoint, boolean useEma) throws IOException {
        return readWeights(checkpoint, PretrainConfig.KIND, useEma ? "ema" : "model");
    }

    @Override
    protected TrainingCheckpoint checkpointParts() {
        TrainingCheckpoint c = new TrainingCheckpoint(model).withOptimizer(optimizer).withGenerator("masking", masking);
        return ema == null ? c : c.withEma(ema::stateDict, ema::loadStateDict);
    }

    @Override
    protected Tensor loss(LatentBatches.Batch batch) {
        model.train();
        return model.forward(Tensor.of(batch.latents()), config.model().maskRatio(), masking).loss();
    }

    @Override
    protected void afterStep() {
        if (ema != null) {
            ema.update(model);
        }
    }

    @Override
    public Map<String, Object> configMap() {
        return config.toMap();
    }
}
