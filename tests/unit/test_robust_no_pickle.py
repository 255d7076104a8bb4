"""No code-executing loader anywhere in the package: every artifact a user may receive from
someone else (settings, compiled circuit, keys, proof, SRS, witness) is JSON, an npz read with
``allow_pickle=False``, or explicit binary.

The scan works on Python tokens, so comments and docstrings that *say* "never pickle" do not
count; what is refused is code: importing or naming pickle/marshal/shelve/dill/cloudpickle/
joblib, calling eval/exec, ``yaml.load`` / ``torch.load``, ``allow_pickle=True``, and any
``np.load``/``numpy.load`` call that does not pass ``allow_pickle=False`` explicitly.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = ["ezk", "cli", "models"]
FORBIDDEN_NAMES = {"pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "joblib", "eval", "exec"}


def _sources() -> list[Path]:
    files = [p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))]
    assert len(files) > 20, "the package source was not found"
    return files


def _code_tokens(path: Path) -> list[tokenize.TokenInfo]:
    skip = {tokenize.COMMENT, tokenize.STRING, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    return [t for t in tokenize.generate_tokens(io.StringIO(path.read_text()).readline) if t.type not in skip]


def _violations(path: Path) -> list[str]:
    toks = _code_tokens(path)
    out = []
    for i, t in enumerate(toks):
        nxt = toks[i + 1].string if i + 1 < len(toks) else ""
        prev = toks[i - 1].string if i else ""
        where = f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path.name}:{t.start[0]}"
        if t.type == tokenize.NAME and t.string in FORBIDDEN_NAMES and prev != ".":
            # eval/exec only matter as calls; the modules matter however they are named
            if t.string in ("eval", "exec") and nxt != "(":
                continue
            out.append(f"{where}: uses {t.string}")
        if t.string == "allow_pickle" and nxt == "=" and toks[i + 2].string != "False":
            out.append(f"{where}: allow_pickle={toks[i + 2].string}")
        if t.string == "load" and prev == "." and i >= 2 and toks[i - 2].string in ("yaml", "torch"):
            out.append(f"{where}: {toks[i - 2].string}.load")
        if t.string == "load" and prev == "." and i >= 2 and toks[i - 2].string in ("np", "numpy") and nxt == "(":
            depth, j, args = 0, i + 1, []
            while j < len(toks):
                s = toks[j].string
                depth += s in "([{"
                depth -= s in ")]}"
                args.append(s)
                if depth == 0:
                    break
                j += 1
            text = " ".join(args)
            if "allow_pickle = False" not in text:
                out.append(f"{where}: np.load without allow_pickle=False")
    return out


def test_no_code_executing_loader_in_the_package():
    bad = [v for p in _sources() for v in _violations(p)]
    assert bad == [], "code-executing loaders:\n" + "\n".join(bad)


@pytest.mark.parametrize("snippet,expected", [
    ("import pickle\n", 1),
    ("from pickle import loads\n", 1),
    ("x = np.load(p)\n", 1),
    ("x = np.load(p, allow_pickle=True)\n", 2),
    ("x = np.load(p, allow_pickle=False)\n", 0),
    ("v = eval(text)\n", 1),
    ("cfg = yaml.load(f)\n", 1),
    ("# never pickle anything\ns = 'pickle'\n", 0),
    ("self.evaluate(x)\n", 0),
])
def test_the_scanner_finds_what_it_should(tmp_path, snippet, expected):
    path = tmp_path / "probe.py"
    path.write_text(snippet)
    assert len(_violations(path)) == expected
