package dev.usp4j.nn.vae;

import dev.usp4j.tensor.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps the state-dict key layouts a KL-VAE checkpoint may come in onto current diffusers' names (the names of
 * {@link AutoencoderKL}'s parameters):
 * <ul>
 *   <li>current diffusers: unchanged;</li>
 *   <li>legacy diffusers (the {@code sd-vae-ft-ema}/{@code -mse} uploads, whose mid-block attention was an
 *       {@code AttentionBlock}): {@code attentions.0.query|key|value|proj_attn} → {@code to_q|to_k|to_v|to_out.0};</li>
 *   <li>the original LDM/SD layout ({@code encoder.down.i.block.j}, {@code nin_shortcut}, {@code mid.block_1},
 *       {@code mid.attn_1.q|k|v|proj_out|norm}, {@code norm_out}, {@code decoder.up.i} with i counted from the
 *       shallowest level, the whole thing possibly under {@code first_stage_model.}) → diffusers' names, with the
 *       decoder's level index reversed ({@code up.i} is {@code up_blocks.(n−1−i)}).</li>
 * </ul>
 * LDM stores the attention projections as 1×1 convolutions [C, C, 1, 1]; diffusers (and this port) as Linear
 * weights [C, C]: {@link #reshapeLike} squeezes them when the model expects the matrix.
 */
public final class DiffusersVaeKeys {
    private static final String LDM_PREFIX = "first_stage_model.";
    private static final Pattern LEGACY_ATTENTION = Pattern.compile(
            "(.*\\.attentions\\.\\d+)\\.(query|key|value|proj_attn)\\.(weight|bias)");
    private static final Pattern LDM_DOWN = Pattern.compile("encoder\\.down\\.(\\d+)\\.(block|downsample)\\.(.*)");
    private static final Pattern LDM_UP = Pattern.compile("decoder\\.up\\.(\\d+)\\.(block|upsample)\\.(.*)");
    private static final Pattern LDM_MID = Pattern.compile("(encoder|decoder)\\.mid\\.(block_1|block_2|attn_1)\\.(.*)");

    private DiffusersVaeKeys() {
    }

    /**
     * The checkpoint with every key renamed to current diffusers' name for a VAE with {@code levels} resolution
     * levels (values shared, not copied). Two checkpoint keys naming the same tensor is an error naming both.
     */
    public static Map<String, NDArray> toCurrent(Map<String, NDArray> checkpoint, int levels) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        Map<String, String> from = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : checkpoint.entrySet()) {
            String key = rename(e.getKey(), levels);
            String earlier = from.put(key, e.getKey());
            if (earlier != null) {
                throw new IllegalArgumentException("AutoencoderKL checkpoint: keys '" + earlier + "' and '"
                        + e.getKey() + "' both name the tensor '" + key + "'");
            }
            out.put(key, e.getValue());
        }
        return out;
    }

    /** Current diffusers' name of one checkpoint key (unchanged if it is already current or unknown). */
    public static String rename(String key, int levels) {
        String k = key.startsWith(LDM_PREFIX) ? key.substring(LDM_PREFIX.length()) : key;
        Matcher m = LEGACY_ATTENTION.matcher(k);
        if (m.matches()) {
            return m.group(1) + "." + legacyProjection(m.group(2)) + "." + m.group(3);
        }
        m = LDM_DOWN.matcher(k);
        if (m.matches()) {
            return "encoder.down_blocks." + m.group(1) + ldmLevelPart(m.group(2), m.group(3), "downsamplers");
        }
        m = LDM_UP.matcher(k);
        if (m.matches()) {
            int level = Integer.parseInt(m.group(1));
            if (level >= levels) {
                return k;
            }
            return "decoder.up_blocks." + (levels - 1 - level) + ldmLevelPart(m.group(2), m.group(3), "upsamplers");
        }
        m = LDM_MID.matcher(k);
        if (m.matches()) {
            String rest = m.group(3);
            String part = switch (m.group(2)) {
                case "block_1" -> "resnets.0." + ldmResnet(rest);
                case "block_2" -> "resnets.1." + ldmResnet(rest);
                default -> "attentions.0." + ldmAttention(rest);
            };
            return m.group(1) + ".mid_block." + part;
        }
        if (k.startsWith("encoder.norm_out.") || k.startsWith("decoder.norm_out.")) {
            return k.replace(".norm_out.", ".conv_norm_out.");
        }
        return k;
    }

    private static String legacyProjection(String name) {
        return switch (name) {
            case "query" -> "to_q";
            case "key" -> "to_k";
            case "value" -> "to_v";
            default -> "to_out.0";
        };
    }

    private static String ldmLevelPart(String kind, String rest, String sampler) {
        if (kind.equals("block")) {
            int dot = rest.indexOf('.');
            return ".resnets." + rest.substring(0, dot) + "." + ldmResnet(rest.substring(dot + 1));
        }
        return "." + sampler + ".0." + rest;
    }

    private static String ldmResnet(String rest) {
        return rest.startsWith("nin_shortcut.") ? "conv_shortcut." + rest.substring("nin_shortcut.".length()) : rest;
    }

    private static String ldmAttention(String rest) {
        int dot = rest.indexOf('.');
        String head = dot < 0 ? rest : rest.substring(0, dot);
        String tail = dot < 0 ? "" : rest.substring(dot);
        return switch (head) {
            case "norm" -> "group_norm";
            case "q" -> "to_q";
            case "k" -> "to_k";
            case "v" -> "to_v";
            case "proj_out" -> "to_out.0";
            default -> head;
        } + tail;
    }

    /**
     * {@code value} as the model's {@code target} shape when it is a 1×1 convolution weight [O, I, 1, 1] and the
     * model holds the Linear matrix [O, I]; otherwise {@code value} itself.
     */
    public static NDArray reshapeLike(NDArray value, int[] target) {
        int[] s = value.shape();
        if (target.length == 2 && s.length == 4 && s[2] == 1 && s[3] == 1 && s[0] == target[0] && s[1] == target[1]) {
            return value.reshape(target);
        }
        return value;
    }
}
