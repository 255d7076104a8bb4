"""ezk.plonk — a Halo2-style PLONKish proving system over KZG/BN254.

    cs = ConstraintSystem(); a = cs.advice_column(); s = cs.selector(); ...
    circuit = Circuit(cs=cs, k=10, fixed={s: ...}, copies=...)
    pk, vk = keygen(circuit, srs)
    proof = prove(pk, srs, Witness(advice={a: ...}, instance={...}))
    assert verify(vk, srs.verifier(), instances, proof)
    failures = mock(circuit, witness)
"""

from ezk.plonk.circuit import Circuit, Witness
from ezk.plonk.constraint_system import ConstraintSystem, Gate, Lookup
from ezk.plonk.expression import Column, Constant, Expression, Query
from ezk.plonk.keygen import ProvingKey, VerifyingKey, keygen
from ezk.plonk.mock import MockFailure, mock
from ezk.plonk.proof import Proof
from ezk.plonk.prover import prove
from ezk.plonk.verifier import verify

__all__ = [
    "Circuit", "Column", "Constant", "ConstraintSystem", "Expression", "Gate", "Lookup",
    "MockFailure", "Proof", "ProvingKey", "Query", "VerifyingKey", "Witness", "keygen", "mock",
    "prove", "verify",
]
