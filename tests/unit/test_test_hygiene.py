"""The test suite's own rules: no test module imports from another test module (shared helpers
live in conftest or a helper module), and no skip is conditional on importing ezk's own code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
OURS = re.compile(r"^(ezk|cli|tests)(\.|$)")


def _modules():
    for path in sorted(TESTS.rglob("*.py")):
        yield path.relative_to(TESTS.parent), ast.parse(path.read_text(), str(path))


def test_no_test_module_imports_another_test_module():
    bad = []
    for rel, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if any(n.startswith("tests.") and n.split(".")[-1].startswith("test_") for n in names):
                bad.append(f"{rel}:{node.lineno}")
    assert not bad, f"imports from test modules (move the helper to conftest or a helper module): {bad}"


def test_no_skip_hides_an_import_of_our_own_code():
    bad = []
    for rel, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("importorskip", "find_spec"):
                arg = node.args[0] if node.args else None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and OURS.match(arg.value):
                    bad.append(f"{rel}:{node.lineno}")
            if isinstance(node, ast.Try):
                catches_import = any(isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                                     for h in node.handlers)
                skips = any(isinstance(c, ast.Call) and getattr(c.func, "attr", None) == "skip"
                            for h in node.handlers for c in ast.walk(h))
                if catches_import and skips:
                    bad.append(f"{rel}:{node.lineno}")
    assert not bad, f"skips that would hide a broken import of ezk's own code: {bad}"
