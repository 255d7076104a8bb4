"""Proving commands: gen-srs, setup, mock, prove, verify (flags follow EZKL)."""

from __future__ import annotations

import typer

from cli.progress import working
from ezk import api


def register(app: typer.Typer) -> None:
    @app.command("gen-srs")
    def gen_srs_cmd(
        srs_path: str = typer.Option("kzg.srs", "--srs-path", help="where to write the SRS"),
        logrows: int = typer.Option(..., "--logrows", "-K", help="the SRS holds 2^logrows powers of tau"),
        seed: str = typer.Option(None, "--seed", help="derive tau from this text (reproducible tests only)"),
    ):
        """Generate a structured reference string. INSECURE, testing only: this machine knows tau."""
        with working(f"generating 2^{logrows} powers of tau"):
            info = api.gen_srs(srs_path, logrows, seed=seed)
        typer.echo(f"SRS with 2^{logrows} points written to {srs_path} ({info['bytes']} bytes) — insecure, testing only")

    @app.command("setup")
    def setup_cmd(
        compiled: str = typer.Option("model.compiled", "-M", "--compiled-circuit", help="compiled circuit"),
        srs_path: str = typer.Option(..., "--srs-path", help="SRS (ezk .srs, snarkjs .ptau or halo2 ParamsKZG)"),
        vk_path: str = typer.Option("vk.key", "--vk-path"),
        pk_path: str = typer.Option("pk.key", "--pk-path"),
    ):
        """Generate the proving and verifying keys of a compiled circuit."""
        with working("setup: laying out the circuit and generating keys"):
            info = api.setup(compiled, srs_path, vk_path, pk_path)
        typer.echo(f"keys written: {vk_path} ({info['vk_bytes']} bytes), {pk_path} ({info['pk_bytes']} bytes); "
                   f"k={info['k']}, {info['num_rows']} rows, {info['advice_cells']} advice cells")

    @app.command("mock")
    def mock_cmd(
        compiled: str = typer.Option("model.compiled", "-M", "--compiled-circuit", help="compiled circuit"),
        witness: str = typer.Option("witness.json", "-W", "--witness", help="witness.json from gen-witness"),
    ):
        """Check every gate, lookup and copy constraint on the witness, without cryptography."""
        with working("checking every constraint"):
            info = api.mock(compiled, witness)
        typer.echo(f"mock: every constraint holds (k={info['k']}, {info['num_rows']} rows, {info['advice_cells']} advice cells)")

    @app.command("prove")
    def prove_cmd(
        compiled: str = typer.Option("model.compiled", "-M", "--compiled-circuit", help="compiled circuit"),
        witness: str = typer.Option("witness.json", "-W", "--witness"),
        pk_path: str = typer.Option("pk.key", "--pk-path"),
        srs_path: str = typer.Option(..., "--srs-path"),
        proof_path: str = typer.Option("proof.json", "--proof-path"),
    ):
        """Prove one inference of the compiled model."""
        with working("proving"):
            info = api.prove(compiled, witness, pk_path, srs_path, proof_path)
        typer.echo(f"proof written to {proof_path} ({info['proof_bytes']} bytes) in {info['seconds']:.2f} s")

    @app.command("verify")
    def verify_cmd(
        proof_path: str = typer.Option("proof.json", "--proof-path"),
        settings_path: str = typer.Option("settings.json", "-S", "--settings-path"),
        vk_path: str = typer.Option("vk.key", "--vk-path"),
        srs_path: str = typer.Option(..., "--srs-path"),
        data: str = typer.Option(None, "-D", "--data", help="input.json the proof's public inputs must equal"),
    ):
        """Verify a proof: prints `verified: true` and the public values (dequantized), and exits 0
        only for a valid proof."""
        res = api.verify(proof_path, settings_path, vk_path, srs_path, data=data)
        typer.echo(f"verified: {str(bool(res)).lower()}" + ("" if res else f" ({res.reason})"))
        if res:
            for kind, values in (("input", res.inputs), ("output", res.outputs)):
                for entry, vals in zip([e for e in res.public if e["kind"] == kind], values):
                    typer.echo(f"{kind} {entry['name']} {entry['shape']}: {_preview(vals)}")
        if not res:
            raise typer.Exit(1)


def _preview(values: list[float], most: int = 16) -> str:
    shown = " ".join(f"{v:g}" for v in values[:most])
    return shown + (f" … ({len(values)} values)" if len(values) > most else "")
