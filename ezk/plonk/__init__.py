"""ezk.plonk — a Halo2-style PLONKish proving system over KZG/BN254.

    cs = ConstraintSystem(); a = cs.advice_column(); s = cs.selector(); ...
    circuit = Circuit(cs=cs, k=10, fixed={s: ...}, copies=...)
    pk, vk = keygen(circuit, srs)
    proof = prove(pk, srs, Witness(advice={a: ...}, instance={...}))
    assert verify(vk, srs.verifier(), instances, proof)
    failures = mock(circuit, witness)        # [] or typed GateFailure / LookupFailure / CopyFailure

Modules: ``protocol`` (the rounds' messages, the ``Challenges`` record and the Fiat–Shamir
schedule shared by ``prover`` and ``verifier``), ``constraint_system`` / ``expression`` (the
circuit's shape), ``vanishing`` / ``permutation`` / ``lookup`` (the arguments), ``polys`` and
``budget`` (the streaming prover's memory), ``keygen``, ``proof``, ``mock``.

How to write a multi-phase circuit
----------------------------------
Advice of phase p ≥ 1 is committed after the challenges of the earlier phases are drawn, so
its values may depend on them (halo2's phases). Example: prove Σᵢ xᵢ·uⁱ for a challenge u
drawn after x is committed (a random linear combination, the core of a Freivalds check):

    cs = ConstraintSystem()
    x = cs.advice_column("x")                    # phase 0: committed first
    u = cs.challenge(phase=0, name="u")          # drawn after every phase-0 column is committed
    acc = cs.advice_column("acc", phase=1)       # phase 1: may depend on u
    s = cs.selector("s")
    # acc(ωX) = acc(X)·u + x(X) on selected rows: a challenge is an Expression of degree 0
    cs.create_gate("rlc", {"step": s.cur() * (acc.next() - acc.cur() * u - x.cur())})

    def later(phase, challenges):                # called once per phase ≥ 1, in order
        uv = challenges[u]                       # every challenge of phases < ``phase``
        return {acc: running_values(xs, uv)}     # FrVec or int arrays, ≤ usable rows

    witness = Witness(advice={x: xs}, later=later)

keygen, the measuring side of a layout and the verifier need only the structure (columns,
phases, challenges, gates); values are asked for at proving (and mock) time only. ``mock``
draws random challenges (or takes ``challenges={u: …}``) and calls ``later`` the same way.
Powers uᵏ are ``u ** k`` (small k) or, for long vectors, a phase-1 column constrained by
``pow(ωX) = pow(X)·u``. Every advice column of every phase gets blinding rows.

Hooks for linking proofs: ``prove(..., advice_blinding={column index: n − u values})`` reuses
given blinding values (equal values + equal blinding ⇒ equal commitments), and
``verify_deferred`` returns the final KZG ``PairingClaim`` instead of checking it, so many
proofs are checked with one ``ezk.kzg.check_pairing_claims`` multi-pairing.
"""

from ezk.plonk.circuit import Circuit, Witness
from ezk.plonk.constraint_system import ConstraintSystem, Gate, Lookup
from ezk.plonk.expression import Challenge, Column, Constant, Expression, Query
from ezk.plonk.keygen import ProvingKey, VerifyingKey, keygen
from ezk.plonk.mock import Cell, CopyFailure, GateFailure, LookupFailure, MockFailure, mock
from ezk.plonk.proof import Proof
from ezk.plonk.protocol import Challenges, ProofTranscript
from ezk.plonk.prover import prove
from ezk.plonk.verifier import verify, verify_deferred

__all__ = [
    "Cell", "Challenge", "Challenges", "Circuit", "Column", "Constant", "ConstraintSystem", "CopyFailure",
    "Expression", "Gate", "GateFailure", "Lookup", "LookupFailure", "MockFailure", "Proof", "ProofTranscript",
    "ProvingKey", "Query", "VerifyingKey", "Witness", "keygen", "mock", "prove", "verify", "verify_deferred",
]
