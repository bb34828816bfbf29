"""The machine a bench run measured on: CPU, cores, RAM, OS, versions, commit, load."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                             text=True, timeout=10, check=False)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _ram_bytes() -> int | None:
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except ImportError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _cpu_extra() -> tuple[int | None, int | None]:
    """Physical cores and max MHz when psutil is there (it is optional)."""
    try:
        import psutil
    except ImportError:
        return None, None
    physical = freq = None
    try:
        physical = psutil.cpu_count(logical=False)
        f = psutil.cpu_freq()
        freq = round(f.max or f.current) if f else None
    except Exception:  # noqa: BLE001 - unknown on some virtual machines
        pass
    return physical, freq


def cpu_calibration(n: int = 2_000_000, reps: int = 3) -> float:
    """CPU seconds of a fixed pure-Python loop (fastest of `reps`): how fast one core of this
    machine runs Python today. Compare runs with it: a figure that is slow because the core is
    slow (a throttled or oversubscribed VM) moves with this number, not with tui-sync's code."""
    best = float("inf")
    for _ in range(reps):
        c0 = time.thread_time()
        s = 0
        for i in range(n):
            s += i
        best = min(best, time.thread_time() - c0)
    return best


def machine_info() -> dict[str, Any]:
    physical, freq = _cpu_extra()
    ram = _ram_bytes()
    return {
        "cpu_model": _cpu_model(), "logical_cores": os.cpu_count(), "physical_cores": physical,
        "cpu_mhz": freq, "ram_gib": round(ram / 2**30, 1) if ram else None,
        "os": platform.platform(), "python": platform.python_version(),
        "versions": {d: _version(d) for d in ("duckdb", "pyarrow", "polars", "pandas", "textual",
                                              "textual-plotext", "plotext", "tui-sync", "adbc-driver-sqlite")},
        "git_commit": _git_commit(),
        "load_avg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "cpu_calibration_s": round(cpu_calibration(), 3),
    }
