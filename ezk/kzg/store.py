"""The local SRS directories: where setup, prove and verify look for ``kzg{k}.srs`` when no
``--srs-path`` is given, and ``get-srs``, which prepares such a file offline from a ceremony
file found there.

Directories, searched in this order: ``$EZK_SRS_DIR`` (when set), ``~/.ezk/srs``, and EZKL's
``$EZKL_REPO_PATH/srs`` (default ``~/.ezkl/srs``). ezk writes into the first of ``$EZK_SRS_DIR``
and ``~/.ezk/srs``, never into EZKL's directory unless asked with ``--srs-path`` (EZKL reads
only its own format there).

``get_srs(k)``: a file named ``kzg{k}.srs`` that already holds 2^k powers and their size-2^k
Lagrange basis is used as it is; otherwise the smallest ceremony file in the directories with at
least 2^k powers (EZKL/halo2 ``kzg{K}.srs``, snarkjs ``*.ptau``, ezk ``*.srs``) is read, its
powers checked for consistency, the size-2^k Lagrange basis computed once (a group iNTT when the
file does not carry one) and the result written in ezk's format (which stores the basis), so
that setup and prove commit to columns without an iNTT.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from ezk.errors import ArtifactError, EzkError
from ezk.kzg import ceremony, srs_format

SRS_SUFFIXES = (".srs", ".ptau", ".params")


def srs_dirs() -> list[Path]:
    """The directories searched for SRS files, in order."""
    dirs = []
    if os.environ.get("EZK_SRS_DIR"):
        dirs.append(Path(os.environ["EZK_SRS_DIR"]).expanduser())
    dirs.append(Path.home() / ".ezk" / "srs")
    ezkl_repo = os.environ.get("EZKL_REPO_PATH")
    dirs.append((Path(ezkl_repo).expanduser() if ezkl_repo else Path.home() / ".ezkl") / "srs")
    return dirs


def write_dir() -> Path:
    """Where get-srs writes by default: $EZK_SRS_DIR, else ~/.ezk/srs."""
    return srs_dirs()[0]


def srs_name(k: int) -> str:
    return f"kzg{k}.srs"


def default_srs_path(k: int) -> Path | None:
    """The first ``kzg{k}.srs`` in the directories, or None."""
    for d in srs_dirs():
        p = d / srs_name(k)
        if p.is_file():
            return p
    return None


def _dirs_text() -> str:
    return ", ".join(str(d) for d in srs_dirs())


def resolve_srs_path(srs_path, k: int) -> str:
    """``srs_path`` when given; else the default ``kzg{k}.srs``; else one sentence naming the
    commands that make it."""
    if srs_path is not None:
        return str(srs_path)
    p = default_srs_path(k)
    if p is None:
        raise ArtifactError(
            f"no --srs-path given and no {srs_name(k)} in {_dirs_text()}; run `ezk get-srs --logrows {k}` "
            f"(with a ceremony file in {write_dir()}) or `ezk gen-srs --logrows {k} --srs-path "
            f"{write_dir() / srs_name(k)}` (insecure, testing only)."
        )
    return str(p)


def file_k(path: Path) -> int | None:
    """log2 of the number of G1 powers an SRS file holds (read from its header), or None when
    the file is not an SRS ezk reads."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            prefix = f.read(srs_format.HEADER_SIZE)
            if srs_format.is_ezk_srs(prefix):
                return srs_format._parse_header(path, prefix, size)[0]
            if ceremony.is_ptau(prefix):
                f.seek(0)
                sections = ceremony._ptau_sections(f, path, size)
                pos, length = sections[ceremony._PTAU_HEADER]
                f.seek(pos)
                header = f.read(length)
                return struct.unpack_from("<I", header, 36)[0] if len(header) >= 40 else None
            if ceremony.looks_like_halo2(prefix, size):
                return struct.unpack_from("<I", prefix, 0)[0]
    except (OSError, ArtifactError, struct.error):
        return None
    return None


def _is_ezk(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return srs_format.is_ezk_srs(f.read(len(srs_format.MAGIC)))
    except OSError:
        return False


def _candidates(k: int) -> list[tuple[int, int, Path]]:
    """(k_file, preference, path) of every SRS file with ≥ 2^k powers, best first."""
    out = []
    for d in srs_dirs():
        if not d.is_dir():
            continue
        for p in sorted(d.iterdir()):
            if p.suffix not in SRS_SUFFIXES or not p.is_file():
                continue
            kf = file_k(p)
            if kf is not None and kf >= k:
                # prefer a file that carries the size-2^k basis: ezk format, then halo2 of that k
                pref = 0 if _is_ezk(p) else (1 if p.suffix != ".ptau" else 2)
                out.append((kf, pref, p))
    return sorted(out, key=lambda t: (t[0], t[1], str(t[2])))


def _prepared(path: Path, k: int) -> bool:
    """Whether ``path`` holds ≥ 2^k powers and the size-2^k Lagrange basis."""
    from ezk.kzg.srs import load_srs

    try:
        return load_srs(path, k).has_lagrange(1 << k)
    except EzkError:
        return False


def get_srs(k: int, srs_path=None, progress=None) -> dict:
    """Prepare ``kzg{k}.srs`` (or ``srs_path``) from a local ceremony file; returns
    {"srs_path", "source", "logrows", "prepared": whether a file was written}."""
    from ezk.kzg.srs import load_srs

    if not 1 <= k <= srs_format.MAX_SRS_K:
        raise EzkError(f"logrows must be between 1 and {srs_format.MAX_SRS_K}, got {k}.")
    if srs_path is None:
        existing = default_srs_path(k)
        if existing is not None and _prepared(existing, k):
            return {"srs_path": str(existing), "source": str(existing), "logrows": k, "prepared": False}
        dest = write_dir() / srs_name(k)
    else:
        dest = Path(srs_path)
        if dest.is_file() and _prepared(dest, k):
            return {"srs_path": str(dest), "source": str(dest), "logrows": k, "prepared": False}
    if dest.exists() and not _is_ezk(dest):
        raise ArtifactError(f"{dest} exists and is not an ezk SRS file with the size-2^{k} Lagrange basis; ezk does "
                            "not overwrite ceremony files — pass another --srs-path.")
    cands = _candidates(k)
    if not cands:
        raise ArtifactError(
            f"no SRS file with at least 2^{k} points in {_dirs_text()}: put a ceremony file there (EZKL's "
            f"kzg{k}.srs from its public SRS, or a snarkjs .ptau of power ≥ {k}, e.g. from the Hermez/Perpetual "
            f"Powers of Tau ceremony), or pass --srs-path to a file you trust."
        )
    k_file, _, source = cands[0]
    dest.parent.mkdir(parents=True, exist_ok=True)
    srs = load_srs(source, k)
    if not srs.check_powers():
        raise ArtifactError(f"{source} is not a consistent powers-of-tau file: its G1 powers do not follow one τ.")
    if progress:
        progress(f"computing the Lagrange basis of size 2^{k} from {source.name}")
    srs.lagrange(1 << k)  # from the file's own basis when it has one, else one group iNTT
    srs.save(dest)
    return {"srs_path": str(dest), "source": str(source), "logrows": k, "source_logrows": k_file, "prepared": True}
