"""The protocol's rounds: what the prover sends in each, and the Fiat–Shamir schedule.

Prover and verifier both drive ONE ``ProofTranscript``: each ``round_*`` method absorbs that
round's message and returns the challenges drawn after it, so the order of absorbs and squeezes
is written once (plonkathon's transcript.py is the model):

    statement         absorb  vk digest, instances
    1. advice, p = 0 … P−1:
                      absorb  AdviceCommitments(p)     [a_j]₁ of phase p   → user challenges of p
                                                         after the last phase → θ
    2. lookups        absorb  MultiplicityCommitments  [m_t]₁              → β, γ
    3. arguments      absorb  ArgumentCommitments      [z_c]₁, [φ_p]₁
    4. random         absorb  RandomCommitment         [r]₁                → y
    5. quotient       absorb  QuotientCommitments      [h_p]₁              → x
    6. evaluations    absorb  Evaluations              p(ω^rot·x)
    7. opening        the GWC batch opening (``ezk.kzg.opening``) absorbs its claims and
                      witnesses [W_j]₁ on ``ProofTranscript.transcript`` and draws v, u.

``Challenges`` is the typed record of every challenge: it grows round by round (a field not
drawn yet is None) and is what the constraint evaluators read (``env.theta`` …,
``env.challenge(ch)``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ezk import _native
from ezk.errors import EzkError
from ezk.plonk.expression import Challenge
from ezk.transcript import Transcript

PROTOCOL = b"ezk-plonk-v2"  # v2: advice and challenges in phases


# ----------------------------------------------------------------------------- messages

@dataclass(frozen=True)
class AdviceCommitments:
    """Round 1, once per phase p."""

    phase: int
    advice: tuple  # [a_j(τ)]₁ for cs.advice_in_phase(p), in column order


@dataclass(frozen=True)
class MultiplicityCommitments:
    """Round 2: the logUp multiplicities."""

    m: tuple  # [m_t(τ)]₁, one per lookup table (cs.lookup_tables())


@dataclass(frozen=True)
class ArgumentCommitments:
    """Round 3: the permutation grand products and the logUp running sums."""

    z: tuple  # [z_c(τ)]₁, one per permutation chunk
    phi: tuple  # [φ_p(τ)]₁, one per lookup chunk


@dataclass(frozen=True)
class RandomCommitment:
    """Round 4: the vanishing argument's random polynomial (zero knowledge)."""

    random: "_native.G1"  # [r(τ)]₁


@dataclass(frozen=True)
class QuotientCommitments:
    """Round 5: the quotient pieces, h(X) = Σ_p X^{n·p}·h_p(X)."""

    h: tuple  # [h_p(τ)]₁, p < D − 1


@dataclass(frozen=True)
class Evaluations:
    """Round 6: every opened polynomial at ω^rot·x (``evaluation_layout`` order)."""

    evals: tuple  # ints mod r


@dataclass(frozen=True)
class Opening:
    """Round 7: the GWC batch opening."""

    witnesses: tuple  # [W_j(τ)]₁, one per opening point


# --------------------------------------------------------------------------- challenges

@dataclass(frozen=True)
class Challenges:
    """Every verifier challenge of one proof, in the order drawn; None until drawn.

    ``user[i]`` is the value of ``cs.challenges[i]`` (drawn after its phase's advice)."""

    user: tuple = ()
    theta: int | None = None  # θ: compresses lookup tuples
    beta: int | None = None  # β: logUp pole, permutation
    gamma: int | None = None  # γ: permutation
    y: int | None = None  # y: folds the constraints
    x: int | None = None  # x: the evaluation point

    def challenge(self, ch: Challenge) -> int:
        """The value of a circuit challenge (an error before its phase is committed)."""
        v = self.user[ch.index] if ch.index < len(self.user) else None
        if v is None:
            raise EzkError(f"challenge {ch.name!r} is drawn after phase {ch.phase}'s advice, not before.")
        return v

    def drawn(self, challenges: list[Challenge]) -> dict[Challenge, int]:
        """{challenge: value} for those of ``challenges`` drawn so far."""
        return {ch: self.user[ch.index] for ch in challenges
                if ch.index < len(self.user) and self.user[ch.index] is not None}


# ---------------------------------------------------------------------------- schedule

class ProofTranscript:
    """The Fiat–Shamir schedule of one proof (module docstring), shared by prover and verifier.

    A round called out of order, or with a message of the wrong shape, is an error: both sides
    go through the same checks, so they cannot drift apart."""

    def __init__(self, vk, instances: list) -> None:
        self.transcript = Transcript(PROTOCOL)
        self._cs = vk.cs
        self._phase = 0
        self._round = "advice"
        self.challenges = Challenges(user=(None,) * len(self._cs.challenges))
        self.transcript.absorb_bytes(b"vk", vk.digest)
        for inst in instances:
            self.transcript.absorb_bytes(b"instance", inst.to_bytes())

    def _enter(self, name: str, then: str) -> None:
        if self._round != name:
            raise EzkError(f"protocol round {name!r} called while round {self._round!r} is due.")
        self._round = then

    def _squeeze(self, label: bytes) -> int:
        return self.transcript.squeeze_challenge(label)

    def round_advice(self, msg: AdviceCommitments) -> Challenges:
        """[a_j]₁ of phase p → the challenges of phase p (and θ after the last phase)."""
        cs, p = self._cs, self._phase
        self._enter("advice", "advice" if p + 1 < cs.num_phases else "multiplicities")
        if msg.phase != p or len(msg.advice) != len(cs.advice_in_phase(p)):
            raise EzkError(f"advice commitments of phase {msg.phase} do not fit phase {p} of the circuit.")
        self.transcript.absorb_points(b"advice%d" % p, msg.advice)
        user = list(self.challenges.user)
        for ch in cs.challenges_in_phase(p):
            user[ch.index] = self._squeeze(b"challenge%d" % ch.index)
        self.challenges = replace(self.challenges, user=tuple(user))
        self._phase += 1
        if self._round == "multiplicities":
            self.challenges = replace(self.challenges, theta=self._squeeze(b"theta"))
        return self.challenges

    def round_multiplicities(self, msg: MultiplicityCommitments) -> Challenges:
        """[m_t]₁ → β, γ."""
        self._enter("multiplicities", "arguments")
        self.transcript.absorb_points(b"m", msg.m)
        beta = self._squeeze(b"beta")
        gamma = self._squeeze(b"gamma")
        self.challenges = replace(self.challenges, beta=beta, gamma=gamma)
        return self.challenges

    def round_arguments(self, msg: ArgumentCommitments) -> Challenges:
        """[z_c]₁, [φ_p]₁ (no challenge: the random polynomial follows)."""
        self._enter("arguments", "random")
        self.transcript.absorb_points(b"z", msg.z)
        self.transcript.absorb_points(b"phi", msg.phi)
        return self.challenges

    def round_random(self, msg: RandomCommitment) -> Challenges:
        """[r]₁ → y."""
        self._enter("random", "quotient")
        self.transcript.absorb_points(b"random", [msg.random])
        self.challenges = replace(self.challenges, y=self._squeeze(b"y"))
        return self.challenges

    def round_quotient(self, msg: QuotientCommitments) -> Challenges:
        """[h_p]₁ → x."""
        self._enter("quotient", "evaluations")
        self.transcript.absorb_points(b"h", msg.h)
        self.challenges = replace(self.challenges, x=self._squeeze(b"x"))
        return self.challenges

    def round_evaluations(self, msg: Evaluations) -> Transcript:
        """The evaluations; returns the transcript the batch opening continues on."""
        self._enter("evaluations", "opening")
        self.transcript.absorb_scalars(b"evals", msg.evals)
        return self.transcript
