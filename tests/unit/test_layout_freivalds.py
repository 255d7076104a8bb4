"""Freivalds checks for einsums (ezk/layout/ops/freivalds.py, phase1.py): the honest witness
passes, both backends give one circuit, the row counts that choose the layout are exact, and a
wrong product — off by one, or tuned to one fixed challenge — is named by the mock."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.layout import lay_out
from ezk.layout.backend import MeasuringBackend
from ezk.layout.cells import Cells
from ezk.layout.mutate import mutation_check
from ezk.layout.ops import freivalds
from ezk.layout.phase1 import phase1_of
from ezk.layout.region import Geometry, Region
from ezk.plonk import CopyFailure, mock
from tests.einsum_graphs import CASES, einsum_graph, settings, trace, wrong_product


def _same_circuit(c1, c2) -> None:
    assert c1.cs.describe() == c2.cs.describe()
    f1 = {c.name: np.asarray(v) for c, v in c1.fixed.items()}
    f2 = {c.name: np.asarray(v) for c, v in c2.fixed.items()}
    assert f1.keys() == f2.keys() and all(np.array_equal(f1[k], f2[k]) for k in f1)
    assert np.array_equal(c1.copy_array(), c2.copy_array())


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("k", [12, 9])  # 2^9 (the leaves' range table needs 256 rows), four
def test_honest_product_passes_and_both_backends_agree(case, k):  # copies: checks wrap over blocks
    g = einsum_graph(case, copies=1 if k == 12 or case == "wide" else 4)  # "wide" wraps alone
    ra = settings(k, output_visibility="private")
    laid = lay_out(g, ra, trace(g))
    assert laid.stats["freivalds_checks"] >= 1
    assert mock(laid.circuit, laid.witness) == []
    measured = lay_out(g, ra)
    _same_circuit(measured.circuit, laid.circuit)
    assert measured.stats == laid.stats
    if k == 9 and case != "small":
        assert laid.stats["blocks"] > 1 and laid.stats["carry_rows"] > 0


def test_constants_inside_an_operand_use_shared_cells():
    g = einsum_graph("advice", pad=True)
    laid = lay_out(g, settings(), trace(g))
    assert laid.stats["freivalds_checks"] == 1
    assert mock(laid.circuit, laid.witness) == []


@pytest.mark.parametrize("case", ["fixed", "advice"])
def test_affine_operands_are_materialised_first(case):
    """3 − x (and 2·y + 1) are affine references (no row); the check's Horner chains read bare
    cells, so the operands get cells of their own first — and a wrong product is still named."""
    g = einsum_graph(case, affine=True)
    node = g.nodes[g.outputs[0]]
    assert {g.nodes[i].op for i in node.inputs} <= {"sub", "add", "const"}
    laid = lay_out(g, settings(output_visibility="private"), trace(g))
    assert laid.stats["freivalds_checks"] == 1
    assert mock(laid.circuit, laid.witness) == []
    bad = lay_out(g, settings(output_visibility="private"), wrong_product(g, {3: 1}))
    failures = mock(bad.circuit, bad.witness)
    assert failures and all(isinstance(f, CopyFailure) for f in failures)
    n, accepted = mutation_check(laid, count=300, seed=2)
    assert accepted == []


def test_bare_refuses_an_affine_reference():
    rg = Region(Geometry.from_inner_cols(2), 1 << 20, MeasuringBackend(12))
    aff = Cells.at(np.arange(4), 0).scaled(-1, 3)
    with pytest.raises(AssertionError, match="affine"):
        freivalds._bare(phase1_of(rg), aff)


@pytest.mark.parametrize("case", ["fixed", "advice"])
def test_disable_freivalds_keeps_the_direct_layout(case):
    g = einsum_graph(case)
    direct = lay_out(g, settings(disable_freivalds=True), trace(g))
    checked = lay_out(g, settings(), trace(g))
    assert direct.stats["freivalds_checks"] == 0 and not direct.phase1_columns
    assert not any(c.phase for c in direct.circuit.cs.advice)
    assert checked.stats["num_rows"] < direct.stats["num_rows"]
    assert np.array_equal(direct.instances[0], checked.instances[0])  # the same public output
    assert mock(direct.circuit, direct.witness) == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_row_counts_match_the_rows_placed(case):
    """The layout chooses by ``rows_direct`` / ``rows_freivalds``: both must be the rows the
    two layouts really place (carries aside)."""
    eq, sx, sw, fixed = CASES[case]
    rng = np.random.default_rng(0)
    for lean in (0, 1):
        for transpose in (False, True) if not fixed else (False,):
            rg = Region(Geometry.from_inner_cols(2), 1 << 20, MeasuringBackend(12), lean=lean)
            x = Cells.at(np.arange(int(np.prod(sx))).reshape(sx), 0)
            w = Cells.const(rng.integers(-9, 9, size=sw)) if fixed else Cells.at(np.arange(int(np.prod(sw))).reshape(sw), 1)
            p = freivalds.plan(eq, x, w)
            if transpose:
                p = freivalds._transposed(p)
            want = freivalds.rows_freivalds(rg, p)
            before = rg.rows
            freivalds.check(_ctx(rg), p, np.zeros((p.G, p.I, p.J), np.int64))
            assert rg.rows - before == want, (case, lean, transpose)
            assert phase1_of(rg).checks == p.G


def test_direct_row_count_matches_the_direct_layout():
    for case in ("fixed", "advice", "batched"):
        g = einsum_graph(case)
        laid = lay_out(g, settings(disable_freivalds=True, output_visibility="private"))
        node = g.nodes[g.outputs[0]]
        a, b = (g.nodes[i] for i in node.inputs)
        x = Cells.at(np.zeros(a.shape, np.int64), 0)
        w = Cells.const(b.arrays["value"]) if b.op == "const" else Cells.at(np.zeros(b.shape, np.int64), 0)
        rg = Region(Geometry.from_inner_cols(2), 1 << 20, MeasuringBackend(12), lean=laid.stats["lean"])
        p = freivalds.plan(node.attrs["equation"], x, w)
        placed = int((np.concatenate(laid.row_node) == node.id).sum())
        assert freivalds.rows_direct(rg, p) == placed, case


class _ctx:
    def __init__(self, rg):
        self.rg = rg


def test_off_by_one_product_is_named_by_the_mock():
    for case in ("fixed", "advice", "batched", "transposed"):
        g = einsum_graph(case)
        laid = lay_out(g, settings(), wrong_product(g, {5: 1}))
        failures = mock(laid.circuit, laid.witness)
        assert failures, case
        # the only violated constraint is the check's final copy c̃ = D, in the einsum's rows
        assert all(isinstance(f, CopyFailure) and f.a.column_name.startswith("y") for f in failures), case
        assert "einsum" in laid.explain(failures[0]) and "Freivalds check fails" in laid.explain(failures[0])


def _challenge(cs, name):
    return next(ch for ch in cs.challenges if ch.name == name)


def test_a_product_tuned_to_one_challenge_fails_for_drawn_ones():
    """C' = C + E with E[i, j] = 1, E[i, j+1] = −β₀: Σ α^(I−1−i)·β^(J−1−j)·E = α^(I−1−i)·β^(J−2−j)·(β − β₀)
    vanishes at β = β₀ for every α — so the prover must commit to C' before β is drawn."""
    g = einsum_graph("fixed")
    beta0 = 11
    laid = lay_out(g, settings(), wrong_product(g, {40: 1, 41: -beta0}))
    beta = _challenge(laid.circuit.cs, "frv_beta")
    assert mock(laid.circuit, laid.witness, challenges={beta: beta0}) == []  # the forgery holds at β₀
    failures = mock(laid.circuit, laid.witness)  # random α, β
    assert failures and all(isinstance(f, CopyFailure) for f in failures)
    assert mock(laid.circuit, laid.witness, challenges={beta: beta0 + 1})


def test_every_cell_of_a_small_check_is_constrained():
    g = einsum_graph("small")
    laid = lay_out(g, settings(), trace(g))
    assert laid.stats["freivalds_checks"] == 1
    total = int(sum(m.sum() for m in laid.assigned)) + int(sum(m.sum() for m in laid.phase1_assigned if m is not None))
    n, accepted = mutation_check(laid, count=total, seed=3)
    assert n == total and accepted == []


def test_mutation_summary_covers_phase1_cells():
    g = einsum_graph("batched", copies=4)
    laid = lay_out(g, settings(k=9, output_visibility="private"), trace(g))
    from ezk.layout import mutate

    total = int(sum(m.sum() for m in laid.assigned)) + int(sum(m.sum() for m in laid.phase1_assigned if m is not None))
    picked = mutate._pick(laid, total, np.random.default_rng(0))
    assert sum(1 for _, _, col in picked if col.phase == 1) == sum(int(m.sum()) for m in laid.phase1_assigned if m is not None)
    n, accepted = mutation_check(laid, count=400, seed=5)
    assert accepted == []


def test_cli_disable_freivalds_is_stored_and_used(tmp_path, capsys):
    from cli.main import main
    from ezk.compiled import load_compiled
    from ezk.settings import Settings
    from tests.einsum_graphs import matmul_onnx

    model, _ = matmul_onnx(tmp_path / "network.onnx")
    stats = {}
    for flag in ([], ["--disable-freivalds"]):
        out = tmp_path / f"settings{len(flag)}.json"
        main(["gen-settings", "-M", str(model), "-O", str(out), *flag])  # returns on success
        assert "no effect" not in capsys.readouterr().err
        s = Settings.load(out)
        assert s.run_args.disable_freivalds == bool(flag)
        compiled = tmp_path / f"model{len(flag)}.compiled"
        from ezk import api

        api.compile_circuit(model, compiled, out)
        comp = load_compiled(compiled)
        stats[bool(flag)] = lay_out(comp.graph, comp.settings).stats
    assert stats[False]["freivalds_checks"] == 1 and stats[True]["freivalds_checks"] == 0
    assert stats[False]["num_rows"] < stats[True]["num_rows"]
