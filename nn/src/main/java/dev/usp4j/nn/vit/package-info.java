/**
 * The vision transformers of USP: MAE's masked autoencoder on VAE latents ({@link dev.usp4j.nn.vit.MaskedAutoencoderViT})
 * and the timm ViT classifier its encoder transfers to ({@link dev.usp4j.nn.vit.VisionTransformer}), built from timm
 * {@link dev.usp4j.nn.vit.Block}s, with named configs ({@link dev.usp4j.nn.vit.MaeConfigs}) and PyTorch's parameter
 * names throughout.
 */
package dev.usp4j.nn.vit;
