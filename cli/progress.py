"""Progress display for long steps (calibrate, setup, prove): a rich spinner or bar with the
elapsed time on stderr. Silent with ``--quiet`` (or EZK_QUIET=1) and when stderr is not a
terminal, so logs and pipes stay clean."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

QUIET = os.environ.get("EZK_QUIET") == "1"


def set_quiet(quiet: bool) -> None:
    global QUIET
    QUIET = quiet


def _enabled() -> bool:
    return not QUIET and sys.stderr.isatty()


@contextmanager
def working(description: str, total: int | None = None):
    """Show ``description`` while the body runs; yields ``advance()`` to step a bar of ``total``."""
    if not _enabled():
        yield lambda *_: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if total:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda *_: bar.advance(task)
