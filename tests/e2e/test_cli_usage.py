"""Usage errors of the `ezk` command (issue #12): a typo'd flag, an unknown command or a missing
argument print the usage message and exit 2, never a traceback — also on a fresh install where
`click` itself is absent (typer ≥ 0.29 vendors its own copy), which these runs reproduce by
making `import click` fail."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import REPO

# run the CLI with `click` unimportable when typer does not need it (a fresh install)
_BLOCK = "import sys; sys.modules['click'] = None; " if importlib.util.find_spec("typer._click") else ""
_RUN = _BLOCK + "from cli.main import main; main()"


def _ezk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True, cwd=REPO, timeout=120)


@pytest.mark.parametrize("args,fragment", [
    (["gen-settings", "--bogus"], "No such option: --bogus"),
    (["verify", "--proof-pth", "p.json"], "No such option: --proof-pth"),
    (["gen-srz"], "No such command 'gen-srz'"),
    (["gen-srs"], "Missing option '--logrows'"),
    (["gen-srs", "--logrows"], "requires an argument"),
    (["gen-srs", "--logrows", "many"], "Invalid value for '--logrows'"),
])
def test_usage_errors_print_usage_and_exit_2(args, fragment):
    proc = _ezk(*args)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert fragment in proc.stderr, proc.stderr
    if "requires an argument" not in fragment:  # click shows no usage line for a flag missing its value
        assert "Usage: ezk" in proc.stderr, proc.stderr


def test_click_is_not_needed_where_typer_vendors_it():
    if not _BLOCK:
        pytest.skip("this typer uses the click package itself")
    proc = _ezk("--help")
    assert proc.returncode == 0 and "gen-settings" in proc.stdout, proc.stderr
    for path in (REPO / "cli").glob("*.py"):
        assert "import click" not in path.read_text(), path
