"""The one exception family ezk raises for user-facing problems.

Every failure a user can cause (a bad file, an unsupported op, a value out of range, a proof
that does not verify for a malformed reason) is an :class:`EzkError` whose message is one
clear sentence. The CLI prints that sentence and exits non-zero; any other exception is a bug.
"""


class EzkError(Exception):
    """A user-facing error: the message is one sentence that says what is wrong."""


class UnsupportedOpError(EzkError):
    """An ONNX operator (or attribute combination) ezk cannot lower."""


class ArtifactError(EzkError):
    """A file ezk reads is missing, corrupt, of the wrong kind or of another model."""


class WitnessError(EzkError):
    """The input cannot be turned into a provable witness (shape, range, NaN …)."""


class ResourceError(EzkError):
    """The machine lacks the memory a step needs (the model is too large for it, not malformed)."""


class OutOfMemoryError(ResourceError):
    """The model's circuit does not fit this machine's memory in one piece (segments do)."""
