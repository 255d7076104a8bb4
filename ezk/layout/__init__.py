"""ezk.layout: a quantized graph laid out as a PLONKish circuit.

    from ezk.layout import lay_out
    laid = lay_out(graph, settings)           # measuring: structure only (compile, keygen, calibration)
    laid = lay_out(graph, settings, tensors)  # assigning: also the witness (gen-witness, mock, prove)
    laid.circuit, laid.witness, laid.instances, laid.instance_layout, laid.stats, laid.explain(failure)

Modules: cells (tensors as cell references, affine ones included), region (the wrapping block
of advice columns and its row allocator), backend (measuring / assigning), rows (gate-row
primitives), packed (several small relations per LIN row, range-checked in place), gates (the
ConstraintSystem), tables (lookup tables and banks), ops/ (one layout per core-op family:
rescale and extreme hold the packed gadgets), poseidon (the Poseidon gadget of hashed
visibilities, in its own lanes of columns), circuit (lay_out), report (failure → ONNX node),
mutate (the mutation check used by tests).
"""

from ezk.layout.circuit import LaidOut, lay_out

__all__ = ["LaidOut", "lay_out"]
