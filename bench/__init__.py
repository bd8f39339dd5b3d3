"""Benchmarks (not tests): `make bench` runs them all and prints each figure as a ratio against a
baseline measured in the same run, on the same machine, at the same time."""
