/**
 * usp4j autograd: reverse-mode automatic differentiation over the tensor core (issue: Autograd).
 *
 * <p>Placeholder until its issue lands; the module exists so that the build's dependency order is fixed from the
 * start (see DESIGN.md, section 1).
 */
package dev.usp4j.autograd;
