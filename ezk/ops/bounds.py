"""The integer bounds the circuit proves, each defined once (the forward pass refuses a witness
outside them, the layout range-checks them; both import these names).

* COMPARE_BITS: a comparison a ≥ b is proven through a range check of its gap, so every
  comparison needs |a − b| < 2^COMPARE_BITS (ezk.layout.ops.compare, argmax).
* RESCALE_BITS: a rescale's output q is range-checked, −2^(RESCALE_BITS−1) ≤ q < 2^(RESCALE_BITS−1)
  (ezk.layout.ops.linear.rescale: without that bound a prover could pick another remainder and
  a wrapped q).
* Leaves — model inputs and private parameters — are advice cells the prover chooses freely, so
  each element is range-checked too (ezk.layout.ops.leaves): a quantized leaf q at scale s must
  satisfy −2^B ≤ q < 2^B, B = leaf_bits(s, lookup_range) = min(s + L, RESCALE_BITS − 1) with
  L = max(LEAF_FLOAT_BITS, ⌈log₂ max(−lo, hi)⌉). In float units: −2^L ≤ x < 2^L — ±65536, or
  the lookup range if that is wider — at the leaf's resolution. The bound never shrinks with the
  lookup range (calibration narrows tables down to ±2^6, and token ids or pixel values must
  stay provable), and it keeps every leaf below the bound every rescaled value satisfies.
  Without it a leaf is any field element: x = √z mod r for a negative z "proves" x·x = z.
  The lowering stamps B on each leaf node (``attrs["bound_bits"]``), so the compiled graph
  states the bound, the forward pass checks it and the layout proves it.
"""

from __future__ import annotations

import numpy as np

from ezk.errors import WitnessError

COMPARE_BITS = 48
RESCALE_BITS = 36
LEAF_FLOAT_BITS = 16


def leaf_bits(scale: int, lookup_range) -> int:
    """B with −2^B ≤ q < 2^B for a leaf (input or private parameter) quantized at ``scale``."""
    lo, hi = (int(v) for v in lookup_range)
    magnitude = max(LEAF_FLOAT_BITS, (max(-lo, hi, 1) - 1).bit_length())
    return min(int(scale) + magnitude, RESCALE_BITS - 1)


def describe_leaf_bound(bits: int, scale: int) -> str:
    """'[-65536, 65536) (q in [-2^23, 2^23) at scale 7)'."""
    f = 2.0 ** (bits - scale)
    return f"[-{f:g}, {f:g}) (q in [-2^{bits}, 2^{bits}) at scale {scale})"


def check_leaf(node, values: np.ndarray, what: str) -> None:
    """A WitnessError naming the leaf and its bound when some q ∉ [−2^B, 2^B) (no-op without a bound)."""
    bits = node.attrs.get("bound_bits")
    v = np.asarray(values)
    if bits is None or v.size == 0:
        return
    lim = 1 << int(bits)
    lo, hi = int(v.min()), int(v.max())
    if lo < -lim or hi >= lim:
        bad = lo if lo < -lim else hi
        raise WitnessError(
            f"{what} holds {bad / 2.0 ** node.scale:g} (quantized {bad}), outside the bound "
            f"{describe_leaf_bound(int(bits), node.scale)} that the settings promise for every input and private parameter"
        )
