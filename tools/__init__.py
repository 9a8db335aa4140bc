"""Developer tooling: model training cache, local stack, benchmarks."""
