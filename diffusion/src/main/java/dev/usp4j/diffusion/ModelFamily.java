package dev.usp4j.diffusion;

import dev.usp4j.nn.Module;
import java.util.List;
import java.util.Map;

/**
 * One family of models in the {@link ModelRegistry} ("DiT", "SiT", "MAE", "ViT", "VAE"): its named configurations, each
 * as the JSON of the original constructor's keyword arguments, how to build a model from such JSON, and its
 * parameter count from the configuration alone (without allocating weights).
 */
public interface ModelFamily {
    /** The family's name, also the prefix of its model names ("DiT" for "DiT-XL/2"). */
    String name();

    /** The model class as a folder's config.json names it in {@code _class_name} ("DiT", "AutoencoderKL"). */
    String className();

    /** The model names this family knows, e.g. "DiT-S/2" … "DiT-XL/8". */
    List<String> names();

    /** True when {@code modelName} is one of this family's names. */
    boolean knows(String modelName);

    /** The named model's configuration as constructor keyword arguments (a fresh, mutable map). */
    Map<String, Object> config(String modelName);

    /** A freshly initialised model from constructor keyword arguments (absent keys take the family's defaults). */
    Module create(Map<String, ?> json);

    /** The number of parameter elements {@link #create} would allocate, by arithmetic on the configuration. */
    long parameterCount(Map<String, ?> json);
}
