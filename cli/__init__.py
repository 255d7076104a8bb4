"""The `ezk` command-line interface (typer)."""
