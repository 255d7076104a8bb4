"""The prover's plumbing: how many coefficient bytes it may keep, and per-round tracing.

Neither changes a proof: the budget only trades recomputed iNTTs for memory
(``ezk.plonk.polys.ProofPolynomials``), the trace only prints.
"""

from __future__ import annotations

import os
import resource
import sys
import time

DEFAULT_CACHE_BYTES = 6 << 30  # most coefficient bytes kept between rounds (see cache_budget)


def env_int(name: str, default: int | None = None) -> int | None:
    """The whole number in environment variable ``name`` (``default`` when unset or empty); any
    other value is one sentence (``EzkError``), not a traceback."""
    from ezk.errors import EzkError

    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise EzkError(f"{name} must be a whole number, not {text!r}.") from None


def mem_available() -> int | None:
    """MemAvailable from /proc/meminfo in bytes (None where unknown)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) << 10
    except (OSError, ValueError, IndexError):
        pass
    return None


def cache_budget(pk, cache_bytes: int | None = None) -> int:
    """Bytes of coefficient vectors to keep between rounds: ``cache_bytes``, else
    EZK_PROVER_CACHE_MB, else min(6 GiB, what the machine has available beyond the vectors the
    prover must hold anyway: z_c, φ_p, r, the quotient pieces and the quotient's working set
    ≈ (held + 3·e + 16)·n·32 bytes). A smaller budget only costs recomputed iNTTs."""
    if cache_bytes is not None:
        return max(0, int(cache_bytes))
    env = env_int("EZK_PROVER_CACHE_MB")
    if env is not None:
        return max(0, env) << 20
    d, cs = pk.vk.domain, pk.vk.cs
    perm = len(cs.permutation_columns)
    held = -(-perm // cs.permutation_chunk_size()) + sum(len(t.chunks) for t in cs.lookup_tables()) + 1 + d.pieces
    reserve = (held + 3 * d.ext_factor + 16) * d.n * 32
    avail = mem_available()
    if avail is None:
        return DEFAULT_CACHE_BYTES
    return max(0, min(DEFAULT_CACHE_BYTES, avail - reserve))


class Trace:
    """Per-round seconds into ``rounds`` (when given a dict), and with peak RSS on stderr when
    EZK_PROVER_TRACE is set (profiling)."""

    def __init__(self, rounds: dict | None = None) -> None:
        self.on = bool(os.environ.get("EZK_PROVER_TRACE"))
        self.rounds = rounds
        self.t = time.perf_counter()
        self.cpu = time.process_time()

    def __call__(self, what: str, polys=None) -> None:
        now = time.perf_counter()
        if self.rounds is not None:
            self.rounds[what] = self.rounds.get(what, 0.0) + now - self.t
        if not self.on:
            self.t = now
            return
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
        cpu, self.cpu = time.process_time() - self.cpu, time.process_time()
        extra = (f" intts={polys.intts} cached={polys.cached_bytes >> 20}/{polys.cache_bytes >> 20}MB"
                 if polys is not None else "")
        print(f"ezk prove: {what:<12} {now - self.t:8.1f} s (cpu {cpu:.1f} s)  peak {peak} MB{extra}", file=sys.stderr, flush=True)
        self.t = now
