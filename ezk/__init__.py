"""ezk — zero-knowledge proofs of ML inference (ONNX → PLONKish circuit → KZG over BN254)."""

from ezk.errors import ArtifactError, EzkError, UnsupportedOpError, WitnessError

__version__ = "0.1.0"

__all__ = ["EzkError", "ArtifactError", "UnsupportedOpError", "WitnessError", "__version__"]
