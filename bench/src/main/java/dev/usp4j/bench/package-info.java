/**
 * usp4j bench: JMH micro-benchmarks and end-to-end benchmarks. Each is run beside a peer (OpenBLAS through NumPy,
 * PyTorch) by a script in {@code bench/} that alternates the two in one run; results go to {@code bench/RESULTS.md}.
 */
package dev.usp4j.bench;
