/**
 * The sampling interface shared by Gaussian diffusion (DDPM, DDIM) and transports (ODE, SDE): {@link
 * dev.usp4j.diffusion.sampling.Sampler}, the network as a {@link dev.usp4j.diffusion.sampling.ModelFn}, progress
 * through {@link dev.usp4j.diffusion.sampling.StepListener}, and {@link dev.usp4j.diffusion.sampling.ModelFns} for
 * class-conditional and guided DiT/SiT.
 */
package dev.usp4j.diffusion.sampling;
