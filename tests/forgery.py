"""A malicious prover's tools, shared by the forgery tests: witnesses that ezk's own code would
refuse to write, proven with the real proving key.

* ``retrace``: the forward pass with chosen tensors (``overrides``) in place of what some ops
  compute — later nodes are evaluated from them, no range is checked;
* ``oversized``: lay out the real circuit from such tensors even where a leaf lies outside its
  bound: the prover fills the leaf's range-check limbs with in-range values of its choice
  (here v mod 2^(B+1)), so only that range check can notice;
* ``patched``: the witness with arbitrary field elements written into chosen cells and into
  every cell a copy constraint ties to them (instance cells included);
* ``prove_files``: prove a witness with pk.key and write proof.json as ``ezk prove`` does.
"""

from __future__ import annotations

import contextlib
from unittest import mock as umock

import numpy as np

from ezk import _native
from ezk.artifacts import read_key
from ezk.graph.forward import Trace
from ezk.layout import lay_out
from ezk.layout.ops import leaves
from ezk.ops import spec
from ezk.plonk import ProvingKey, Witness
from ezk.plonk.circuit import to_frvec
from ezk.plonk import prove as plonk_prove
from ezk.proving import load_srs_for, write_proof

R = _native.MODULUS


def sqrt_mod_r(z: int) -> int | None:
    """A square root of z modulo r (Tonelli–Shanks), or None when z is not a square."""
    z %= R
    if z == 0:
        return 0
    if pow(z, (R - 1) // 2, R) != 1:
        return None
    q, s = R - 1, 0
    while q % 2 == 0:
        q, s = q // 2, s + 1
    c = next(pow(g, q, R) for g in range(2, 100) if pow(g, (R - 1) // 2, R) == R - 1)
    x, t, m = pow(z, (q + 1) // 2, R), pow(z, q, R), s
    while t != 1:
        i, t2 = 0, t
        while t2 != 1:
            t2, i = t2 * t2 % R, i + 1
        b = pow(c, 1 << (m - i - 1), R)
        x, c, t, m = x * b % R, b * b % R, t * b * b % R, i
    return x


def retrace(graph, inputs, overrides: dict | None = None) -> Trace:
    """Every tensor, with ``overrides`` (tensor id → int64 values) replacing computed ones."""
    overrides = overrides or {}
    values = {tid: np.asarray(x, np.int64).reshape(graph.nodes[tid].shape) for tid, x in zip(graph.inputs, inputs)}
    for node in graph.nodes:
        if node.id in overrides:
            values[node.id] = np.asarray(overrides[node.id], np.int64).reshape(node.shape)
            continue
        if node.op == "input":
            continue
        values[node.id], _ = spec(node.op).evaluate(node, [values[i] for i in node.inputs], check=False)
    return Trace(values=values)


@contextlib.contextmanager
def _any_leaf_limbs():
    real = leaves.range_terms

    def limbs_of_anything(rg, tables, vals, bits, what, **kw):
        return real(rg, tables, np.asarray(vals, np.int64) % (1 << bits), bits, what, **kw)

    with umock.patch.object(leaves, "range_terms", limbs_of_anything):
        yield


def oversized(graph, settings, trace):
    """The real circuit laid out from ``trace`` even where a leaf exceeds its bound."""
    with _any_leaf_limbs():
        return lay_out(graph, settings, trace)


def copy_class(circuit, cells: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Every (global column, row) that the copy constraints tie to one of ``cells``."""
    cp = np.asarray(circuit.copies)
    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for a, ra, b, rb in cp.tolist():
        edges.setdefault((a, ra), []).append((b, rb))
        edges.setdefault((b, rb), []).append((a, ra))
    seen, todo = set(), list(cells)
    while todo:
        c = todo.pop()
        if c in seen:
            continue
        seen.add(c)
        todo.extend(edges.get(c, []))
    return seen


def patched(laid, values: dict[tuple[int, int], int]) -> Witness:
    """laid's witness with ``values`` ((global column, row) → field element) written into those
    cells and every cell copied to them."""
    cs = laid.circuit.cs
    cols = {c.index: c for c in cs.columns}
    advice = {c: list(map(int, np.asarray(v).tolist())) for c, v in laid.witness.advice.items()}
    instance = {c: list(map(int, np.asarray(v).tolist())) for c, v in laid.witness.instance.items()}
    for cell, v in values.items():
        for col, row in copy_class(laid.circuit, [cell]):
            target = advice if cols[col].kind == "advice" else instance
            column = target.setdefault(cols[col], [])
            column.extend([0] * (row + 1 - len(column)))
            column[row] = int(v) % R
    conv = lambda d: {c: _native.FrVec.from_ints([x % R for x in v]) for c, v in d.items()}  # noqa: E731
    return Witness(advice=conv(advice), instance=conv(instance))


def instance_ints(witness: Witness, cs) -> list[list[int]]:
    return [[int(v) for v in to_frvec(witness.instance[c], "instance").to_ints()] if c in witness.instance else []
            for c in cs.instance]


def prove_files(witness: Witness, pk_path, srs_path, proof_path, compiled_digest: str) -> list[list[int]]:
    """Prove ``witness`` with the key file and write proof.json (instances, dequantized outputs)
    exactly as ``ezk prove`` does; returns the instances."""
    key = read_key(pk_path, "pk")
    pk = ProvingKey.from_bytes(key.body)
    srs = load_srs_for(srs_path, pk.vk.k)
    proof = plonk_prove(pk, srs, witness)
    inst = instance_ints(witness, pk.vk.cs)
    write_proof(proof_path, proof.to_bytes(), inst, key.header, compiled_digest)
    return inst
