"""Segmented proving: a model too large for one circuit, as contiguous segments of 2^K rows.

    plan.py        cut the quantized graph into segments (estimate, choose small cuts, confirm)
    witness.py     one segment's forward pass from the tensors entering it; link blinding
    artifacts.py   the key bundle (one vk file, one pk file per segment) and the proof bundle
    tasks.py       the per-segment tasks (setup, prove, mock), runnable on any worker
    distribute.py  running the tasks in this process or on Dask
    proving.py     setup, mock, prove and verify over all segments

The layout side (a segment's circuit, its link columns) is ``ezk.layout.links``.

A segmented proof states: the compiled model maps the public inputs to the public outputs, as
one circuit would — every segment's circuit holds, and every tensor crossing a cut is the same
in the segment that computes it and in the one that reads it (equal commitments of link
columns, ``ezk.layout.links``). What crosses a cut stays hidden: link columns are committed
with random blinding rows shared by exactly the two proofs that hold them.
"""
