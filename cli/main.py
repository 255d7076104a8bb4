"""Entry point of the `ezk` command.

Commands live in small modules under ``cli/`` that each define ``register(app)``; this module
only builds the app and turns user errors into one sentence and a non-zero exit. ``--debug``
(anywhere on the command line, or EZK_DEBUG=1) shows the traceback instead; ``--quiet`` (anywhere)
silences the progress display of long steps.

The app runs in click's standalone mode: usage errors (an unknown flag or command, a missing
argument) are handled by typer itself — the usage message and exit status 2, no traceback —
whichever click it uses (typer ≥ 0.29 vendors its own copy and raises that copy's exception
classes, so this module never imports ``click``). Errors of ezk itself propagate out of the
app and become one sentence here.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from ezk.errors import EzkError

# Each module registers its commands on the app; listed here so the order of `ezk --help` is
# the order of the workflow.
COMMAND_MODULES = [
    "cli.frontend",  # gen-settings, calibrate-settings, compile-circuit, gen-witness, table
    "cli.proving",  # gen-srs, setup, mock, prove, verify
    "cli.demo",  # demo
]


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="ezk",
        help="Zero-knowledge proofs of ML inference: ONNX model -> PLONKish circuit -> KZG proof (BN254).",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # that part of the product is not built yet
                continue
            raise
        module.register(app)
    return app


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("EZK_DEBUG") == "1"
    if "--quiet" in argv:
        from cli.progress import set_quiet

        set_quiet(True)
    argv = [a for a in argv if a not in ("--debug", "--quiet")]
    app = build_app()
    try:
        app(args=argv, prog_name="ezk", standalone_mode=True)  # exits (SystemExit) when done
    except EzkError as exc:
        if debug:
            raise
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise SystemExit(1)
    except KeyboardInterrupt:  # outside a command (inside one, click reports "Aborted!" and exit 1)
        typer.secho("interrupted", err=True)
        raise SystemExit(130)
    except SystemExit as exc:
        if exc.code in (0, None):  # success: return, as outside standalone mode
            return
        raise
    except Exception as exc:
        if debug:
            raise
        typer.secho(
            f"internal error ({type(exc).__name__}): {exc} — this is a bug in ezk; rerun with --debug for the traceback",
            err=True,
            fg=typer.colors.RED,
        )
        raise SystemExit(2)


if __name__ == "__main__":
    main()
