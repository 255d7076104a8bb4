"""Segmented proving: a model too large for one circuit, as contiguous segments of 2^K rows.

    plan.py      cut the quantized graph into segments (estimate, choose small cuts, confirm)
    witness.py   the integer forward pass of one segment, from the tensors entering it
    keys.py      the key bundle: one vk file for every segment, one pk file per segment
    bundle.py    the proof bundle: per-segment proofs and public instances
    proving.py   setup, mock, prove and verify over all segments
    distribute.py  segments as tasks, in this process or on Dask

A segmented proof states: the compiled model maps the public inputs to the public outputs, as
one circuit would — every segment's circuit holds, and every tensor crossing a cut is the same
in the segment that computes it and in the one that reads it (equal commitments of link
columns, ``ezk.layout.links``). What crosses a cut stays hidden: link columns are committed
with random blinding rows shared by exactly the two proofs that hold them.
"""
