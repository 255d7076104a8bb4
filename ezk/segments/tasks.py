"""The per-segment tasks: top-level functions of plain arguments (paths, ints, numpy arrays,
bytes) so that a Dask worker on another machine can run them; each reads what it needs from
files every worker sees and returns small results (a vk, a proof, timings).

Each task holds one segment's circuit at a time; ``peak_rss_mb`` is the process's peak so far
(a long-lived worker's peak over every task it ran)."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import numpy as np

from ezk import _native
from ezk.errors import ArtifactError, EzkError

R = _native.MODULUS
# The segment prover keeps at most this many coefficient vectors (n field elements each) between
# rounds, so that its memory follows the segment's 2^K and not what the machine has free (the
# one-circuit prover's default, ``ezk.plonk.budget.cache_budget``, takes up to 6 GiB: N workers
# on one machine would each take it). Vectors beyond it are recomputed (an iNTT each: seconds in
# a proof of minutes). EZK_PROVER_CACHE_MB overrides it.
SEGMENT_CACHE_VECTORS = 32
_CONTEXT: dict = {}  # one compiled model per process, reloaded when its file changes


def peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10


def context(compiled_path):
    """(compiled model, segment plan, settings at the plan's k) for ``compiled_path``."""
    from ezk.compiled import load_compiled
    from ezk.segments.plan import SegmentPlan
    from ezk.settings import RunArgs, Settings

    p = Path(compiled_path)
    stamp = (str(p.resolve()), p.stat().st_mtime_ns, p.stat().st_size)
    if _CONTEXT.get("stamp") != stamp:
        _CONTEXT.clear()
        comp = load_compiled(p)
        if "segments" not in comp.extra:
            raise EzkError(f"{str(p)!r} is not a segmented compiled circuit.")
        plan = SegmentPlan.from_json(comp.extra["segments"])
        st = comp.settings
        st_k = Settings(**{**st.__dict__, "run_args": RunArgs(**{**st.run_args.__dict__, "logrows": plan.k})})
        _CONTEXT.update(stamp=stamp, value=(comp, plan, st_k))
    return _CONTEXT["value"]


def _result(s: int, t0: float, cpu0: float, **extra) -> dict:
    """A task's figures: wall and CPU seconds (this process, every thread: ``time.process_time``)."""
    return {"segment": s, "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - cpu0,
            "peak_rss_mb": peak_rss_mb(), "pid": os.getpid(), **extra}


def setup_segment(compiled_path, srs_path, pk_path, s: int) -> dict:
    """Lay out segment s (structure only), make its keys, write its pk file; return its vk."""
    from ezk.artifacts import KeyFile, settings_digest, write_key
    from ezk.layout import lay_out
    from ezk.plonk import keygen
    from ezk.proving import load_srs_for
    from ezk.segments.artifacts import segment_pk_path

    t0, cpu0 = time.perf_counter(), time.process_time()
    comp, plan, st = context(compiled_path)
    laid = lay_out(comp.graph, st, segment=plan.segments[s])
    srs = load_srs_for(srs_path, plan.k)
    pk, vk = keygen(laid.circuit, srs)
    from ezk.layout.links import proof_positions

    links, public, stats = laid.links, laid.instance_layout, laid.stats
    links_in, links_out = proof_positions(vk.cs, links.inputs), proof_positions(vk.cs, links.outputs)
    del laid, srs
    header = {"compiled_digest": comp.digest, "settings_digest": settings_digest(comp.settings), "k": plan.k,
              "segment": s, "vk_digest": vk.digest.hex()}
    pk_bytes = write_key(segment_pk_path(pk_path, s), KeyFile("pk", header, pk.to_bytes()))
    del pk
    return _result(s, t0, cpu0, vk=vk.to_bytes(), vk_digest=vk.digest.hex(), links_in=links_in,
                   links_out=links_out, public=public, stats=stats, pk_bytes=pk_bytes)


def prove_segment(compiled_path, pk_path, srs_path, s: int, given: dict, seed: bytes) -> dict:
    """Segment s's proof from the tensors entering it; link columns blinded from ``seed``."""
    from ezk.artifacts import read_key
    from ezk.layout import lay_out
    from ezk.plonk import ProvingKey
    from ezk.plonk import prove as plonk_prove
    from ezk.proving import load_srs_for
    from ezk.segments.artifacts import segment_pk_path
    from ezk.segments.witness import segment_blinding, segment_values

    t0, cpu0 = time.perf_counter(), time.process_time()
    comp, plan, st = context(compiled_path)
    spec = plan.segments[s]
    path = segment_pk_path(pk_path, s)
    key = read_key(path, "pk")
    if key.header.get("compiled_digest") != comp.digest or key.header.get("segment") != s:
        raise ArtifactError(f"the proving key {str(path)!r} is not segment {s} of this compiled circuit; run ezk setup.")
    values = segment_values(comp.graph, spec, given)
    laid = lay_out(comp.graph, st, values, segment=spec)
    del values
    witness, links = laid.witness, laid.links
    instances = [[int(v) % R for v in np.asarray(col).tolist()] for col in laid.instances]
    del laid
    pk = ProvingKey.from_bytes(key.body)
    del key
    if pk.vk.digest.hex() != _vk_digest_of(pk_path, s):
        raise ArtifactError(f"the proving key {str(path)!r} does not match the key bundle; run ezk setup again.")
    d = pk.vk.domain
    srs = load_srs_for(srs_path, plan.k)
    blinding = segment_blinding(seed, s, links, d.n - d.usable)
    proof = plonk_prove(pk, srs, witness, cache_bytes=segment_cache_bytes(pk), advice_blinding=blinding)
    return _result(s, t0, cpu0, proof=proof.to_bytes(), instances=instances)


def segment_cache_bytes(pk) -> int | None:
    """The segment prover's coefficient cache: SEGMENT_CACHE_VECTORS vectors of the key's domain,
    or less where the machine has less free (None: EZK_PROVER_CACHE_MB decides)."""
    from ezk.plonk.budget import cache_budget, env_int

    if env_int("EZK_PROVER_CACHE_MB") is not None:
        return None
    return min(cache_budget(pk), SEGMENT_CACHE_VECTORS * pk.vk.domain.n * 32)


def _vk_digest_of(pk_path, s: int) -> str | None:
    from ezk.artifacts import read_key

    files = read_key(pk_path, "pk").header.get("segments", [])
    return files[s].get("vk_digest") if s < len(files) and isinstance(files[s], dict) else None


def mock_segment(compiled_path, s: int, given: dict, max_failures: int = 10) -> dict:
    """Every gate, lookup and copy of segment s on its witness (the link columns included)."""
    from ezk.layout import lay_out
    from ezk.plonk import mock as plonk_mock
    from ezk.segments.witness import segment_values

    t0, cpu0 = time.perf_counter(), time.process_time()
    comp, plan, st = context(compiled_path)
    spec = plan.segments[s]
    laid = lay_out(comp.graph, st, segment_values(comp.graph, spec, given), segment=spec)
    failures = plonk_mock(laid.circuit, laid.witness)
    lines = [laid.explain(f) for f in failures[:max_failures]]
    return _result(s, t0, cpu0, failures=len(failures), lines=lines, stats=laid.stats)
