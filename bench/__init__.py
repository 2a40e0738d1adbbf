"""Benchmarks: each `bench_<area>.py` module measures our code beside a reference run in the same process
and prints ratios, so the figures hold on any machine (no absolute timings in unit tests)."""
