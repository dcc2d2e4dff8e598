package dev.usp4j.usp.transfer;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.nn.vit.PosEmbedInterpolation;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * USP's weight transfer from a pretrained latent MAE into DiT or SiT (usp-spec §2.1, the {@code --finetune} branch of
 * USP's train.py): the patch embedding when the channel counts agree, the position table without its cls row (resized
 * bicubically, as PyTorch's F.interpolate, when the grids differ, and then written over the DiT's frozen sin-cos
 * table), and every encoder block under its own name (norm1/norm2 need the affine "-VAE-simple" blocks). The cls token,
 * the encoder's final norm, the mask token and the decoder are ignored; adaLN, the embedders and the final layer keep
 * DiT's initialisation, so the transferred network starts as the identity map its adaLN-Zero gates make it. A shape
 * that does not match is an error naming the tensor and both shapes; nothing is loaded then.
 */
public final class UspTransfer {
    private static final Pattern BLOCK = Pattern.compile("blocks\\.(\\d+)\\..+");

    private UspTransfer() {
    }

    /** All blocks (USP's default {@code --use-pretrain-layer -1}). */
    public static TransferReport intoDiT(Map<String, NDArray> mae, DiT target) {
        return intoDiT(mae, target, -1);
    }

    /**
     * Loads {@code mae} (a whole MAE state dict) into {@code target}; {@code useLayers} ≥ 0 keeps only blocks with a
     * smaller index (USP's {@code --use-pretrain-layer}), −1 keeps all.
     */
    public static TransferReport intoDiT(Map<String, NDArray> mae, DiT target, int useLayers) {
        Map<String, NDArray> own = target.stateDict();
        Map<String, NDArray> load = new LinkedHashMap<>();
        List<String> copied = new ArrayList<>();
        List<String> resized = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        NDArray patch = mae.get("patch_embed.proj.weight");
        boolean patchFits = patch != null && patch.rank() == 4 && patch.size(1) == target.config().inChannels();
        for (Map.Entry<String, NDArray> e : mae.entrySet()) {
            String k = e.getKey();
            NDArray v = e.getValue();
            Matcher block = BLOCK.matcher(k);
            if (k.equals("patch_embed.proj.weight") || k.equals("patch_embed.proj.bias")) {
                // USP loads the patch conv only when the channel counts agree, else keeps DiT's init
                if (patchFits) {
                    String to = "x_embedder." + k.substring("patch_embed.".length());
                    load.put(to, v);
                    copied.add(to + " ← " + k);
                } else {
                    ignored.add(k + " (checkpoint in_chans ≠ the model's " + target.config().inChannels() + ")");
                }
            } else if (k.equals("pos_embed")) {
                load.put("pos_embed", positionTable(v, target, resized));
                copied.add("pos_embed ← pos_embed (cls row dropped)");
            } else if (block.matches() && (useLayers < 0 || Integer.parseInt(block.group(1)) < useLayers)) {
                if (!own.containsKey(k)) {
                    throw new IllegalArgumentException("USP transfer: checkpoint block tensor '" + k + "' has no"
                            + " counterpart in " + target.getClass().getSimpleName() + " (norm1/norm2 weights need"
                            + " the affine -VAE-simple model; depth " + target.config().depth() + ")");
                }
                load.put(k, v);
                copied.add(k);
            } else {
                ignored.add(k);
            }
        }
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : load.entrySet()) {
            NDArray mine = own.get(e.getKey());
            if (!Arrays.equals(mine.shape(), e.getValue().shape())) {
                mismatched.add(e.getKey() + ": checkpoint " + Shape.str(e.getValue().shape()) + ", model "
                        + Shape.str(mine.shape()));
            }
        }
        if (!mismatched.isEmpty()) {
            throw new IllegalArgumentException("USP transfer into " + target.getClass().getSimpleName()
                    + ": size mismatch for " + String.join("; ", mismatched) + " (nothing was loaded)");
        }
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (Map.Entry<String, NDArray> e : load.entrySet()) {
                own.get(e.getKey()).copyFrom(e.getValue());
            }
        }
        List<String> left = new ArrayList<>();
        for (String k : own.keySet()) {
            if (!load.containsKey(k)) {
                left.add(k);
            }
        }
        return new TransferReport(copied, resized, ignored, left);
    }

    /** MAE's (1, 1 + G², D) table without the cls row, on the target's grid. */
    private static NDArray positionTable(NDArray pe, DiT target, List<String> resized) {
        int grid = target.config().gridSize();
        if (pe.rank() != 3 || pe.size(0) != 1 || pe.size(2) != target.config().hiddenSize()) {
            throw new IllegalArgumentException("USP transfer: pos_embed " + Shape.str(pe.shape()) + " does not fit"
                    + " hidden size " + target.config().hiddenSize() + " (expected (1, 1 + G², "
                    + target.config().hiddenSize() + "))");
        }
        NDArray out = PosEmbedInterpolation.resize(pe, 1, grid);
        if (out != pe) {
            resized.add("pos_embed " + Shape.str(pe.shape()) + " → " + Shape.str(out.shape()) + " (bicubic)");
        }
        return out.narrow(1, 1, grid * grid).contiguous();
    }
}
