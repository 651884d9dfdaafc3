//! Benchmarks of generated gradients against hand-written adjoints.
