"""What a command prints, in the three modes of the `ezk` command line:

* default: one or a few human lines on stdout, notes (ignored flags, which data file was used)
  on stderr;
* ``--quiet``: nothing but errors and the verify verdict (library notes on stderr are dropped
  too: main runs the command with stderr captured);
* ``--json``: exactly one JSON object on stdout per command — paths, k, rows, cells, seconds,
  verified … — and the human lines not at all.

Commands call :func:`line` for human output, :func:`note` for a one-line remark on stderr, and
:func:`result` once with their machine-readable fields."""

from __future__ import annotations

import json
import sys

QUIET = False
JSON = False
_result: dict = {}
_real_stderr = sys.stderr


def configure(quiet: bool = False, as_json: bool = False) -> None:
    global QUIET, JSON, _result, _real_stderr
    QUIET, JSON, _result, _real_stderr = quiet, as_json, {}, sys.stderr
    from cli.progress import set_quiet

    set_quiet(quiet or as_json)


def line(text: str) -> None:
    """A human-readable line on stdout (not in --quiet or --json)."""
    if not (QUIET or JSON):
        print(text, flush=True)


def note(text: str) -> None:
    """A one-line remark on stderr, prefixed ``ezk:`` (not in --quiet)."""
    if not QUIET:
        print(f"ezk: {text}", file=sys.stderr, flush=True)


def ignored(flag: str, why: str = "it has no meaning in ezk") -> None:
    note(f"{flag} is ignored: {why}")


def result(**fields) -> None:
    """The command's machine-readable fields (printed as JSON by :func:`flush` in --json mode)."""
    _result.update({k: v for k, v in fields.items() if v is not None})


def verdict(ok: bool, reason: str = "") -> None:
    """The verify verdict: always printed (stdout), with the reason on the real stderr."""
    result(verified=bool(ok), reason=reason or None)
    if not JSON:
        print(f"verified: {str(bool(ok)).lower()}", flush=True)
    if not ok and reason:
        print(f"ezk: {reason}", file=_real_stderr, flush=True)


def flush() -> None:
    """Print the JSON object of the command that just finished (--json mode)."""
    if JSON and _result:
        print(json.dumps(_result, default=str), flush=True)
