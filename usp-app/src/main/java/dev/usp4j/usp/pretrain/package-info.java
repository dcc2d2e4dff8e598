/**
 * USP's pretraining, masked latent modelling (usp-spec §1): {@link dev.usp4j.usp.pretrain.MaskedLatentTrainer}
 * and its {@link dev.usp4j.usp.pretrain.PretrainConfig}, plus what every latent trainer shares — the training loop
 * with checkpoints and bit-exact resume ({@link dev.usp4j.usp.pretrain.LatentTrainer}), deterministic batches of a
 * latent cache ({@link dev.usp4j.usp.pretrain.LatentBatches}), the settings and schedule plan
 * ({@link dev.usp4j.usp.pretrain.TrainSettings}, {@link dev.usp4j.usp.pretrain.LrPlan}) and the metrics callback
 * ({@link dev.usp4j.usp.pretrain.TrainListener}).
 */
package dev.usp4j.usp.pretrain;
