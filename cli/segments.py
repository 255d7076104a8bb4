"""CLI pieces for segmented models (ezk.segments): the options that bound a circuit and
place its segments on Dask, and a progress display with one bar per segment."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Optional

import typer

from cli import progress as _progress

MAX_LOGROWS_HELP = ("split the model into segments of at most 2^K rows each when it does not fit one circuit "
                    "(settings: segment_logrows)")
MAX_MEMORY_HELP = "choose --max-logrows from a memory budget per prover process, in GiB"
WORKERS_HELP = "prove (or set up) the segments on a local Dask cluster of N worker processes"
SCHEDULER_HELP = "use an existing Dask cluster (tcp://HOST:PORT); every path must be one all workers see"


def max_logrows_option() -> Optional[int]:
    return typer.Option(None, "--max-logrows", help=MAX_LOGROWS_HELP)


def max_memory_option() -> Optional[float]:
    return typer.Option(None, "--max-memory", help=MAX_MEMORY_HELP)


def workers_option() -> Optional[int]:
    return typer.Option(None, "--workers", help=WORKERS_HELP)


def scheduler_option() -> Optional[str]:
    return typer.Option(None, "--scheduler", help=SCHEDULER_HELP)


@contextmanager
def segment_progress(description: str):
    """Yields ``progress(event, segment, result)`` for ``ezk.segments``: a bar per segment on a
    terminal (spinning while it runs, done with its seconds), silent otherwise."""
    if not _progress._enabled():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bars: dict[int, int] = {}
    t0 = time.perf_counter()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=False) as bar:
        def progress(event: str, s: int, result) -> None:
            if s not in bars:
                bars[s] = bar.add_task(f"{description} segment {s}", total=1)
            if event == "done":
                took = result.get("seconds", time.perf_counter() - t0) if isinstance(result, dict) else 0.0
                bar.update(bars[s], completed=1, description=f"{description} segment {s} ({took:.1f} s)")

        yield progress


def echo_segments(info: dict) -> None:
    """One line per segment: seconds and the worker's peak memory (stderr)."""
    for r in info.get("per_segment", []):
        print(f"  segment {r['segment']}: {r['seconds']:.1f} s, peak {r['peak_rss_mb']} MB (pid {r['pid']})",
              file=sys.stderr)
