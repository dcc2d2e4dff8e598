package dev.usp4j.nn.optim;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Module;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The param-group rules of the MAE/USP training scripts. {@link #weightDecay} is timm's
 * {@code param_groups_weight_decay} (MAE pre-training, linear probing): no decay for 1-D parameters, names ending in
 * {@code .bias} and a skip list. {@link #layerDecay} is MAE's {@code param_groups_lrd} for fine-tuning: one group per
 * (layer id, decay or not) in order of first use, each with lr scale decay^(numLayers − id) where numLayers =
 * blocks + 1, layer ids from {@link #layerIdForViT}. Frozen parameters (requires_grad false) join no group.
 */
public final class ParamGroups {
    private ParamGroups() {
    }

    /** timm's two groups of {@code model}'s trainable parameters: "no_decay" (weight decay 0), then "decay". */
    public static List<ParamGroup> weightDecay(Module model, double lr, double weightDecay, Set<String> skip) {
        return weightDecay(model.namedParameters(), lr, weightDecay, skip);
    }

    /** As {@link #weightDecay(Module, double, double, Set)} over named parameters. */
    public static List<ParamGroup> weightDecay(Map<String, Tensor> named, double lr, double weightDecay,
                                               Set<String> skip) {
        List<Tensor> decay = new ArrayList<>();
        List<Tensor> noDecay = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : named.entrySet()) {
            Tensor p = e.getValue();
            if (!p.requiresGrad()) {
                continue;
            }
            if (p.rank() <= 1 || e.getKey().endsWith(".bias") || skip.contains(e.getKey())) {
                noDecay.add(p);
            } else {
                decay.add(p);
            }
        }
        return List.of(new ParamGroup("no_decay", noDecay, lr, 0.0, 1.0),
                new ParamGroup("decay", decay, lr, weightDecay, 1.0));
    }

    /**
     * MAE's layer-wise lr decay groups for a ViT whose blocks are the children of its child {@code blocks}. MAE
     * passes the model's no_weight_decay() names as {@code skip} (pos_embed, cls_token, dist_token).
     */
    public static List<ParamGroup> layerDecay(Module model, double lr, double weightDecay, Set<String> skip,
                                              double layerDecay) {
        Module blocks = model.children().get("blocks");
        if (blocks == null) {
            throw new IllegalArgumentException("layerDecay: " + model.getClass().getSimpleName() + " has no child"
                    + " 'blocks' to count layers in; pass the block count explicitly");
        }
        return layerDecay(model.namedParameters(), lr, weightDecay, skip, layerDecay, blocks.children().size());
    }

    /**
     * The groups over named parameters of a ViT with {@code blocks} blocks: group "layer_&lt;id&gt;_decay" or
     * "layer_&lt;id&gt;_no_decay" (1-D parameters and the skip list), lr scale layerDecay^(blocks + 1 − id). Each
     * group starts at {@code lr}; a schedule then sets it and the group steps with lr · scale.
     */
    public static List<ParamGroup> layerDecay(Map<String, Tensor> named, double lr, double weightDecay,
                                              Set<String> skip, double layerDecay, int blocks) {
        if (blocks < 0 || !(layerDecay > 0)) {
            throw new IllegalArgumentException("layerDecay: need blocks >= 0 and layer_decay > 0, got " + blocks
                    + " and " + layerDecay);
        }
        int numLayers = blocks + 1;
        Map<String, List<Tensor>> members = new LinkedHashMap<>();
        Map<String, double[]> settings = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : named.entrySet()) {
            Tensor p = e.getValue();
            if (!p.requiresGrad()) {
                continue;
            }
            boolean noDecay = p.rank() == 1 || skip.contains(e.getKey());
            int id = layerIdForViT(e.getKey(), numLayers);
            String group = "layer_" + id + (noDecay ? "_no_decay" : "_decay");
            members.computeIfAbsent(group, k -> new ArrayList<>()).add(p);
            settings.computeIfAbsent(group, k -> new double[] {noDecay ? 0.0 : weightDecay,
                StrictMath.pow(layerDecay, numLayers - id)});
        }
        List<ParamGroup> groups = new ArrayList<>();
        for (Map.Entry<String, List<Tensor>> e : members.entrySet()) {
            double[] s = settings.get(e.getKey());
            groups.add(new ParamGroup(e.getKey(), e.getValue(), lr, s[0], s[1]));
        }
        return groups;
    }

    /**
     * MAE's get_layer_id_for_vit: 0 for cls_token, pos_embed and patch_embed.*, i + 1 for blocks.i.*, and
     * {@code numLayers} (blocks + 1) for everything else (final norm, head).
     */
    public static int layerIdForViT(String name, int numLayers) {
        if (name.equals("cls_token") || name.equals("pos_embed") || name.startsWith("patch_embed")) {
            return 0;
        }
        if (name.startsWith("blocks")) {
            String[] parts = name.split("\\.");
            try {
                return Integer.parseInt(parts[1]) + 1;
            } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
                throw new IllegalArgumentException("layerIdForViT: '" + name + "' starts with 'blocks' but has no"
                        + " block index after it");
            }
        }
        return numLayers;
    }
}
