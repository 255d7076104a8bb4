"""The extension is an optimised build and exposes the whole contract of _native.pyi."""

import ast
from pathlib import Path

import ezk._native as nat

PYI = Path(nat.__file__).resolve().parent / "_native.pyi"


def test_release_build():
    info = nat.build_info()
    assert info["profile"] == "release"
    assert info["threads"] >= 1 and info["version"]


def test_every_name_in_the_stub_exists():
    tree = ast.parse(PYI.read_text())
    missing = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not hasattr(nat, node.name):
            missing.append(node.name)
        if isinstance(node, ast.AnnAssign) and not hasattr(nat, node.target.id):
            missing.append(node.target.id)
        if isinstance(node, ast.ClassDef):
            cls = getattr(nat, node.name, None)
            if cls is None:
                missing.append(node.name)
                continue
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not hasattr(cls, item.name):
                    missing.append(f"{node.name}.{item.name}")
    assert missing == []
