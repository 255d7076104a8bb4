"""A step that needs more memory than the machine has fails with one sentence (ResourceError),
and the memory ceiling is lifted again afterwards."""

import numpy as np
import pytest

from ezk import api
from ezk.errors import ResourceError
from ezk.memory_guard import memory_guard
from models.llama import LlamaConfig, write_llama


def _held_mib() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("VmData:"):
            return int(line.split()[1]) // 1024
    pytest.skip("no /proc/self/status")


def test_allocation_beyond_the_ceiling_is_one_sentence_and_the_ceiling_is_lifted(monkeypatch):
    monkeypatch.setenv("EZK_MEMORY_LIMIT_MB", str(_held_mib() + 256))
    with pytest.raises(ResourceError) as info:
        with memory_guard("laying out the circuit"):
            np.zeros(2**28)  # 2 GiB, far above the ceiling: refused before any page is touched
    msg = str(info.value)
    assert msg.startswith("laying out the circuit needs more memory than this machine has") and "\n" not in msg
    assert np.empty(2**28).nbytes == 2**31  # the same allocation succeeds once the block is left


def _layout_of_a_huge_model(monkeypatch):
    """The measuring layout of a model far larger than the ceiling (2 GiB in one array: beyond any
    memory the allocator may still hold from earlier tests)."""
    import ezk.layout

    def lay_out(graph, settings, tensors=None):
        return np.zeros(2**28)

    monkeypatch.setattr(ezk.layout, "lay_out", lay_out)
    monkeypatch.setenv("EZK_MEMORY_LIMIT_MB", str(_held_mib() + 256))


def test_gen_settings_of_a_model_too_large_for_the_machine_fails_clearly(tmp_path, monkeypatch):
    model, _ = write_llama(tmp_path, LlamaConfig(dim=16, n_layers=1, n_heads=2, vocab_size=64, max_seq_len=4), 4)
    _layout_of_a_huge_model(monkeypatch)
    with pytest.raises(ResourceError, match="too large for one circuit here"):
        api.gen_settings(model, tmp_path / "settings.json")
    assert not (tmp_path / "settings.json").exists()


def test_cli_prints_the_sentence_and_exits_1(tmp_path, monkeypatch, capsys):
    from cli.main import main

    model, _ = write_llama(tmp_path, LlamaConfig(dim=16, n_layers=1, n_heads=2, vocab_size=64, max_seq_len=4), 4)
    _layout_of_a_huge_model(monkeypatch)
    with pytest.raises(SystemExit) as info:
        main(["gen-settings", "-M", str(model), "-O", str(tmp_path / "settings.json")])
    assert info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: laying out the circuit needs more memory") and "Traceback" not in err
