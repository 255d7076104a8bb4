"""Plain-int reference of the Poseidon sponge (any width, rate 1), for the native kernels' tests:
the permutation as the Poseidon paper writes it, round by round, element by element."""

from ezk.poseidon.spec import R, PoseidonSpec


def permute(spec: PoseidonSpec, state: list[int]) -> list[int]:
    t = spec.width
    for r in range(spec.rounds):
        x = [(state[i] + spec.round_constants[r][i]) % R for i in range(t)]
        for i in range(t if spec.is_full(r) else 1):
            x[i] = pow(x[i], 5, R)
        state = [sum(spec.mds[i][j] * x[j] for j in range(t)) % R for i in range(t)]
    return state


def sponge(spec: PoseidonSpec, message: list[int]) -> tuple[int, list[list[int]]]:
    """(digest, the state at the start of every permutation after absorbing, then the final state)."""
    state = [0] * spec.width
    state[1] = spec.capacity
    starts = []
    for m in message:
        state[0] = (state[0] + m) % R
        starts.append(list(state))
        state = permute(spec, state)
    return state[0], starts + [state]
