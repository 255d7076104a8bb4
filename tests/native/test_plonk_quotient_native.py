"""The native quotient (compiled constraint program, ``ezk.plonk.quotient``) equals the Python
reference evaluator (``vanishing.quotient_pieces``) byte for byte, whatever the evaluation
groups; the groups respect their memory budget; bad programs are refused.

Random coefficients for every polynomial (the constraints are not satisfied, so the "quotient"
is just an interpolant) make every term of every constraint count; those comparisons use
``split=False``. The split by degree (low-degree constraints on the even sub-cosets only) is
exact for polynomials that satisfy the constraints: it is compared on honest provers' ones."""

from __future__ import annotations

import numpy as np
import pytest

from ezk import _native
from ezk.plonk.circuit import domain_of
from ezk.plonk.program import FRAME_KEYS, compile_constraints
from ezk.plonk.protocol import Challenges
from ezk.plonk.quotient import QuotientEvaluator, evaluation_groups
from ezk.plonk.vanishing import all_constraints, quotient_pieces
from tests.native.plonk_circuits import fibonacci, lookups, multiply_accumulate, multiset_two_phase, weighted_lookups

R = _native.MODULUS


def _random_inputs(ev: QuotientEvaluator):
    d = ev.domain
    coeffs = {key: _native.FrVec.random(d.n, repr(key).encode()) for key in ev.program.keys if key not in FRAME_KEYS}
    selectors = tuple(_native.intt(d.row_indicator(r)) for r in
                      (range(0, 1), range(d.usable, d.usable + 1), range(d.usable + 1, d.n)))
    return coeffs, selectors


def _assert_native_equals_reference(cs, d, budget_bytes=None):
    ev = QuotientEvaluator(cs, d, budget_bytes, split=False)
    coeffs, selectors = _random_inputs(ev)
    user = tuple(55 + i for i in range(len(cs.challenges)))
    challenges = Challenges(user=user, theta=11, beta=22, gamma=33, y=44)
    want = quotient_pieces(coeffs, selectors, cs, d, challenges)
    got = ev.pieces(coeffs, challenges)
    assert len(got) == d.pieces
    assert [g.to_bytes() for g in got] == [w.to_bytes() for w in want]
    return ev


@pytest.mark.parametrize("build", [fibonacci, multiply_accumulate, lookups, multiset_two_phase, weighted_lookups])
@pytest.mark.parametrize("budget", [None, 1])  # one group, or one polynomial vector per group
@pytest.mark.parametrize("batch", ["1", "3"])  # transforms one at a time, or side by side
def test_native_quotient_equals_the_python_reference(build, budget, batch, monkeypatch):
    monkeypatch.setenv("EZK_QUOTIENT_BATCH", batch)
    circuit = build()[0]
    d = domain_of(circuit.cs, circuit.k)
    ev = _assert_native_equals_reference(circuit.cs, d, budget)
    assert (len(ev.groups) == 1) == (budget is None)


def _freivalds_circuit():
    from ezk.layout import lay_out
    from tests.einsum_graphs import einsum_graph, settings, trace

    g = einsum_graph("advice")
    laid = lay_out(g, settings(9, output_visibility="private"), trace(g))
    return laid.circuit, laid.witness, laid.instances


@pytest.mark.parametrize("build", [fibonacci, multiply_accumulate, lookups, multiset_two_phase, weighted_lookups, _freivalds_circuit])
def test_split_by_degree_equals_the_reference_on_an_honest_provers_polynomials(build, monkeypatch):
    """Inside a real proof: the split evaluator's pieces equal the reference's on the prover's
    own polynomials (every constraint vanishes on H), with fewer sub-coset transforms, and the
    proof verifies."""
    from ezk.kzg import SRS
    from ezk.plonk import keygen, prove, verify
    from ezk.plonk import prover as prover_module

    circuit, witness, instances = build()[:3]
    srs = SRS.generate(circuit.k, seed=b"split-by-degree")
    pk, vk = keygen(circuit, srs)
    seen = []

    def both(pk, srs, polys, ch):
        d = pk.vk.domain
        want = quotient_pieces(polys, prover_module._selectors(d), pk.vk.cs, d, ch)
        ev, whole = QuotientEvaluator(pk.vk.cs, d), QuotientEvaluator(pk.vk.cs, d, split=False)
        got = ev.pieces(polys, ch)
        whole.pieces(polys, ch)
        assert [g.to_bytes() for g in got] == [w.to_bytes() for w in want]
        seen.append((ev.low, ev.transforms, whole.transforms))
        return prover_module.QuotientCommitments(tuple(prover_module.commit(srs, p) for p in got)), got

    monkeypatch.setattr(prover_module, "round_quotient", both)
    proof = prove(pk, srs, witness)
    assert verify(vk, srs.verifier(), instances, proof)
    (low, split_transforms, whole_transforms), = seen
    assert split_transforms <= whole_transforms


def test_native_quotient_equals_the_reference_on_a_zoo_model(shared_dir, tmp_path):
    from ezk import api
    from ezk.compiled import load_compiled
    from ezk.layout import lay_out

    model = shared_dir / "zoo" / "layernorm"
    if not model.is_dir():
        pytest.skip("the zoo model layernorm is absent")
    settings, compiled = tmp_path / "settings.json", tmp_path / "model.compiled"
    api.gen_settings(model / "network.onnx", settings)
    api.calibrate_settings(model / "network.onnx", model / "input.json", settings, target="resources")
    api.compile_circuit(model / "network.onnx", compiled, settings)
    comp = load_compiled(compiled)
    circuit = lay_out(comp.graph, comp.settings).circuit
    d = domain_of(circuit.cs, circuit.k)
    _assert_native_equals_reference(circuit.cs, d)
    _assert_native_equals_reference(circuit.cs, d, budget_bytes=4 * d.n * 32)


@pytest.mark.parametrize("case", ["fixed", "advice"])
def test_native_quotient_equals_the_reference_on_a_freivalds_circuit(case):
    """Phase-1 columns, challenge powers (α^W, β^F) and the fixed Horner rows' β-folded LIN
    coefficients of a Freivalds check (ezk/layout/phase1.py), in both evaluators."""
    from ezk.layout import lay_out
    from tests.einsum_graphs import einsum_graph, settings, trace

    g = einsum_graph(case)
    circuit = lay_out(g, settings(9, output_visibility="private")).circuit
    assert any(c.phase == 1 for c in circuit.cs.advice) and circuit.cs.challenges
    d = domain_of(circuit.cs, circuit.k)
    _assert_native_equals_reference(circuit.cs, d)
    _assert_native_equals_reference(circuit.cs, d, budget_bytes=4 * d.n * 32)


def test_every_instruction_kind_matches_the_reference():
    """Squares, negations, subtractions from constants, a constraint that folds to the constant
    0 (a − a), a bare polynomial as a constraint, a challenge times a column, rotations ±2."""
    from ezk.plonk import ConstraintSystem

    cs = ConstraintSystem()
    a, b, c = (cs.advice_column(x) for x in "abc")
    u = cs.challenge(0, "u")
    s = cs.selector("s")
    cs.create_gate("kinds", {
        "square": s.cur() * (a.cur() * a.cur() - b.cur()),
        "neg": -(a.rot(-2)) + 7 - c.rot(2),
        "zero": a.cur() - a.cur(),
        "bare": b.next(),
        "challenge": u * c.cur() - s.cur() * u,
    })
    cs.enable_equality(a)
    d = domain_of(cs, 5)
    ev = _assert_native_equals_reference(cs, d)
    _assert_native_equals_reference(cs, d, budget_bytes=1)
    assert ev.program.builder.nodes[ev.program.roots[2]] == (0, 0, 0)  # the constant 0


def test_shared_subexpressions_are_one_node():
    """Two gates over the same product, and the permutation's repeated (v + γ) terms, are
    compiled once: the DAG is smaller than the sum of the constraints' trees."""
    from ezk.plonk import ConstraintSystem

    cs = ConstraintSystem()
    a, b, c = (cs.advice_column(x) for x in "abc")
    s1, s2 = cs.selector("s1"), cs.selector("s2")
    cs.create_gate("g1", [s1.cur() * (a.cur() * b.cur() - c.cur())])
    cs.create_gate("g2", [s2.cur() * (a.cur() * b.cur() + c.cur())])
    d = domain_of(cs, 5)
    prog = compile_constraints(cs, d)
    nodes = prog.builder.nodes
    products = [i for i, (op, x, y) in enumerate(nodes) if op == 4 and {nodes[x][0], nodes[y][0]} == {-1}
                and {nodes[x][1], nodes[y][1]} == {prog.keys.index(("col", a.index)), prog.keys.index(("col", b.index))}]
    assert len(products) == 1
    assert len(prog.roots) == 2 and len(set(prog.roots)) == 2


def test_groups_respect_the_budget_and_load_each_polynomial_once():
    circuit = lookups()[0]
    d = domain_of(circuit.cs, circuit.k)
    prog = compile_constraints(circuit.cs, d)
    frame = {prog.keys.index(k) for k in FRAME_KEYS if k in prog.keys}
    widest = max(len(r - frame) for r in prog.reads)
    for budget in (1, 3, 6, 100):
        groups = evaluation_groups(prog, budget)
        assert sorted(k for g in groups for k in g.constraints) == list(range(len(prog.roots)))
        loaded = [s for g in groups for s in g.load]
        released = [s for g in groups for s in g.release]
        assert sorted(loaded) == sorted(released) == sorted(set(loaded))  # each once
        alive: set = set()
        for g in groups:
            alive |= set(g.load)
            assert len(alive) <= max(budget, widest)
            assert all(prog.reads[k] - frame <= alive for k in g.constraints)
            alive -= set(g.release)
        assert not alive


def test_constraint_order_is_the_reference_order():
    """The program's roots are ``all_constraints`` in order (the fold by y depends on it)."""
    circuit = fibonacci()[0]
    d = domain_of(circuit.cs, circuit.k)
    prog = compile_constraints(circuit.cs, d)

    class Count:
        domain = d
        theta = beta = gamma = l0 = l_last = l_blind = active = X = 1

        def query(self, q):
            return 1

        def challenge(self, ch):
            return 1

        def get(self, key, rot):
            return 1

    assert len(prog.roots) == sum(1 for _ in all_constraints(Count(), circuit.cs))


def test_sub_coset_transforms_side_by_side_equal_one_at_a_time():
    n = 64
    coeffs = [_native.FrVec.random(n, bytes([i])) for i in range(5)] + [_native.FrVec.random(n // 2, b"short")]
    for j in range(4):
        one = [_native.subcoset_ntt(c, n, 4 * n, j) for c in coeffs]
        assert [v.to_bytes() for v in _native.subcoset_ntt_many(coeffs, n, 4 * n, j)] == [v.to_bytes() for v in one]
        assert _native.subcoset_ntt_many(coeffs[:1], n, 4 * n, j)[0] == one[0]
    with pytest.raises(ValueError, match="do not fit"):
        _native.subcoset_ntt_many([_native.FrVec.zeros(2 * n)], n, 4 * n, 0)
    with pytest.raises(ValueError, match="does not exist"):
        _native.subcoset_ntt_many(coeffs, n, 4 * n, 4)


def test_bad_programs_are_refused():
    empty = np.zeros((0, 3), dtype=np.int64)
    neg_of_unwritten_register = np.array([[5, 0, 0, 0, 0, 0, 0, 0]], dtype=np.int64)
    with pytest.raises(ValueError, match="read before it is written"):
        _native.QuotientProgram([], empty, neg_of_unwritten_register, 1, 1, 0)
    slot_out_of_range = np.array([[5, 0, 1, 3, 0, 0, 0, 0]], dtype=np.int64)
    with pytest.raises(ValueError, match="slot 3 is out of range"):
        _native.QuotientProgram([], empty, slot_out_of_range, 1, 1, 0)
    ok = _native.QuotientProgram([], empty, np.array([[5, 0, 1, 0, 0, 0, 0, 0]], dtype=np.int64), 1, 1, 0)
    with pytest.raises(ValueError, match="slot 0 is read but not given"):
        ok.evaluate([None], [], 1, _native.FrVec.zeros(8))
    with pytest.raises(ValueError, match="has 4 values, not 8"):
        ok.evaluate([_native.FrVec.zeros(4)], [], 1, _native.FrVec.zeros(8))


class _OpenedAtRandom(dict):
    """Opened values on demand: a deterministic random field element for each (key, rotation)
    the constraints read (the verifier's evaluations of a proof that need not be honest)."""

    def __missing__(self, key):
        self[key] = int.from_bytes(repr(key).encode().ljust(32, b"#")[:32], "little") * 0x9E3779B97F4A7C15 % R
        return self[key]


@pytest.mark.parametrize("build", [fibonacci, multiply_accumulate, lookups, multiset_two_phase, weighted_lookups, _freivalds_circuit])
def test_the_verifiers_compiled_quotient_equals_the_python_walk(build):
    """h(x) by the compiled DAG (``expected_quotient_compiled``, what the verifier runs) equals
    ``expected_quotient``'s walk over the constraints at any x and any opened values: gates,
    permutation, logUp and circuit challenges alike."""
    from ezk.plonk.vanishing import PointEnv, expected_quotient, expected_quotient_compiled

    circuit = build()[0]
    cs, k = circuit.cs, circuit.k
    d = domain_of(cs, k)
    for x in (0x1234567, R - 99, pow(7, 77, R)):
        values = _OpenedAtRandom()
        user = tuple((x * (i + 3)) % R for i in range(len(cs.challenges)))
        ch = Challenges(user=user, theta=x * 11 % R, beta=x * 22 % R, gamma=x * 33 % R, y=x * 44 % R, x=x)
        want = expected_quotient(PointEnv(d, values, ch), cs)  # fills every value the constraints read
        assert expected_quotient_compiled(PointEnv(d, values, ch), cs) == want
        values[next(iter(values))] += 1  # and one opened value changed changes both alike
        assert expected_quotient_compiled(PointEnv(d, values, ch), cs) == expected_quotient(PointEnv(d, values, ch), cs)
