/**
 * usp4j data: datasets, transforms, loaders, latent caches and image grids (issue: Data).
 *
 * <p>Placeholder until its issue lands; the module exists so that the build's dependency order is fixed from the
 * start (see DESIGN.md, section 1).
 */
package dev.usp4j.data;
