/**
 * usp4j diffusion: DiT, SiT, Gaussian diffusion, transport, samplers and FID (issue: Diffusion).
 *
 * <p>Placeholder until its issue lands; the module exists so that the build's dependency order is fixed from the
 * start (see DESIGN.md, section 1).
 */
package dev.usp4j.diffusion;
