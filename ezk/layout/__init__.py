"""ezk.layout: a quantized graph laid out as a PLONKish circuit (see circuit.lay_out)."""

from ezk.layout.circuit import LaidOut, lay_out

__all__ = ["LaidOut", "lay_out"]
