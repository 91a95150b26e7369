"""Demo data beyond the seed: a realistic synthetic call history (the CLI's stats-generate, `make run`'s
year of calls) and the benchmarks' large databases. Imports nothing above the services and statistics."""
