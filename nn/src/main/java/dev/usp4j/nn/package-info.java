/**
 * usp4j nn: modules, layers, optimisers, checkpoints, ViT/MAE and the KL autoencoder (issues: nn, Models).
 *
 * <p>Placeholder until its issue lands; the module exists so that the build's dependency order is fixed from the
 * start (see DESIGN.md, section 1).
 */
package dev.usp4j.nn;
