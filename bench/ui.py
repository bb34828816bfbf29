"""ui_latency_ms: key press to screen change in the TUI while a sync runs.

The app runs headless under Textual's Pilot at 120x36, on the demo config, with a
full sync of the demo's largest table (EQUIPMENT_EVENTS) running in the app's
own sync worker (restarted if it ends before enough samples). Each sample presses
a global screen key (t, h, ?, c, g in turn) and times from the press until the
compositor hands the app a frame of the new screen (`App._display`, which a real
terminal driver would write out). Every screen is visited once before the sync
starts, so the samples time switching, not a screen's first composition.

Runs in a subprocess (`python -m bench.ui HOME SAMPLES`) with TUI_SYNC_HOME=HOME.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
KEYS = (("t", "tables"), ("h", "history"), ("question_mark", "help"), ("c", "connection"),
        ("g", "progress"))
CHARS = {"question_mark": "?"}


def press(app: Any, key: str) -> None:
    """Send a key the way a terminal driver does (its input thread hands the app a Key
    event) and return at once: Pilot.press would wait for every widget's queue to
    drain, which never happens while progress messages keep arriving."""
    from textual import events

    event = events.Key(key, CHARS.get(key, key))
    event.set_sender(app)
    app._driver.send_message(event)
TABLE = "EQUIPMENT_EVENTS"


def _sched() -> tuple[float, float]:
    """(CPU seconds, seconds spent runnable but waiting for a CPU) of this thread, from the
    kernel's schedstat: the second is the machine's share of a slow press (other processes
    held the cores), which neither the GIL nor the app's own work explains."""
    try:
        run_ns, wait_ns, _ = Path("/proc/thread-self/schedstat").read_text().split()
        return int(run_ns) / 1e9, int(wait_ns) / 1e9
    except (OSError, ValueError):
        return time.thread_time(), 0.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


async def _wait_frame(frames: list[tuple[float, Any]], app: Any, mode: str, t0: float,
                      timeout: float = 10.0) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if app.current_mode == mode:
            screen = app.screen
            for t, shown in frames:
                if t >= t0 and shown is screen:
                    return t
        await asyncio.sleep(0.001)
    raise TimeoutError(f"no frame of the {mode} screen within {timeout}s")


async def measure(samples: int, think_s: float = 0.05, verbose: bool = False,
                  gc_freeze: bool = False) -> dict[str, Any]:
    """`gc_freeze` (a what-if, off in the suite) freezes the app's objects after the warm-up
    so the cyclic GC's full collections stop walking them."""
    from tui_sync.events import Mode
    from tui_sync.tui.app import create_app

    app = create_app(None, demo=True, scheduler=False)
    frames: list[tuple[float, Any]] = []
    original = app._display

    def spy(screen: Any, renderable: Any) -> None:
        if renderable is not None:
            frames.append((time.perf_counter(), screen))
        original(screen, renderable)

    app._display = spy  # type: ignore[method-assign]
    gc_pauses: list[tuple[float, float, int]] = []  # (start, seconds, generation), any thread
    gc_start: dict[str, float] = {}

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            gc_start["t"] = time.perf_counter()
        elif "t" in gc_start:
            t = gc_start.pop("t")
            gc_pauses.append((t, time.perf_counter() - t, info.get("generation", -1)))

    gc.callbacks.append(on_gc)
    slow_with_gc = 0  # samples over 100 ms that overlapped a collection
    latencies: list[float] = []
    split: list[tuple[float, float, float]] = []  # per press: wall, UI-thread CPU, runqueue wait
    per_key: dict[str, list[float]] = {mode: [] for _, mode in KEYS}
    syncs = 0
    sync_started = time.perf_counter()
    sync_seconds: list[float] = []
    statuses: list[str] = []
    t_start = time.perf_counter()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        for key, mode in KEYS:  # warm-up: compose every screen once, before the sync
            if app.current_mode == mode:
                continue
            t0 = time.perf_counter()
            await pilot.press(key)
            await _wait_frame(frames, app, mode, t0)
        if gc_freeze:
            gc.collect()
            gc.freeze()
        i = 0
        idle: list[float] = []
        while len(idle) < max(5, samples // 3):  # the same presses with no sync running
            key, mode = KEYS[i % len(KEYS)]
            i += 1
            if app.current_mode == mode:
                continue
            frames.clear()
            t0 = time.perf_counter()
            press(app, key)
            idle.append(await _wait_frame(frames, app, mode, t0) - t0)
            await asyncio.sleep(think_s)
        while len(latencies) < samples:
            if not app.sync_busy:
                if syncs:
                    sync_seconds.append(time.perf_counter() - sync_started)
                    finished = app.run_state.finished if app.run_state is not None else None
                    statuses.append(finished.results[0].status.value if finished and finished.results
                                    else f"error: {app.run_state.error if app.run_state else '?'}")
                if not app.start_sync([TABLE], Mode.FULL):
                    raise RuntimeError("the app refused to start the sync")
                syncs += 1
                sync_started = time.perf_counter()
                await pilot.pause()
                await asyncio.sleep(0.3)  # let the worker get into the read loop
                continue
            key, mode = KEYS[i % len(KEYS)]
            if app.current_mode == mode:
                i += 1
                key, mode = KEYS[i % len(KEYS)]
            i += 1
            frames.clear()
            cpu0, wait0 = _sched()
            t0 = time.perf_counter()
            press(app, key)
            shown = await _wait_frame(frames, app, mode, t0)
            cpu1, wait1 = _sched()
            if app.sync_busy:  # only presses that happened wholly while the sync ran
                latencies.append(shown - t0)
                split.append((shown - t0, cpu1 - cpu0, wait1 - wait0))
                per_key[mode].append(shown - t0)
                if shown - t0 > 0.1 and any(t0 <= t <= shown for t, _, _ in gc_pauses):
                    slow_with_gc += 1
            if verbose:
                print(f"{time.perf_counter() - t_start:7.2f}s {key:>13} -> {mode:<10} "
                      f"{(shown - t0) * 1000:7.1f} ms busy={app.sync_busy}", file=sys.stderr, flush=True)
            await asyncio.sleep(think_s)
        if app.sync_busy and app.run_state is not None:
            app.run_state.control.cancel()
            for _ in range(600):
                if not app.sync_busy:
                    break
                await pilot.pause(0.05)
    gc.callbacks.remove(on_gc)
    ms = [v * 1000 for v in latencies]
    idle_ms = [v * 1000 for v in idle]
    return {
        "idle_samples": len(idle_ms), "idle_p50_ms": statistics.median(idle_ms),
        "idle_p95_ms": percentile(idle_ms, 95),
        "samples": len(ms), "syncs": syncs, "p50_ms": statistics.median(ms), "p95_ms": percentile(ms, 95),
        "max_ms": max(ms), "mean_ms": statistics.fmean(ms),
        "per_screen_p95_ms": {k: percentile([x * 1000 for x in v], 95) for k, v in per_key.items() if v},
        "slow_presses": sum(1 for v in ms if v > 100), "slow_presses_during_gc": slow_with_gc,
        "gc_max_ms": max((d for _, d, _ in gc_pauses), default=0.0) * 1000,
        "gc_gen2_count": sum(1 for _, _, g in gc_pauses if g == 2),
        # Where the time of the slowest 10% of presses went, on the UI thread: its own CPU, waiting
        # for a core (the machine), and the rest (waiting for the GIL or sleeping between polls).
        "slow_split_ms": _split([x for x in split if x[0] >= percentile(latencies, 90)]),
        "all_split_ms": _split(split),
        "load_avg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "sync_seconds": sync_seconds, "sync_statuses": statuses, "size": [120, 36],
    }


def _split(rows: list[tuple[float, float, float]]) -> dict[str, float]:
    n = max(len(rows), 1)
    wall, cpu, wait = (sum(r[i] for r in rows) * 1000 / n for i in range(3))
    return {"presses": len(rows), "wall": wall, "ui_cpu": cpu, "runqueue_wait": wait,
            "other": wall - cpu - wait}


def run_child(home: Path, demo_source: Path | None, samples: int, timeout: float = 900) -> dict[str, Any]:
    """Measure in a fresh process whose TUI_SYNC_HOME is `home` (the demo built from
    `demo_source`, a prebuilt demo SQLite file, when given)."""
    from tui_sync.demo import SOURCE_NAME

    demo_dir = home / "data" / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    if demo_source is not None and not (demo_dir / SOURCE_NAME).exists():
        shutil.copyfile(demo_source, demo_dir / SOURCE_NAME)
    env = dict(os.environ)
    env["TUI_SYNC_HOME"] = str(home)
    env.pop("TUI_SYNC_CONFIG", None)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", "bench.ui", str(samples)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"UI latency child failed: {proc.stderr.strip()[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(asyncio.run(measure(int(sys.argv[1]), verbose="-v" in sys.argv,
                                         gc_freeze="--gc-freeze" in sys.argv))))
