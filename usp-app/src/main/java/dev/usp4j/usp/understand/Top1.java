package dev.usp4j.usp.understand;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.LoadReport;
import dev.usp4j.nn.vit.VisionTransformer;
import dev.usp4j.nn.vit.VitConfig;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.usp.Models;
import dev.usp4j.usp.pretrain.LatentBatches;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The pieces the linear probe and fine-tuning share: checking a cache and pretrained weights, and top-1 accuracy. */
final class Top1 {
    private Top1() {
    }

    /** Fails unless {@code cache} holds latents of the classifier's input shape. */
    static void checkCache(String who, LatentCache cache, VitConfig model) {
        LatentBatches.checkNotEmpty(cache, who);
        int[] want = {model.inChans(), model.imgSize(), model.imgSize()};
        if (!Arrays.equals(cache.latentShape(), want)) {
            throw new IllegalArgumentException(who + ": the cache " + cache.file() + " holds latents of shape "
                    + Arrays.toString(cache.latentShape()) + ", the ViT takes " + Arrays.toString(want)
                    + " (in_chans, img_size, img_size)");
        }
    }

    /**
     * Loads MAE weights as MAE's scripts do and keeps their check: only the head (and fc_norm under average pooling)
     * may be missing afterwards, so weights of another model are refused.
     */
    static LoadReport loadMae(String who, VisionTransformer model, Map<String, NDArray> pretrained) {
        if (pretrained == null) {
            return null;
        }
        LoadReport r = model.loadPretrained(pretrained);
        List<String> unexpectedMissing = new ArrayList<>(r.missing());
        unexpectedMissing.removeAll(model.expectedMissingFromMae());
        if (!unexpectedMissing.isEmpty()) {
            throw new IllegalArgumentException(who + ": the pretrained weights are not an MAE encoder of this ViT;"
                    + " they lack " + unexpectedMissing + " (they hold " + pretrained.size() + " tensors, e.g. "
                    + pretrained.keySet().stream().limit(3).toList() + ")");
        }
        return r;
    }

    /** Top-1 accuracy in [0, 1] of {@code model} (eval mode, no flips) over every sample of {@code cache}. */
    static double evaluate(String who, VisionTransformer model, LatentCache cache, int batchSize) {
        checkCache(who, cache, model.config());
        model.eval();
        Device device = Models.deviceOf(model);
        long correct = 0;
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (int start = 0; start < cache.size(); start += batchSize) {
                int b = Math.min(batchSize, cache.size() - start);
                LatentBatches.Batch batch = LatentBatches.sequential(cache, start, b);
                // on the model's device; only the predicted classes come back
                NDArray pred = model.forward(Tensor.of(batch.latents().to(device))).data().argmax(1, false);
                long[] p = pred.toLongArray();
                long[] y = batch.labels().toLongArray();
                for (int i = 0; i < b; i++) {
                    if (y[i] < 0 || y[i] >= model.config().numClasses()) {
                        throw new IllegalArgumentException(who + ": label " + y[i] + " of sample " + (start + i)
                                + " in " + cache.file() + " is outside the " + model.config().numClasses()
                                + " classes");
                    }
                    correct += p[i] == y[i] ? 1 : 0;
                }
            }
        }
        return (double) correct / cache.size();
    }
}
