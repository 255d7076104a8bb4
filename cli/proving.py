"""Proving commands with EZKL's flags and defaults: gen-srs, get-srs, setup, mock, prove, verify
and swap-proof-commitments (polycommit visibility), and ezk's verify-chain. ``--srs-path`` may be left out:
the default is ``kzg{logrows}.srs`` in the SRS directories (see ezk.kzg.store), as EZKL's
``~/.ezkl/srs/kzg{logrows}.srs``."""

from __future__ import annotations

import time
from typing import List, Optional

import typer

from cli import report
from cli.progress import working
from cli.segments import echo_segments, scheduler_option, segment_progress, workers_option
from ezk import api
from ezk.errors import EzkError


def register(app: typer.Typer) -> None:
    @app.command("gen-srs")
    def gen_srs_cmd(
        srs_path: str = typer.Option("kzg.srs", "--srs-path", help="where to write the SRS"),
        logrows: int = typer.Option(..., "--logrows", "-K", help="the SRS holds 2^logrows powers of tau"),
        seed: str = typer.Option(None, "--seed", help="derive tau from this text (reproducible tests only)"),
        commitment: Optional[str] = typer.Option(None, "--commitment", hidden=True),
    ):
        """Generate a structured reference string. INSECURE, testing only: this machine knows tau."""
        if commitment is not None and commitment.lower() != "kzg":
            raise EzkError(f"--commitment {commitment!r}: ezk proves with KZG only")
        t0 = time.perf_counter()
        with working(f"generating 2^{logrows} powers of tau"):
            info = api.gen_srs(srs_path, logrows, seed=seed)
        report.line(f"SRS with 2^{logrows} points written to {srs_path} ({info['bytes']} bytes) — insecure, testing only")
        report.result(command="gen-srs", srs_path=srs_path, k=logrows, bytes=info["bytes"], seconds=time.perf_counter() - t0)

    @app.command("get-srs")
    def get_srs_cmd(
        srs_path: Optional[str] = typer.Option(None, "--srs-path", help="where to write (default: kzg{logrows}.srs in ~/.ezk/srs or $EZK_SRS_DIR)"),
        settings_path: str = typer.Option("settings.json", "-S", "--settings-path", help="read logrows from these settings"),
        logrows: Optional[int] = typer.Option(None, "--logrows", "-K", help="overrides the settings' logrows"),
        commitment: Optional[str] = typer.Option(None, "--commitment", hidden=True),
    ):
        """Prepare the SRS for a circuit, offline, from a ceremony file in a local SRS directory
        ($EZK_SRS_DIR, ~/.ezk/srs, ~/.ezkl/srs: EZKL's kzg{K}.srs or snarkjs .ptau files)."""
        if commitment is not None and commitment.lower() != "kzg":
            raise EzkError(f"--commitment {commitment!r}: ezk proves with KZG only")
        t0 = time.perf_counter()
        with working("preparing the SRS") as _:
            info = api.get_srs(logrows, srs_path, settings_path)
        if info["prepared"]:
            report.line(f"SRS for logrows {info['logrows']} written to {info['srs_path']} (from {info['source']}, "
                        f"2^{info['source_logrows']} points; Lagrange basis included)")
        else:
            report.line(f"SRS for logrows {info['logrows']} already prepared: {info['srs_path']}")
        report.result(command="get-srs", srs_path=info["srs_path"], source=info["source"], k=info["logrows"],
                      prepared=info["prepared"], seconds=time.perf_counter() - t0)

    @app.command("setup")
    def setup_cmd(
        compiled: str = typer.Option("model.compiled", "-M", "--compiled-circuit", help="compiled circuit"),
        srs_path: Optional[str] = typer.Option(None, "--srs-path", help="SRS (default: kzg{logrows}.srs in the SRS directories)"),
        vk_path: str = typer.Option("vk.key", "--vk-path"),
        pk_path: str = typer.Option("pk.key", "--pk-path"),
        witness: Optional[str] = typer.Option(None, "-W", "--witness", help="(EZKL: overrides fixed inputs; ignored)"),
        disable_selector_compression: bool = typer.Option(False, "--disable-selector-compression", help="(ignored)"),
        workers: int = workers_option(),
        scheduler: str = scheduler_option(),
    ):
        """Generate the proving and verifying keys of a compiled circuit (a segmented one per
        segment, here or on Dask)."""
        if witness is not None:
            report.ignored("-W/--witness", "ezk's keys do not depend on a witness (no fixed inputs)")
        if disable_selector_compression:
            report.ignored("--disable-selector-compression", "ezk does not compress selectors")
        with working("setup: laying out the circuit and generating keys"), segment_progress("setup") as prog:
            info = api.setup(compiled, srs_path, vk_path, pk_path, workers=workers, scheduler=scheduler, progress=prog)
        segs = f", {info['segments']} segments" if "segments" in info else ""
        echo_segments(info)
        cosets = (f", {pk_path}.cosets ({info['fixed_cosets_bytes']} bytes: fixed polynomials for the prover)"
                  if info.get("fixed_cosets_bytes") else "")
        report.line(f"keys written: {vk_path} ({info['vk_bytes']} bytes), {pk_path} ({info['pk_bytes']} bytes){cosets}; "
                    f"k={info['k']}{segs}, {info['num_rows']} rows, {info['advice_cells']} advice cells")
        report.result(command="setup", vk_path=vk_path, pk_path=pk_path, k=info["k"], rows=info["num_rows"],
                      cells=info["advice_cells"], vk_bytes=info["vk_bytes"], pk_bytes=info["pk_bytes"],
                      seconds=info["seconds"], segments=info.get("segments", 1))

    @app.command("mock")
    def mock_cmd(
        compiled: str = typer.Option("model.compiled", "-M", "--model", "--compiled-circuit", help="compiled circuit"),
        witness: str = typer.Option("witness.json", "-W", "--witness", help="witness.json from gen-witness"),
        workers: int = workers_option(),
        scheduler: str = scheduler_option(),
    ):
        """Check every gate, lookup and copy constraint on the witness, without cryptography."""
        t0 = time.perf_counter()
        with working("checking every constraint"), segment_progress("mock") as prog:
            info = api.mock(compiled, witness, workers=workers, scheduler=scheduler, progress=prog)
        report.line(f"mock: every constraint holds (k={info['k']}, {info['num_rows']} rows, {info['advice_cells']} advice cells)")
        report.result(command="mock", ok=True, k=info["k"], rows=info["num_rows"], cells=info["advice_cells"],
                      seconds=time.perf_counter() - t0, segments=info.get("segments", 1))

    @app.command("prove")
    def prove_cmd(
        witness: str = typer.Option("witness.json", "-W", "--witness"),
        compiled: str = typer.Option("model.compiled", "-M", "--compiled-circuit", help="compiled circuit"),
        pk_path: str = typer.Option("pk.key", "--pk-path"),
        proof_path: str = typer.Option("proof.json", "--proof-path"),
        srs_path: Optional[str] = typer.Option(None, "--srs-path", help="SRS (default: kzg{logrows}.srs in the SRS directories)"),
        check_mode: Optional[str] = typer.Option(None, "--check-mode", help="(ignored: ezk checks every value it lays out)"),
        workers: int = workers_option(),
        scheduler: str = scheduler_option(),
    ):
        """Prove one inference of the compiled model (a segmented one segment by segment, or on Dask)."""
        if check_mode is not None:
            report.ignored("--check-mode", "ezk's layout always checks the values it places")
        with working("proving"), segment_progress("prove") as prog:
            info = api.prove(compiled, witness, pk_path, srs_path, proof_path, workers=workers, scheduler=scheduler,
                             progress=prog)
        echo_segments(info)
        segs = f" ({info['segments']} segments)" if "segments" in info else ""
        report.line(f"proof written to {proof_path}{segs} ({info['proof_bytes']} bytes) in {info['seconds']:.2f} s")
        report.result(command="prove", proof_path=proof_path, k=info["k"], proof_bytes=info["proof_bytes"],
                      outputs=info["outputs"], seconds=info["seconds"], segments=info.get("segments", 1))

    @app.command("verify")
    def verify_cmd(
        settings_path: str = typer.Option("settings.json", "-S", "--settings-path"),
        proof_path: str = typer.Option("proof.json", "--proof-path"),
        vk_path: str = typer.Option("vk.key", "--vk-path"),
        srs_path: Optional[str] = typer.Option(None, "--srs-path", help="SRS (default: kzg{logrows}.srs in the SRS directories)"),
        reduced_srs: bool = typer.Option(False, "--reduced-srs", help="(ezk always reads only the SRS points it needs)"),
        data: Optional[str] = typer.Option(None, "-D", "--data", help="input.json the proof's public inputs must equal"),
    ):
        """Verify a proof: prints `verified: true` and the public inputs (when public) and outputs,
        dequantized, and exits 0 only for a valid proof; otherwise `verified: false`, the reason on
        stderr, exit 1. With --data, the proof's public inputs must be that input."""
        if reduced_srs:
            report.ignored("--reduced-srs", "ezk's verifier always reads only [1]₁, [1]₂ and [τ]₂")
        t0 = time.perf_counter()
        v = api.verify_proof(proof_path, settings_path, vk_path, srs_path, data=data)
        report.result(command="verify", proof_path=proof_path, seconds=time.perf_counter() - t0)
        report.verdict(v.ok, v.reason)
        if v.ok:
            report.result(inputs=v.inputs or None, outputs=v.outputs)
            for kind, values in (("input", v.inputs), ("output", v.outputs)):
                for entry, vals in zip([e for e in v.public if e["kind"] == kind], values):
                    report.line(f"{kind} {entry['name']} {entry['shape']}: {_preview(vals)}")
        if v.ok:  # hashed visibilities: the public Poseidon hashes the proof binds
            from ezk.proving import proof_hashes

            hashes = proof_hashes(proof_path)
            report.result(hashes=hashes or None)
            for h in hashes:
                report.line(f"poseidon hash of {h['of']} {h['name']!r}: {h['poseidon_hash']}")
            from ezk.polycommit import proof_commitments

            commitments = proof_commitments(proof_path)
            report.result(polycommit=commitments or None)
            for c in commitments:
                report.line(f"polycommit of {c['of']} {c['name']!r}: {' '.join(c['commitments'])}")
        if not v.ok:
            raise typer.Exit(1)

    @app.command("swap-proof-commitments")
    def swap_cmd(
        proof_path: str = typer.Option("proof.json", "-P", "--proof-path"),
        witness: str = typer.Option("witness.json", "-W", "--witness-path"),
    ):
        """Replace the proof's polycommit commitments with the witness's processed_* ones (in
        place): the swapped proof verifies only if they were the proof's own."""
        r = api.swap_proof_commitments(proof_path, witness)
        report.line(f"{r['commitments']} polycommit commitment(s) of {witness} written into {proof_path}"
                    + (" (they differ from the proof's: it will not verify)" if r["changed"] else " (unchanged)"))
        report.result(command="swap-proof-commitments", **r)

    @app.command("verify-chain")
    def verify_chain_cmd(
        proof_path: List[str] = typer.Option(..., "--proof-path", help="each part's proof, in chain order (repeat)"),
        settings_path: List[str] = typer.Option(..., "-S", "--settings-path", help="each part's settings (repeat)"),
        vk_path: List[str] = typer.Option(..., "--vk-path", help="each part's verifying key (repeat)"),
        srs_path: Optional[str] = typer.Option(None, "--srs-path", help="SRS (default: kzg{logrows}.srs in the SRS directories)"),
    ):
        """Verify proofs of a model split into parts, chained by polycommit: every proof verifies
        and part i's output commitments are part i+1's input commitments. Prints `verified:
        true` and exits 0 only then."""
        if not len(proof_path) == len(settings_path) == len(vk_path):
            raise EzkError(f"verify-chain needs one --settings-path and one --vk-path per --proof-path (got "
                           f"{len(proof_path)}, {len(settings_path)} and {len(vk_path)}).")
        t0 = time.perf_counter()
        v = api.verify_chain(list(zip(proof_path, settings_path, vk_path)), srs_path)
        report.result(command="verify-chain", proofs=list(proof_path), seconds=time.perf_counter() - t0)
        report.verdict(v.ok, v.reason)
        if not v.ok:
            raise typer.Exit(1)


def _preview(values: list[float], most: int = 16) -> str:
    shown = " ".join(f"{v:g}" for v in values[:most])
    return shown + (f" … ({len(values)} values)" if len(values) > most else "")
