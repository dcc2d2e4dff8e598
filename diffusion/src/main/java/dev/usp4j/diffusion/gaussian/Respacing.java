package dev.usp4j.diffusion.gaussian;

import java.util.TreeSet;

/**
 * Which timesteps of a T-step diffusion a respaced sampler keeps, from DiT's respacing strings: "250" (250 steps
 * spread evenly over [0, T−1]), "10,15,20" (T split into equal sections, each spread evenly), or "ddim50" (the
 * integer stride that gives exactly 50 steps from 0). Replicates the original's float arithmetic: the section
 * index is accumulated by repeated addition of (size − 1)/(count − 1) and rounded half to even like Python's
 * {@code round}, so the kept set matches DiT's to the index.
 */
public final class Respacing {
    private Respacing() {
    }

    /** The kept timesteps, sorted ascending, for {@code spec} over {@code numTimesteps} steps. */
    public static int[] spaceTimesteps(int numTimesteps, String spec) {
        if (numTimesteps < 1) {
            throw new IllegalArgumentException("Respacing: the number of timesteps must be >= 1, got "
                    + numTimesteps);
        }
        if (spec == null || spec.isEmpty()) {
            throw new IllegalArgumentException("Respacing: empty respacing string (expected e.g. \"250\", "
                    + "\"ddim50\" or \"10,15,20\")");
        }
        if (spec.startsWith("ddim")) {
            return ddim(numTimesteps, spec);
        }
        String[] parts = spec.split(",", -1);
        int[] counts = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            counts[i] = parseCount(spec, parts[i]);
        }
        return sections(numTimesteps, counts, spec);
    }

    /** Evenly spread {@code counts[i]} steps within each of counts.length equal sections of [0, T). */
    public static int[] sections(int numTimesteps, int[] counts, String spec) {
        int sizePer = numTimesteps / counts.length;
        int extra = numTimesteps % counts.length;
        int start = 0;
        TreeSet<Integer> steps = new TreeSet<>();
        for (int i = 0; i < counts.length; i++) {
            int size = sizePer + (i < extra ? 1 : 0);
            int count = counts[i];
            if (size < count) {
                throw new IllegalArgumentException("Respacing '" + spec + "': cannot divide a section of " + size
                        + " steps into " + count + " (T = " + numTimesteps + ", " + counts.length + " sections)");
            }
            double stride = count <= 1 ? 1 : (double) (size - 1) / (count - 1);
            double cur = 0.0;
            for (int k = 0; k < count; k++) {
                steps.add(start + (int) Math.rint(cur));  // rint: ties to even, as Python's round
                cur += stride;
            }
            start += size;
        }
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("Respacing '" + spec + "': keeps no timesteps");
        }
        return steps.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] ddim(int numTimesteps, String spec) {
        int desired = parseCount(spec, spec.substring("ddim".length()));
        for (int stride = 1; stride < numTimesteps; stride++) {
            if ((numTimesteps + stride - 1) / stride == desired) {
                int[] steps = new int[desired];
                for (int k = 0; k < desired; k++) {
                    steps[k] = k * stride;
                }
                return steps;
            }
        }
        throw new IllegalArgumentException("Respacing '" + spec + "': no integer stride gives exactly " + desired
                + " steps out of " + numTimesteps);
    }

    private static int parseCount(String spec, String part) {
        try {
            int v = Integer.parseInt(part.strip());
            if (v < 0) {
                throw new IllegalArgumentException("Respacing '" + spec + "': negative step count " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Respacing '" + spec + "': '" + part + "' is not a step count"
                    + " (expected e.g. \"250\", \"ddim50\" or \"10,15,20\")", e);
        }
    }
}
