package dev.usp4j.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.testing.NamedModel;
import dev.usp4j.tensor.NDArray;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The no-weight-decay rule and MAE's layer-wise lr decay groups on a small named ViT-like model. */
class ParamGroupsTest {

    private static NamedModel vit(int blocks) {
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put("cls_token", NDArray.zeros(1, 1, 4));
        p.put("pos_embed", NDArray.zeros(1, 5, 4));
        p.put("mask_token", NDArray.zeros(1, 1, 4));
        p.put("patch_embed.proj.weight", NDArray.zeros(4, 4, 2, 2));
        p.put("patch_embed.proj.bias", NDArray.zeros(4));
        for (int b = 0; b < blocks; b++) {
            p.put("blocks." + b + ".norm1.weight", NDArray.zeros(4));
            p.put("blocks." + b + ".attn.qkv.weight", NDArray.zeros(12, 4));
            p.put("blocks." + b + ".attn.qkv.bias", NDArray.zeros(12));
            p.put("blocks." + b + ".ls.gamma", NDArray.zeros(4));
        }
        p.put("norm.weight", NDArray.zeros(4));
        p.put("head.weight", NDArray.zeros(3, 4));
        p.put("head.bias", NDArray.zeros(1, 3));
        return NamedModel.of(p);
    }

    private static List<String> names(NamedModel m, ParamGroup g) {
        Map<Tensor, String> nameOf = new IdentityHashMap<>();
        m.namedParameters().forEach((n, t) -> nameOf.put(t, n));
        return g.params().stream().map(nameOf::get).toList();
    }

    @Test
    void noDecayForBiasesOneDimAndSkipListButDecayForTokens() {
        NamedModel m = vit(1);
        m.param("pos_embed").requiresGrad(false); // USP's fixed sin-cos embedding: in no group
        List<ParamGroup> g = ParamGroups.weightDecay(m, 2.4e-3, 0.05, Set.of("head.weight"));
        assertEquals("no_decay", g.get(0).name());
        assertEquals(0.0, g.get(0).weightDecay());
        assertEquals(List.of("patch_embed.proj.bias", "blocks.0.norm1.weight", "blocks.0.attn.qkv.bias",
                "blocks.0.ls.gamma", "norm.weight", "head.weight", "head.bias"), names(m, g.get(0)));
        assertEquals("decay", g.get(1).name());
        assertEquals(0.05, g.get(1).weightDecay());
        // cls_token and mask_token are 3-D: they decay (USP spec 1.10).
        assertEquals(List.of("cls_token", "mask_token", "patch_embed.proj.weight", "blocks.0.attn.qkv.weight"),
                names(m, g.get(1)));
        assertEquals(2.4e-3, g.get(1).effectiveLr());
    }

    @Test
    void layerIds() {
        assertEquals(0, ParamGroups.layerIdForViT("cls_token", 13));
        assertEquals(0, ParamGroups.layerIdForViT("pos_embed", 13));
        assertEquals(0, ParamGroups.layerIdForViT("patch_embed.proj.weight", 13));
        assertEquals(1, ParamGroups.layerIdForViT("blocks.0.attn.qkv.weight", 13));
        assertEquals(12, ParamGroups.layerIdForViT("blocks.11.mlp.fc2.bias", 13));
        assertEquals(13, ParamGroups.layerIdForViT("fc_norm.weight", 13));
        assertEquals(13, ParamGroups.layerIdForViT("head.bias", 13));
        // Not in MAE's list: lands with the head, as there.
        assertEquals(13, ParamGroups.layerIdForViT("mask_token", 13));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ParamGroups.layerIdForViT("blocks", 3))
                .getMessage().contains("no block index"));
    }

    @Test
    void layerDecayGroupsInOrderOfFirstUse() {
        NamedModel m = vit(2);
        m.param("blocks.1.ls.gamma").requiresGrad(false);
        List<ParamGroup> g = ParamGroups.layerDecay(m, 1e-3, 0.05, Set.of("pos_embed", "cls_token"), 0.75);
        List<String> groupNames = g.stream().map(ParamGroup::name).toList();
        assertEquals(List.of("layer_0_no_decay", "layer_3_decay", "layer_0_decay", "layer_1_no_decay",
                "layer_1_decay", "layer_2_no_decay", "layer_2_decay", "layer_3_no_decay"), groupNames);
        Map<String, ParamGroup> byName = new LinkedHashMap<>();
        g.forEach(x -> byName.put(x.name(), x));
        assertEquals(List.of("cls_token", "pos_embed", "patch_embed.proj.bias"),
                names(m, byName.get("layer_0_no_decay")));
        assertEquals(List.of("mask_token", "head.weight", "head.bias"), names(m, byName.get("layer_3_decay")));
        assertEquals(List.of("blocks.1.norm1.weight", "blocks.1.attn.qkv.bias"),
                names(m, byName.get("layer_2_no_decay")));
        assertEquals(List.of("norm.weight"), names(m, byName.get("layer_3_no_decay")));
        // scale = decay^(blocks + 1 - id); head.bias is [1, 3] (2-D), so it decays, as MAE's ndim == 1 rule says.
        assertEquals(Math.pow(0.75, 3), byName.get("layer_0_decay").lrScale(), 0);
        assertEquals(Math.pow(0.75, 2), byName.get("layer_1_decay").lrScale(), 0);
        assertEquals(0.75, byName.get("layer_2_decay").lrScale(), 0);
        assertEquals(1.0, byName.get("layer_3_decay").lrScale(), 0);
        assertEquals(0.05, byName.get("layer_3_decay").weightDecay(), 0);
        assertEquals(0.0, byName.get("layer_1_no_decay").weightDecay(), 0);
        assertEquals(1e-3 * 0.5625, byName.get("layer_1_decay").effectiveLr(), 1e-18);
    }

    @Test
    void layerDecayNeedsBlocks() {
        NamedModel m = NamedModel.of(Map.of("w", NDArray.zeros(2, 2)));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ParamGroups.layerDecay(m, 1e-3, 0.05, Set.of(), 0.75)).getMessage().contains("'blocks'"));
        assertEquals(1, ParamGroups.layerDecay(m.namedParameters(), 1e-3, 0.05, Set.of(), 0.75, 0).size());
    }

    @Test
    void aParameterInTwoGroupsIsRejected() {
        Tensor p = Tensor.parameter(NDArray.zeros(2));
        List<ParamGroup> groups = List.of(new ParamGroup("a", List.of(p), 0.1, 0, 1),
                new ParamGroup("b", List.of(p), 0.1, 0, 1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SGD(groups, 0, 0, false)).getMessage()
                .contains("is in group 'a' and in group 'b'"));
    }
}
