"""Writers of the SRS files real ceremonies ship (snarkjs .ptau, halo2/EZKL ParamsKZG), for tests
that import them: laid out as those tools write them, from a known τ."""

import struct

import numpy as np

from ezk import _native
from ezk.kzg import SRS
from ezk.kzg.ceremony import HALO2_OMEGA_LOG

Q = _native.BASE_MODULUS
R = _native.MODULUS
TAU = 0x1F2E3D4C5B6A79887766554433221100FFEEDDCCBBAA
MONT = pow(2, 256, Q)


def mont(x: int) -> bytes:
    return (x * MONT % Q).to_bytes(32, "little")


def g1_raw(p: _native.G1) -> bytes:
    xy = p.to_xy()
    return b"\x00" * 64 if xy is None else mont(xy[0]) + mont(xy[1])


def g2_raw(p: _native.G2) -> bytes:
    xy = p.to_xy()
    if xy is None:
        return b"\x00" * 128
    (x0, x1), (y0, y1) = xy
    return mont(x0) + mont(x1) + mont(y0) + mont(y1)


def g2_powers(tau: int, n: int) -> list[_native.G2]:
    g = _native.G2.generator()
    return [g.mul(pow(tau, i, R)) for i in range(n)]


# ------------------------------------------------------------------------------ snarkjs


def write_ptau(path, power: int, tau: int = TAU, tau_g2: int | None = None, extra_sections=True):
    """A phase-1 .ptau file laid out as snarkjs writes it (Montgomery LE coordinates)."""
    tau_g2 = tau if tau_g2 is None else tau_g2
    n = 1 << power
    g1 = _native.G1Vec.powers_of_tau(tau, 2 * n)
    sections = [
        (1, struct.pack("<I", 32) + Q.to_bytes(32, "little") + struct.pack("<II", power, power)),
        (2, b"".join(g1_raw(g1[i]) for i in range(2 * n - 1))),
        (3, b"".join(g2_raw(p) for p in g2_powers(tau_g2, n))),
    ]
    if extra_sections:  # alphaTauG1, betaTauG1, betaG2, contributions (none)
        sections += [
            (4, g1_raw(_native.G1.generator()) * n),
            (5, g1_raw(_native.G1.generator()) * n),
            (6, g2_raw(_native.G2.generator())),
            (7, struct.pack("<I", 0)),
        ]
    out = b"ptau" + struct.pack("<II", 1, len(sections))
    for kind, data in sections:
        out += struct.pack("<IQ", kind, len(data)) + data
    path.write_bytes(out)


def write_halo2(path, srs: SRS, lagrange: _native.G1Vec) -> None:
    """ParamsKZG::write (RawBytes): k u32, g, g_lagrange, g2, s_g2."""
    out = struct.pack("<I", srs.k)
    out += b"".join(g1_raw(srs.g1[i]) for i in range(srs.n))
    out += b"".join(g1_raw(lagrange[i]) for i in range(srs.n))
    out += g2_raw(srs.g2) + g2_raw(srs.tau_g2)
    path.write_bytes(out)



def write_halo2_params(path, tau: int, k: int) -> None:
    """A halo2/EZKL ``kzg{k}.srs`` (RawBytes) for τ, its g_lagrange in halo2's order (its
    L'_i is ezk's L_(M·i mod n), see ezk.kzg.ceremony)."""
    n = 1 << k
    g = _native.G2.generator()
    srs = SRS(_native.G1Vec.powers_of_tau(tau, n), g, g.mul(tau))
    ours = _native.G1Vec.lagrange_from_tau(tau, n)
    order = np.arange(n, dtype=np.int64) * HALO2_OMEGA_LOG % n
    halo2 = _native.G1Vec.from_points([ours[int(j)] for j in order])
    write_halo2(path, srs, halo2)
