"""`ezk demo` (the README's main command) proves and verifies the bundled nanoGPT micro."""

import json

import pytest

from cli.main import main


def test_demo_verifies_and_matches_onnxruntime(tmp_path, capsys):
    main(["demo", "--keep", str(tmp_path), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert summary["verified"] is True
    assert summary["top1_tokens_identical"] is True
    assert summary["max_abs_error_vs_onnxruntime"] <= 0.05 * summary["max_abs_reference"]
    assert (tmp_path / "proof.json").is_file() and (tmp_path / "vk.key").is_file()


@pytest.mark.slow
def test_demo_quiet_prints_only_the_verdict(capsys):
    main(["demo", "--quiet"])
    out = capsys.readouterr()
    assert out.out == "verified: true\n" and out.err == ""
