"""Memory that follows the circuit's rows: the region's chunked per-row arrays (RowStore), the
chunked mock (the same failures whatever the chunk size, rotations across chunk edges and the
wrap-around of the domain included), and a model larger than any circuit is one sentence."""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import onnx
import pytest
from onnx import helper

from ezk import api
from ezk.errors import EzkError
from ezk.graph.forward import forward
from ezk.graph.ir import Graph, Node
from ezk.layout import lay_out
from ezk.layout import rowstore
from ezk.layout.rowstore import RowStore
from ezk.plonk import mock
from ezk.settings import RunArgs
from tests.onnx_models import model, value_info

mock_module = importlib.import_module("ezk.plonk.mock")  # the module (ezk.plonk.mock is also the function)


def test_rowstore_reads_and_writes_like_a_numpy_array(monkeypatch):
    monkeypatch.setattr(rowstore, "CHUNK", 8)
    rng = np.random.default_rng(0)
    ref = np.zeros((40, 3, 2), np.int64)
    store = RowStore((3, 2))
    for _ in range(30):
        rows = rng.choice(40, size=int(rng.integers(1, 12)), replace=False)
        vals = rng.integers(-5, 5, size=(rows.size, 3, 2))
        ref[rows] = vals
        store[rows] = vals
    assert np.array_equal(store[0:40], ref) and np.array_equal(store[5:29, 1], ref[5:29, 1])
    assert np.array_equal(store[np.array([3, 17, 39])], ref[[3, 17, 39]])
    flags = RowStore((4,), bool)
    g, c = np.array([1, 9, 30]), np.array([0, 3, 2])
    flags[g, c] = True
    dense = np.zeros((31, 4), bool)
    dense[g, c] = True
    assert np.array_equal(flags[0:31], dense) and flags[g, c].all()


def test_rowstore_allocates_only_the_chunks_written(monkeypatch):
    monkeypatch.setattr(rowstore, "CHUNK", 16)
    store = RowStore((4,))
    store.ensure(160)
    store[np.arange(100, 110)] = 7
    store[np.arange(0, 16)] = 0  # writing the fill value allocates nothing
    assert store.nbytes == 16 * 4 * 8 and len(store) == 160
    assert store[96:112].sum() == 7 * 4 * 10 and not store[0:96].any()


def _graph() -> Graph:
    """x·W (fixed_dot chains: rotations), + b, rescale, tanh lookup, relu (range checks), a
    product of two advice tensors (MUL), a sum over DOT-free rows: every gate kind and copies."""
    rng = np.random.default_rng(1)
    nodes: list[Node] = []

    def add(op, inputs, shape, scale=7, attrs=None, arrays=None):
        nodes.append(Node(len(nodes), op, list(inputs), dict(attrs or {}), tuple(shape), scale, f"n{len(nodes)}", op,
                          dict(arrays or {})))
        return len(nodes) - 1

    x = add("input", [], (6, 40), 7, {"index": 0, "visibility": "private", "bound_bits": 23})
    w = add("const", [], (40, 9), 7, {"visibility": "fixed"}, {"value": rng.integers(-6, 6, size=(40, 9))})
    mm = add("einsum", [x, w], (6, 9), 14, {"equation": "ij,jk->ik"})
    r = add("rescale", [mm], (6, 9), 7, {"shift": 7})
    t = add("lookup", [r], (6, 9), 7, {"fn": "tanh", "params": {}, "in_scale": 7, "out_scale": 7, "pre_mul": 1.0,
                                       "pre_add": 0.0, "range": [-256, 256], "key": "t"})
    zero = add("const", [], (), 7, {"visibility": "fixed"}, {"value": np.array(0)})
    relu = add("max", [r, zero], (6, 9), 7)
    sq = add("mul", [relu, t], (6, 9), 14)
    sm = add("sum", [sq], (6, 1), 14, {"axes": [1], "keepdims": True})
    return Graph(nodes=nodes, inputs=[x], outputs=[sm, t], input_names=["x"], output_names=["s", "t"])


def _failures(laid, witness):
    return sorted((f.kind, f.name, f.row) for f in mock(laid.circuit, witness))


@pytest.mark.parametrize("chunk", [509, 2000])
def test_the_mock_finds_the_same_failures_whatever_the_chunk(monkeypatch, chunk):
    g = _graph()
    x = np.random.default_rng(2).integers(-60, 60, size=(6, 40))
    laid = lay_out(g, RunArgs(logrows=13, lookup_range=[-256, 256]), forward(g, [x]))
    assert laid.stats["num_rows"] > 600
    bad = dict(laid.witness.advice)
    for j, rows in ((0, [0, 508, 509, 510]), (3, [1, 100, 507]), (len(bad) - 1, [2, 300, 508, 509])):
        col = list(bad)[j]  # inputs, accumulators, lookup outputs: rows at the edges of 509-row chunks
        v = np.array(bad[col]).copy()
        v[[r for r in rows if r < len(v)]] += 5
        bad[col] = v
    bad = dataclasses.replace(laid.witness, advice=bad)
    whole = _failures(laid, bad)
    assert len(whole) >= 5 and {k for k, _, _ in whole} >= {"gate", "copy"}
    monkeypatch.setattr(mock_module, "CHUNK_ROWS", chunk)
    monkeypatch.setattr(mock_module, "COPY_CHUNK", chunk)
    assert _failures(laid, laid.witness) == []
    assert _failures(laid, bad) == whole


def test_a_model_larger_than_any_circuit_is_one_sentence(tmp_path, monkeypatch):
    from ezk.layout import circuit as layout_circuit

    monkeypatch.setattr(layout_circuit, "MAX_K", 13)  # as if 2^13 rows were the largest circuit
    node = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[20], strides=[2], pads=[10, 10])
    m = model([node], [value_info("x", [1, 1, 2000])], [value_info("y", None)])
    path = tmp_path / "m.onnx"
    onnx.save(m, path)
    with pytest.raises(EzkError, match=r"the circuit needs [\d,]+ rows \(2\^1\d\), more than the largest circuit "
                                       r"ezk builds \(2\^13 rows\): compile it in segments .*--max-logrows") as info:
        api.gen_settings(path, tmp_path / "s.json")
    assert "\n" not in str(info.value) and not (tmp_path / "s.json").exists()


def test_windows_too_large_to_index_are_one_sentence_naming_the_node(tmp_path):
    # issue 20's 2-D MaxPool: 1000×1000 with a 60×80 kernel reads 4.2·10^9 elements
    node = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[60, 80], name="big_pool")
    m = model([node], [value_info("x", [1, 1, 1000, 1000])], [value_info("y", None)])
    path = tmp_path / "m.onnx"
    onnx.save(m, path)
    with pytest.raises(EzkError, match=r"'big_pool' \(MaxPool.*read 4,159,972,800 elements .* more than ezk lays out"):
        api.gen_settings(path, tmp_path / "s.json")


def _matmul_model(tmp_path):
    w = helper.make_tensor("w", onnx.TensorProto.FLOAT, [8, 8], np.linspace(-1, 1, 64).tolist())
    g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "m",
                          [value_info("x", [2, 8])], [value_info("y", None)], [w])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def _einsum_out_of_memory(monkeypatch):
    from ezk.layout import circuit as layout_circuit

    def einsum(ctx, node, inputs):
        raise MemoryError("Unable to allocate 256. MiB for an array")

    monkeypatch.setitem(layout_circuit.LAYOUTS, "einsum", einsum)


def test_a_layout_out_of_memory_is_one_sentence_naming_the_node(tmp_path, monkeypatch):
    # the 15M-parameter Llama's gen-settings died with numpy's MemoryError traceback: now the
    # node, the rows before it and what to do, from gen-settings, compile-circuit and calibrate
    from ezk.errors import OutOfMemoryError

    path = _matmul_model(tmp_path)
    api.gen_settings(path, tmp_path / "ok.json")
    _einsum_out_of_memory(monkeypatch)
    pattern = r"does not fit this machine's memory: laying out ONNX node 'mm' \(MatMul\) ran out of memory .*--max-logrows"
    with pytest.raises(OutOfMemoryError, match=pattern) as info:
        api.gen_settings(path, tmp_path / "s.json")
    assert "\n" not in str(info.value) and not (tmp_path / "s.json").exists()
    with pytest.raises(OutOfMemoryError, match=pattern):
        api.compile_circuit(path, tmp_path / "m.compiled", tmp_path / "ok.json")
    (tmp_path / "in.json").write_text('{"input_data": [[0.5, -0.25, 1, 0, 0.1, 0.2, 0.3, 0.4, 0, 0, 0, 0, 0, 0, 0, 1]]}')
    with pytest.raises(OutOfMemoryError, match=pattern):
        api.calibrate_settings(path, tmp_path / "in.json", tmp_path / "ok.json")


def _cli(capsys, *args) -> tuple[int, str]:
    from cli.main import main

    capsys.readouterr()
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as e:
        code = e.code
    return code, capsys.readouterr().err


def test_out_of_memory_on_the_command_line_is_one_sentence_and_exit_1(tmp_path, monkeypatch, capsys):
    path = _matmul_model(tmp_path)
    _einsum_out_of_memory(monkeypatch)
    code, err = _cli(capsys, "gen-settings", "-M", path, "-O", tmp_path / "s.json")
    assert code == 1 and err.strip().startswith("error: the circuit does not fit this machine's memory")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    # any other step that runs out of memory: one sentence too (not "internal error … a bug in ezk")
    monkeypatch.undo()

    def witness(*a, **k):
        raise MemoryError("Unable to allocate 18.0 GiB for an array")

    monkeypatch.setattr(api, "gen_witness", witness)
    api.gen_settings(path, tmp_path / "s.json")
    api.compile_circuit(path, tmp_path / "m.compiled", tmp_path / "s.json")
    code, err = _cli(capsys, "gen-witness", "-M", tmp_path / "m.compiled", "-D", tmp_path / "in.json",
                     "-O", tmp_path / "w.json")
    assert code == 1 and err.strip().startswith("error: ezk ran out of memory (Unable to allocate 18.0 GiB")
    assert "segments" in err and len(err.strip().splitlines()) == 1
