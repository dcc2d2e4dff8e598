/**
 * DiT's Gaussian diffusion: β schedules and every derived coefficient in double ({@link
 * dev.usp4j.diffusion.gaussian.NoiseSchedule}), the forward process, posterior, reverse-process mean and variance
 * and the training losses with the variational bound ({@link dev.usp4j.diffusion.gaussian.GaussianDiffusion}),
 * timestep respacing ({@link dev.usp4j.diffusion.gaussian.Respacing}, {@link
 * dev.usp4j.diffusion.gaussian.SpacedDiffusion}), DiT's factory ({@link dev.usp4j.diffusion.gaussian.Diffusions})
 * and the ancestral DDPM and DDIM samplers.
 */
package dev.usp4j.diffusion.gaussian;
