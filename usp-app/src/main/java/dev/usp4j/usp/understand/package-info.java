/**
 * Understanding with USP's pretrained encoder (usp-spec §2.2): MAE's linear probe
 * ({@link dev.usp4j.usp.understand.LinearProbe}) and full fine-tuning ({@link dev.usp4j.usp.understand.FineTune})
 * of a ViT classifier on VAE latents, each with top-1 evaluation on a latent cache.
 */
package dev.usp4j.usp.understand;
