"""The extension is an optimised build and exposes the whole contract of _native.pyi."""

import ast
from pathlib import Path

import ezk._native as nat

PYI = Path(nat.__file__).resolve().parent / "_native.pyi"


def test_release_build():
    info = nat.build_info()
    assert info["profile"] == "release"
    assert info["threads"] >= 1 and info["version"]


def test_every_name_in_the_stub_exists():
    tree = ast.parse(PYI.read_text())
    missing = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not hasattr(nat, node.name):
            missing.append(node.name)
        if isinstance(node, ast.AnnAssign) and not hasattr(nat, node.target.id):
            missing.append(node.target.id)
        if isinstance(node, ast.ClassDef):
            cls = getattr(nat, node.name, None)
            if cls is None:
                missing.append(node.name)
                continue
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not hasattr(cls, item.name):
                    missing.append(f"{node.name}.{item.name}")
    assert missing == []


def test_heavy_calls_release_the_gil():
    """While a large NTT runs in another thread, this thread keeps running Python code."""
    import threading
    import time

    v = nat.FrVec.random(1 << 19, seed=b"gil")
    t0 = time.perf_counter()
    nat.ntt(v)
    duration = time.perf_counter() - t0

    done = threading.Event()
    worker = threading.Thread(target=lambda: (nat.ntt(v), done.set()))
    gaps, last = [], time.perf_counter()
    worker.start()
    while not done.is_set():
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    worker.join()
    # Holding the GIL would freeze this loop for the whole call (one gap ≈ duration).
    assert max(gaps) < duration / 2, (max(gaps), duration)
