"""Benchmark suite of tui-sync (issue 5): run `python bench/run.py [--quick] [--json PATH]`."""
