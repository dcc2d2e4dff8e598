/**
 * The KL autoencoder of latent diffusion (diffusers' {@code AutoencoderKL}, the SD "KL-f8" VAE of usp-spec §1.2):
 * {@link dev.usp4j.nn.vae.AutoencoderKL} with diffusers' module and parameter names, its building blocks, the
 * posterior {@link dev.usp4j.nn.vae.DiagonalGaussian}, configs read from diffusers' {@code config.json}
 * ({@link dev.usp4j.nn.vae.VaeConfig}) or by name ({@link dev.usp4j.nn.vae.VaeConfigs}), and the key mapping that
 * loads legacy-diffusers and LDM-layout checkpoints ({@link dev.usp4j.nn.vae.DiffusersVaeKeys}).
 */
package dev.usp4j.nn.vae;
