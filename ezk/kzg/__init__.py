"""KZG polynomial commitments over BN254: SRS (generation, ezk/ptau/halo2 files), commitments in
coefficient or Lagrange form, single and GWC batch openings verified with one multi-pairing."""

from ezk.kzg.commit import commit, commit_lagrange
from ezk.kzg.opening import (
    Combination,
    PairingClaim,
    ProverQuery,
    VerifierQuery,
    batch_open,
    batch_verify,
    batch_verify_deferred,
    check_pairing_claims,
    open_at,
    verify_opening,
)
from ezk.kzg.srs import SRS, VerifierSRS, load_srs

__all__ = [
    "SRS",
    "VerifierSRS",
    "load_srs",
    "commit",
    "commit_lagrange",
    "Combination",
    "PairingClaim",
    "ProverQuery",
    "VerifierQuery",
    "batch_open",
    "batch_verify",
    "batch_verify_deferred",
    "check_pairing_claims",
    "open_at",
    "verify_opening",
]
