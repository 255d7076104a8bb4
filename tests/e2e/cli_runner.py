"""Runs the `ezk` command line in-process and checks that a failure is one clear sentence;
shared by the CLI error tests."""

from __future__ import annotations

from dataclasses import dataclass

from cli.main import main


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(capsys, *args) -> Result:
    capsys.readouterr()
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    cap = capsys.readouterr()
    return Result(code, cap.out, cap.err)


def assert_one_sentence(res: Result, *fragments: str) -> str:
    assert res.code == 1, f"exit {res.code}: {res.err}{res.out}"
    lines = [ln for ln in res.err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, res.err
    line = lines[0]
    assert line.startswith("error: ") and "Traceback" not in res.err and "internal error" not in res.err, res.err
    for f in fragments:
        assert f in line, line
    return line
