/**
 * usp4j diffusion: the generative models (DiT, SiT in {@code dev.usp4j.diffusion.model}) and the cross-module
 * {@link dev.usp4j.diffusion.ModelRegistry} that builds any usp4j model by name. DiT's Gaussian diffusion with its
 * DDPM and DDIM samplers is in {@code dev.usp4j.diffusion.gaussian}; transport and FID follow in later issues.
 */
package dev.usp4j.diffusion;
