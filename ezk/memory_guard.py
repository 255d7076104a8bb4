"""A ceiling on a step's memory, so that a model too large for this machine fails with one
sentence instead of a MemoryError traceback — or, worse, the kernel's OOM killer picking a
process (possibly someone else's) on a shared machine.

``memory_guard(what)`` lowers the soft RLIMIT_DATA (private writable memory, which numpy's
large arrays are) to what the process holds now plus the machine's MemAvailable, for the
duration of the block; an allocation beyond it raises MemoryError at once (before any page is
touched), which becomes a :class:`ResourceError` naming the step. The limit is restored after.
On systems without /proc or RLIMIT_DATA the block runs unguarded (MemoryError is still caught).
``EZK_MEMORY_LIMIT_MB`` caps the process's private memory lower still (shared machines, tests).
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

from ezk.errors import ResourceError

_GIB = 2**30


def _meminfo_kib(path: str, key: str) -> int | None:
    try:
        with open(path) as f:
            m = re.search(rf"^{key}:\s+(\d+) kB", f.read(), re.M)
    except OSError:
        return None
    return int(m.group(1)) if m else None


def available_bytes() -> int | None:
    kib = _meminfo_kib("/proc/meminfo", "MemAvailable")
    return None if kib is None else kib * 1024


@contextmanager
def memory_guard(what: str):
    """Run the block with at most MemAvailable more private memory; MemoryError → ResourceError."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    except (ImportError, AttributeError, OSError, ValueError):
        resource = None
    avail = available_bytes()
    held = _meminfo_kib("/proc/self/status", "VmData")
    limited = False
    if resource is not None and avail is not None and held is not None:
        ceiling = held * 1024 + avail
        cap = os.environ.get("EZK_MEMORY_LIMIT_MB", "")
        if cap.isdigit():
            ceiling = min(ceiling, int(cap) * 2**20)
        if hard != resource.RLIM_INFINITY:
            ceiling = min(ceiling, hard)
        if soft == resource.RLIM_INFINITY or ceiling < soft:
            try:
                resource.setrlimit(resource.RLIMIT_DATA, (ceiling, hard))
                limited = True
            except (OSError, ValueError):
                pass
    try:
        yield
    except MemoryError:
        room = f"{ceiling / _GIB:.1f} GiB allowed" if limited else "its memory ran out"
        raise ResourceError(
            f"{what} needs more memory than this machine has ({room}): the model is too large for one circuit "
            f"here; use a machine with more memory or cut the model into segments"
        ) from None
    finally:
        if limited:
            resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
