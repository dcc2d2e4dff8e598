package dev.usp4j.diffusion.sampling;

import dev.usp4j.diffusion.gaussian.DdimSampler;
import dev.usp4j.diffusion.gaussian.DdpmSampler;
import dev.usp4j.diffusion.gaussian.Diffusions;
import dev.usp4j.diffusion.transport.DiffusionForm;
import dev.usp4j.diffusion.transport.LastStep;
import dev.usp4j.diffusion.transport.OdeMethod;
import dev.usp4j.diffusion.transport.OdeSampler;
import dev.usp4j.diffusion.transport.SdeMethod;
import dev.usp4j.diffusion.transport.SdeSampler;
import dev.usp4j.diffusion.transport.Transport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link Sampler} from one line of text, so a command line or a config file can switch between DiT's and
 * SiT's samplers. The form is {@code kind[:arg[:arg]][,key=value...]}:
 * <ul>
 *   <li>{@code ddpm[:respacing]}: ancestral sampling over DiT's diffusion (default "250": DiT's evaluation);
 *       {@code clip=true} clamps x₀.</li>
 *   <li>{@code ddim[:steps]}: DDIM over respacing "ddim&lt;steps&gt;" (default 50), {@code eta=} (default 0).</li>
 *   <li>{@code ode[:method[:steps]]}: the transport's ODE (default dopri5, 250 output times), {@code atol=},
 *       {@code rtol=} (1e-6, 1e-3).</li>
 *   <li>{@code sde[:method[:steps]]}: the transport's SDE (default Euler, 250 steps), {@code form=} (sigma),
 *       {@code norm=} (1), {@code last=} (Mean), {@code last-size=} (0.04).</li>
 * </ul>
 * The transport is USP's (Linear, velocity) unless {@code path=} and {@code prediction=} say otherwise. So
 * {@code "sde"} is USP's SiT evaluation sampler and {@code "ddpm"} its DiT one.
 */
public final class Samplers {
    private static final Map<String, Set<String>> OPTIONS = Map.of(
            "ddpm", Set.of("clip"),
            "ddim", Set.of("eta", "clip"),
            "ode", Set.of("atol", "rtol", "path", "prediction"),
            "sde", Set.of("form", "norm", "last", "last-size", "path", "prediction"));

    private Samplers() {
    }

    /** The sampler {@code spec} describes (see the class comment); a bad spec is an error naming the part. */
    public static Sampler parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("sampler spec is empty; expected e.g. ddpm:250, ddim:50,eta=0,"
                    + " ode:dopri5:250, sde:euler:250");
        }
        String[] parts = spec.trim().split(",");
        List<String> head = new ArrayList<>(List.of(parts[0].split(":")));
        String kind = head.removeFirst().toLowerCase(java.util.Locale.ROOT);
        Set<String> allowed = OPTIONS.get(kind);
        if (allowed == null) {
            throw new IllegalArgumentException("sampler spec '" + spec + "': unknown kind '" + kind
                    + "'; expected one of ddpm, ddim, ode, sde");
        }
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            String key = kv[0].trim();
            if (kv.length != 2 || !allowed.contains(key)) {
                throw new IllegalArgumentException("sampler spec '" + spec + "': bad option '" + parts[i].trim()
                        + "'; " + kind + " takes " + new java.util.TreeSet<>(allowed) + " as key=value");
            }
            opts.put(key, kv[1].trim());
        }
        try {
            return switch (kind) {
                case "ddpm" -> new DdpmSampler(Diffusions.create(arg(head, 0, "250", spec, 1)),
                        bool(opts, "clip"));
                case "ddim" -> new DdimSampler(Diffusions.create("ddim" + arg(head, 0, "50", spec, 1)),
                        num(opts, "eta", 0.0), bool(opts, "clip"));
                case "ode" -> new OdeSampler(transport(opts), OdeMethod.parse(arg(head, 0, "dopri5", spec, 2)),
                        Integer.parseInt(arg(head, 1, "250", spec, 2)), num(opts, "atol", 1e-6),
                        num(opts, "rtol", 1e-3));
                default -> new SdeSampler(transport(opts), SdeMethod.parse(arg(head, 0, "euler", spec, 2)),
                        DiffusionForm.parse(opts.getOrDefault("form", "sigma")), num(opts, "norm", 1.0),
                        LastStep.parse(opts.getOrDefault("last", "Mean")), num(opts, "last-size", 0.04),
                        Integer.parseInt(arg(head, 1, "250", spec, 2)));
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sampler spec '" + spec + "': " + e.getMessage()
                    + " is not a number", e);
        } catch (IllegalArgumentException e) {
            // the parts' own errors (a respacing, a method name) say what is wrong but not in which spec
            throw e.getMessage() != null && e.getMessage().startsWith("sampler spec") ? e
                    : new IllegalArgumentException("sampler spec '" + spec + "': " + e.getMessage(), e);
        }
    }

    private static String arg(List<String> head, int i, String dflt, String spec, int max) {
        if (head.size() > max) {
            throw new IllegalArgumentException("sampler spec '" + spec + "': at most " + max + " ':' argument(s)"
                    + " after the kind, got " + head);
        }
        return i < head.size() && !head.get(i).isBlank() ? head.get(i).trim() : dflt;
    }

    private static Transport transport(Map<String, String> opts) {
        return Transport.create(opts.getOrDefault("path", "Linear"), opts.getOrDefault("prediction", "velocity"),
                null, null, null);
    }

    private static double num(Map<String, String> opts, String key, double dflt) {
        return opts.containsKey(key) ? Double.parseDouble(opts.get(key)) : dflt;
    }

    private static boolean bool(Map<String, String> opts, String key) {
        String v = opts.getOrDefault(key, "false");
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("sampler option " + key + " must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }
}
