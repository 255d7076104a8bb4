"""The verifier's fast paths compute exactly what the plain ones do: ``Expression.evaluate``
against the generic ``walk`` fold it is defined by, ``Settings.to_json`` against
``dataclasses.asdict``, the selectors at x by one batch inversion against L_i(x)'s definition."""

from __future__ import annotations

import random
from dataclasses import asdict

import pytest

from ezk import _native
from ezk.errors import EzkError
from ezk.plonk.domain import Domain
from ezk.plonk.expression import ADVICE, Challenge, Column, Constant, Query, _vec_add, _vec_mul, _vec_neg
from ezk.settings import RunArgs, Settings

R = _native.MODULUS


def _walk_evaluate(e, lookup, challenge):
    """The generic fold ``Expression.evaluate`` is."""
    return e.walk(constant=lambda c: c, query=lookup, neg=_vec_neg, add=_vec_add, mul=_vec_mul,
                  scale=lambda a, c: (a * c) % R if isinstance(a, int) else a.scale(c),
                  challenge=None if challenge is None else (lambda ch: challenge(ch) % R))


def _random_expression(rng, cols, chs, depth):
    if depth == 0 or rng.random() < 0.2:
        pick = rng.random()
        if pick < 0.6:
            return Query(rng.choice(cols), rng.choice([-1, 0, 1, 3]))
        if pick < 0.8:
            return Constant(rng.randrange(R))
        return rng.choice(chs)
    a = _random_expression(rng, cols, chs, depth - 1)
    b = _random_expression(rng, cols, chs, depth - 1)
    return rng.choice([lambda: a + b, lambda: a - b, lambda: a * b, lambda: -a,
                       lambda: a * rng.randrange(R), lambda: a ** 2])()


def test_direct_evaluation_equals_the_walk_at_points_and_on_vectors():
    rng = random.Random(11)
    cols = [Column(i, ADVICE, i, f"a{i}") for i in range(4)]
    chs = [Challenge(0, 0, "u"), Challenge(1, 1, "v")]
    ch_vals = {c: rng.randrange(R) for c in chs}
    pt = {(c.index, r): rng.randrange(R) for c in cols for r in (-1, 0, 1, 3)}
    vec = {k: _native.FrVec.random(8, seed=b"%d %d" % k) for k in pt}
    for _ in range(200):
        e = _random_expression(rng, cols, chs, 5)
        at = lambda q: pt[(q.column.index, q.rotation)]  # noqa: E731
        assert e.evaluate(at, ch_vals.__getitem__) == _walk_evaluate(e, at, ch_vals.__getitem__)
        on = lambda q: vec[(q.column.index, q.rotation)]  # noqa: E731
        got, want = e.evaluate(on, ch_vals.__getitem__), _walk_evaluate(e, on, ch_vals.__getitem__)
        assert (got == want) if isinstance(want, int) else (got.to_ints() == want.to_ints())
    with pytest.raises(EzkError, match="challenge 'u'"):
        (Query(cols[0], 0) * chs[0]).evaluate(lambda q: 1)


def test_settings_to_json_is_asdict_and_a_copy():
    st = Settings(run_args=RunArgs(segment_logrows=17), model_input_scales=[7], model_output_scales=[7, 9],
                  model_instance_shapes=[[1, 4], [2, 3]], num_rows=10, lookup_scales={"a": 3, "b": 5},
                  min_logrows=9, model_input_bits=[16])
    want = {"format": "ezk-settings", "version": 2, **asdict(st)}
    assert st.to_json() == want
    d = st.to_json()
    d["model_instance_shapes"][0].append(9)
    d["lookup_scales"]["c"] = 1
    d["run_args"]["variables"].append(["x", 1])
    assert st.to_json() == want  # nothing shared with the settings
    off = Settings(run_args=RunArgs())
    assert "segment_logrows" not in off.to_json()["run_args"]


@pytest.mark.parametrize("k,blinding", [(4, 3), (10, 5), (18, 5)])
def test_selectors_at_x_are_the_lagrange_values(k, blinding):
    d = Domain(k, 5, blinding)
    x = random.Random(k).randrange(R)
    n, w, u = d.n, d.omega, d.usable

    def lagrange(i):
        wi = pow(w, i, R)
        return wi * (pow(x, n, R) - 1) % R * pow(n * (x - wi), -1, R) % R

    assert d.selectors_at(x) == (lagrange(0), lagrange(u), sum(lagrange(i) for i in range(u + 1, n)) % R)
    assert d.lagrange_at([0, 5, u], x) == [lagrange(0), lagrange(5), lagrange(u)]
    with pytest.raises(ValueError):  # x on the domain: no inverse
        d.selectors_at(pow(w, u + 1, R))
