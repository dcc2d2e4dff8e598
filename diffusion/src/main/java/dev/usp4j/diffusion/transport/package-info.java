/**
 * SiT's stochastic-interpolant transport (transport/path.py, transport.py, integrators.py): the Linear, GVP and VP
 * paths ({@link dev.usp4j.diffusion.transport.TransportPath}), the {@link dev.usp4j.diffusion.transport.Transport}
 * with its time intervals, training loss, drift and score, and the ODE and SDE samplers behind the shared
 * {@link dev.usp4j.diffusion.sampling.Sampler} interface. Time runs from noise at t = 0 to data at t = 1.
 */
package dev.usp4j.diffusion.transport;
