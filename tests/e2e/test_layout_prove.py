"""A real proof of a laid-out model: keygen / prove / verify through ezk.plonk, and a proof
whose public output was tampered with fails."""

from __future__ import annotations

import numpy as np
import pytest

from ezk.graph.forward import forward
from ezk.kzg import SRS
from ezk.layout import lay_out
from ezk.plonk import Witness, keygen, prove, verify
from tests.unit.layout_graphs import inputs, settings, small_graph


@pytest.fixture(scope="module")
def proved():
    g = small_graph()
    laid = lay_out(g, settings(k=13), forward(g, inputs(g)))
    srs = SRS.generate(laid.circuit.k, seed=b"ezk-layout-prove-test")
    pk, vk = keygen(laid.circuit, srs)
    return laid, srs, pk, vk, prove(pk, srs, laid.witness)


def test_proof_of_a_laid_out_model_verifies(proved):
    laid, srs, _, vk, proof = proved
    assert verify(vk, srs.verifier(), laid.instances, proof)


def test_tampered_public_output_fails(proved):
    laid, srs, _, vk, proof = proved
    inst = laid.instances[0].copy()
    inst[-1] += 1  # claim another output value for the same proof
    assert not verify(vk, srs.verifier(), [inst], proof)


def test_proof_for_a_wrong_output_fails(proved):
    laid, srs, pk, vk, _ = proved
    inst = laid.instances[0].copy()
    inst[0] += 1  # a prover who claims a wrong output and puts it in the instance
    col = laid.circuit.cs.instance[0]
    bad = prove(pk, srs, Witness(advice=laid.witness.advice, instance={col: inst}, later=laid.witness.later))
    assert not verify(vk, srs.verifier(), [inst], bad)
    assert not verify(vk, srs.verifier(), laid.instances, bad)
