"""Entry point of the `ezk` command.

Commands live in small modules under ``cli/`` that each define ``register(app)``; this module
only builds the app and turns user errors into one sentence and a non-zero exit. Global flags,
anywhere on the command line: ``--debug`` (or EZK_DEBUG=1) shows the traceback instead;
``--quiet`` silences everything but errors and the verify verdict; ``--json`` prints one JSON
object per command (see cli/report.py). ``ezk --version`` prints the version.

Exit codes: 0 success (verified: true); 1 a user error (one sentence on stderr) or verified:
false; 2 a usage error or a bug in ezk; 130 interrupted.

Usage errors (an unknown flag or command, a missing argument) are click exceptions of the click
that typer really uses: the ``click`` package for older typers, a copy vendored as
``typer._click`` from typer 0.29 on (``click`` itself may then be absent). The module that
defines ``typer.BadParameter`` is that click's ``exceptions``, so this module never imports
``click`` by name.
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
    "cli.frontend",  # gen-settings, calibrate-settings, compile-circuit, gen-witness, gen-random-data, table
    "cli.proving",  # gen-srs, get-srs, setup, mock, prove, verify
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
    import contextlib
    import io

    from cli import report

    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("EZK_DEBUG") == "1"
    quiet = "--quiet" in argv or os.environ.get("EZK_QUIET") == "1"
    report.configure(quiet=quiet, as_json="--json" in argv)
    argv = [a for a in argv if a not in ("--debug", "--quiet", "--json")]
    if argv[:1] in (["--version"], ["-V"]):
        from ezk import __version__

        print(f"ezk {__version__}")
        return
    app = build_app()
    try:
        # --quiet: notes the library prints on stderr are dropped (errors are printed below)
        with contextlib.redirect_stderr(io.StringIO()) if quiet else contextlib.nullcontext():
            rc = app(args=argv, prog_name="ezk", standalone_mode=False)
        report.flush()
        # outside standalone mode click returns typer.Exit's code instead of exiting
        if isinstance(rc, int) and rc != 0:
            raise SystemExit(rc)
    except EzkError as exc:
        if debug:
            raise
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise SystemExit(1)
    except MemoryError as exc:  # numpy's allocation failure outside a layout (which names its node)
        if debug:
            raise
        typer.secho(f"error: ezk ran out of memory ({exc}): the model is too large for this machine in one "
                    f"circuit; compile it in segments of at most 2^K rows each (--max-logrows K or --max-memory GB "
                    f"on calibrate-settings or compile-circuit)", err=True, fg=typer.colors.RED)
        raise SystemExit(1)
    except KeyboardInterrupt:
        typer.secho("interrupted", err=True)
        raise SystemExit(130)
    except SystemExit:
        raise
    except MemoryError:
        if debug:
            raise
        typer.secho("error: this step needs more memory than this machine has; use a machine with more memory "
                    "or a smaller model", err=True, fg=typer.colors.RED)
        raise SystemExit(1)
    except Exception as exc:  # click usage errors arrive here too in non-standalone mode
        clicks = _click_exceptions()
        if isinstance(exc, clicks.ClickException):
            exc.show()
            raise SystemExit(exc.exit_code)
        if isinstance(exc, clicks.Abort):  # click turns Ctrl-C inside a command into Abort
            raise SystemExit(130 if isinstance(exc.__context__, KeyboardInterrupt) else 1)
        if debug:
            raise
        typer.secho(
            f"internal error ({type(exc).__name__}): {exc} — this is a bug in ezk; rerun with --debug for the traceback",
            err=True,
            fg=typer.colors.RED,
        )
        raise SystemExit(2)


def _click_exceptions():
    """The ``exceptions`` module of the click typer raises from (see the module docstring)."""
    return importlib.import_module(typer.BadParameter.__module__)


if __name__ == "__main__":
    main()
