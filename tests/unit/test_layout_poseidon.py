"""Hashed visibilities in the layout: the Poseidon gadget proves EZKL's digest of each hashed
input, parameter and output, and the digests sit in the instance column. Attacks first: a
changed input or weight under the honest public hash, a wrong digest, a changed tensor cell,
any changed gadget cell — the mock names each failure."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.errors import EzkError
from ezk.graph.forward import forward
from ezk.layout import lay_out
from ezk.layout.mutate import mutation_check
from ezk.layout.poseidon import rows_per_element
from ezk.plonk import Witness, mock
from ezk.poseidon import poseidon_hash
from ezk.poseidon.hashed import processed
from ezk.settings import RunArgs, check_supported
from tests.unit.hashed_models import hashed_args, hashed_graph, x_values


def _laid(k=10, rescale=False, x=None, vis="hashed"):
    g = hashed_graph(rescale, vis)
    tr = forward(g, [x_values() if x is None else x])
    return g, tr, lay_out(g, hashed_args(k, vis), tr)


def _with_instance(laid, inst):
    return Witness(advice=laid.witness.advice, instance={laid.circuit.cs.instance[0]: inst})


def test_digests_are_public_and_equal_ezkl_poseidon_hash():
    g, tr, laid = _laid()
    assert mock(laid.circuit, laid.witness) == []
    entries = laid.instance_layout
    assert [(e["kind"], e["of"], e["start"]) for e in entries] == [("hash", "input", 0), ("hash", "param", 1),
                                                                     ("hash", "output", 2)]
    want = [poseidon_hash([int(v) for v in tr.values[e["tensor"]].reshape(-1)])[0] for e in entries]
    assert list(laid.instances[0]) == want
    # witness.json's processed hashes (EZKL's little-endian hex) are the same digests
    p = processed(g, hashed_args(), tr.values)
    got = [p[key]["poseidon_hash"][0] for key in ("processed_inputs", "processed_params", "processed_outputs")]
    assert got == [d.to_bytes(32, "little").hex() for d in want]


def test_rows_per_hashed_element_and_degree():
    g, _, laid = _laid(k=13, rescale=True)
    n = 6 + 12 + 8  # input, weight and output elements
    assert rows_per_element() == 36  # 4 + 28 + 4 rows per permutation
    assert laid.stats["hashed_elements"] == n
    assert laid.stats["poseidon_rows"] == 36 * n + 3 and laid.stats["poseidon_lanes"] == 1
    cs = laid.circuit.cs
    pos = [p.degree() for gate in cs.gates if gate.name.startswith("poseidon") for p in gate.polys]
    assert max(pos) == 4
    plain = lay_out(hashed_graph(True, "private"), hashed_args(13, "private"))
    assert cs.degree() == plain.circuit.cs.degree() == 5  # the lookups' degree: the prover pays no more


def test_measuring_and_assigning_give_one_circuit():
    _, _, laid = _laid(k=8)
    measured = lay_out(hashed_graph(), hashed_args(8))
    c1, c2 = measured.circuit, laid.circuit
    assert c1.cs.describe() == c2.cs.describe()
    f1 = {c.name: c1.fixed_column(c.kind_index).to_bytes() for c in c1.cs.fixed}
    f2 = {c.name: c2.fixed_column(c.kind_index).to_bytes() for c in c2.cs.fixed}
    assert f1 == f2
    assert np.array_equal(c1.copy_array(), c2.copy_array())
    assert measured.stats == laid.stats


def test_chains_cross_lanes_and_every_gadget_cell_is_constrained():
    """k = 8 (250 rows a lane): 939 gadget rows wrap over 4 lanes with carry rows; a change to
    any assigned cell — region or gadget — is rejected."""
    _, _, laid = _laid(k=8)
    assert laid.stats["poseidon_lanes"] == 4
    assert mock(laid.circuit, laid.witness) == []
    total = int(sum(m.sum() for m in laid.assigned) + laid.poseidon.assigned.sum())
    n, accepted = mutation_check(laid, count=total, seed=4)
    assert n == total and accepted == []


def test_changed_input_under_the_public_hash_is_rejected():
    """The prover runs the model on x′ ≠ x but claims the verifier's hash of x."""
    g, _, honest = _laid()
    x2 = x_values()
    x2[1, 2] += 1
    _, _, cheat = _laid(x=x2)
    inst = np.array(cheat.instances[0], dtype=object)
    inst[0] = honest.instances[0][0]
    failures = mock(cheat.circuit, _with_instance(cheat, inst))
    assert failures and all(f.kind == "copy" for f in failures)
    assert "the Poseidon digest of input 'x'" in cheat.explain(failures[0])


def test_changed_weight_under_the_public_hash_is_rejected():
    """hashed params bind the private weights: other weights, the honest weights' hash."""
    g = hashed_graph()
    g2 = hashed_graph()
    g2.nodes[1].arrays["value"] = g.nodes[1].arrays["value"] + np.eye(3, 4, dtype=np.int64)
    honest = lay_out(g, hashed_args(), forward(g, [x_values()]))
    cheat = lay_out(g2, hashed_args(), forward(g2, [x_values()]))
    assert cheat.circuit.cs.describe() == honest.circuit.cs.describe()  # private weights: same circuit
    inst = np.array(cheat.instances[0], dtype=object)
    inst[1] = honest.instances[0][1]
    failures = mock(cheat.circuit, _with_instance(cheat, inst))
    assert failures and "the Poseidon digest of param" in cheat.explain(failures[0])


def test_wrong_digest_in_the_instance_is_rejected():
    _, _, laid = _laid()
    for i in range(3):
        inst = np.array(laid.instances[0], dtype=object)
        inst[i] = (inst[i] + 1) % (1 << 254)
        failures = mock(laid.circuit, _with_instance(laid, inst))
        assert [f.name.split(" = ")[0] for f in failures] == [f"instance[{i}]"]


def test_a_tensor_cell_changed_alone_breaks_its_copy_into_the_gadget():
    """The input cell the model reads changed, the gadget's copy left honest: the copy fails."""
    _, _, laid = _laid()
    adv = dict(laid.witness.advice)
    col = laid.circuit.cs.advice[0]  # x[0, 0] is the first free cell of block 0
    arr = np.array(adv[col]).copy()
    arr[0] += 3
    adv[col] = arr
    failures = mock(laid.circuit, Witness(advice=adv, instance=laid.witness.instance))
    assert any(f.kind == "copy" and "p0_0" in f.name for f in failures)


def test_hashed_private_outlets_is_refused_in_one_sentence():
    with pytest.raises(EzkError, match="input_visibility 'hashed/private/0' .*not supported"):
        check_supported(RunArgs(input_visibility="hashed/private/0").validate())
    assert RunArgs(input_visibility="hashed/public", param_visibility="hashed").validate()
    g = hashed_graph(vis="hashed/public")
    laid = lay_out(g, hashed_args(vis="hashed/public"), forward(g, [x_values()]))
    assert [e["of"] for e in laid.instance_layout] == ["input", "param", "output"]
    with pytest.raises(EzkError, match="not supported by the circuit layout"):
        lay_out(g, RunArgs(logrows=10, input_visibility="fixed"))
