"""Running one task per segment: in this process, or on Dask.

    run_tasks(fn, calls, workers=None, scheduler=None, progress=None) -> results, in call order

* neither ``workers`` nor ``scheduler``: the tasks run here, one after the other (one
  segment's circuit in memory at a time);
* ``workers=N``: an embedded ``dask.distributed.LocalCluster`` of N worker processes with one
  thread each (the prover is multi-threaded in Rust already), closed afterwards;
* ``scheduler="tcp://HOST:PORT"``: an existing Dask cluster; every path passed to the tasks
  must name a file every worker sees (a shared file system).

A worker that dies mid-task is noticed by the scheduler, which runs its task again on another
worker (up to ``distributed.scheduler.allowed-failures`` times, then ``KilledWorker``); a task
that raises is retried ``RETRIES`` times. Tasks are deterministic given their arguments (a
proof task's randomness comes from its link seed and fresh blinding of its own columns), so a
rerun segment fits the bundle as the first run would have.

``progress(event, index, result)`` is called with "done" as each task finishes (in completion
order) and "start" before a local task runs.
"""

from __future__ import annotations

import logging
import uuid
from typing import Callable, Sequence

from ezk.errors import EzkError

RETRIES = 2


def run_tasks(fn: Callable, calls: Sequence[tuple], workers: int | None = None, scheduler: str | None = None,
              progress: Callable | None = None, name: str = "ezk") -> list:
    progress = progress or (lambda *_: None)
    if workers is None and scheduler is None:
        out = []
        for i, args in enumerate(calls):
            progress("start", i, None)
            out.append(fn(*args))
            progress("done", i, out[-1])
        return out
    if workers is not None and scheduler is not None:
        raise EzkError("give either --workers (a local Dask cluster) or --scheduler (an existing one), not both.")
    if workers is not None and workers < 1:
        raise EzkError(f"--workers must be at least 1, got {workers}.")
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - dask is a declared dependency
        raise EzkError("distributed proving needs dask[distributed]: pip install 'dask[distributed]'.") from None
    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, memory_limit=0, silence_logs=logging.CRITICAL)
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise EzkError(f"cannot reach the Dask scheduler {scheduler!r} ({exc}).") from None
        with client:
            tag = uuid.uuid4().hex[:8]
            futures = [client.submit(fn, *args, key=f"{name}-{i}-{tag}", pure=False, retries=RETRIES)
                       for i, args in enumerate(calls)]
            index = {f.key: i for i, f in enumerate(futures)}
            for fut in as_completed(futures):
                try:
                    result = fut.result()
                except EzkError:
                    raise
                except Exception as exc:  # KilledWorker after too many deaths, a lost scheduler …
                    raise EzkError(f"segment {index[fut.key]} failed on the Dask cluster: "
                                   f"{type(exc).__name__}: {exc}") from None
                progress("done", index[fut.key], result)
            return client.gather(futures)
    finally:
        if cluster is not None:
            cluster.close()
