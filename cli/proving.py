"""Proving commands: gen-srs, setup, mock, prove, verify (flags follow EZKL)."""

from __future__ import annotations

import typer

from ezk import api


def register(app: typer.Typer) -> None:
    @app.command("gen-srs")
    def gen_srs_cmd(
        srs_path: str = typer.Option("kzg.srs", "--srs-path", help="where to write the SRS"),
        logrows: int = typer.Option(..., "--logrows", "-K", help="the SRS holds 2^logrows powers of tau"),
        seed: str = typer.Option(None, "--seed", help="derive tau from this text (reproducible tests only)"),
    ):
        """Generate a structured reference string. INSECURE, testing only: this machine knows tau."""
        info = api.gen_srs(srs_path, logrows, seed=seed)
        typer.echo(f"SRS with 2^{logrows} points written to {srs_path} ({info['bytes']} bytes) — insecure, testing only")
