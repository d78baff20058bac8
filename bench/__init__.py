"""Benchmarks against reference libraries (not tests: no timing assertions)."""
