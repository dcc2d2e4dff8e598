/**
 * DiT and SiT (usp-spec §3–4): {@link dev.usp4j.diffusion.model.DiT}, {@link dev.usp4j.diffusion.model.SiT}, their
 * blocks and embedders under the original PyTorch module names, and the named configurations
 * ({@link dev.usp4j.diffusion.model.DiTConfigs}).
 */
package dev.usp4j.diffusion.model;
