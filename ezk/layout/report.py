"""Map a mock failure back to the ONNX node whose layout placed the failing cell."""

from __future__ import annotations

from ezk.ops.bounds import describe_leaf_bound
from ezk.plonk import CopyFailure, GateFailure, LookupFailure


def _block_of(laid, failure) -> tuple[int | None, str, int]:
    """(block, advice column name or "", row) of the cell the failure is about."""
    if isinstance(failure, CopyFailure):
        for cell in (failure.b, failure.a):  # the advice side of an instance copy is b
            if cell.column_name in laid.column_block:
                return laid.column_block[cell.column_name], cell.column_name, cell.row
        return None, "", failure.row
    if isinstance(failure, GateFailure):
        return laid.gate_block.get(failure.gate), "", failure.row
    if isinstance(failure, LookupFailure):
        return laid.gate_block.get(failure.lookup), "", failure.row
    return None, "", failure.row


def _poseidon_row(laid, lane: int, row: int) -> str:
    lanes = laid.poseidon
    g = lane * lanes.u + row
    chain = int(lanes.chain_of_row[g]) if 0 <= row < lanes.u and g < len(lanes.chain_of_row) else -1
    if chain < 0:
        return f"row {row} of Poseidon lane {lane}, which hashes nothing"
    what = lanes.labels[chain]
    if g == int(lanes.digest_rows[chain]):
        return f"the Poseidon digest of {what} (its public hash)"
    return f"the Poseidon hash of {what} (lane {lane})"


def _dynamic_row(laid, lane: str, row: int) -> str:
    lanes = laid.dynamic
    kind = "table" if lane.startswith("dt") else "lookup"
    rows = lanes.table_of_row.get(lane)
    t = int(rows[row]) if rows is not None and 0 <= row < len(rows) else -1
    if t < 0:
        return f"row {row} of dynamic {kind} lane {lane}, which holds no {kind}"
    what = "a row of the table of" if kind == "table" else "a lookup into"
    return f"{what} {lanes.label(t)} (dynamic {kind} lane {lane}, table {t})"


def explain(laid, failure) -> str:
    blk, col, row = _block_of(laid, failure)
    where = f"{failure.kind} {failure.name!r} fails at row {failure.row}"
    if col:
        where += f" (column {col}, row {row})"
    node_txt = "no graph node placed that row"
    if isinstance(blk, str) and blk.startswith("d"):  # a lane of the dynamic lookups
        node_txt = _dynamic_row(laid, blk, row)
    elif isinstance(blk, str):  # a lane of the Poseidon gadget
        node_txt = _poseidon_row(laid, int(blk[1:]), row)
    elif blk is not None and 0 <= row < len(laid.row_node[blk]):
        nid = int(laid.row_node[blk][row])
        if nid >= 0:
            n = laid.graph.nodes[nid]
            node_txt = f"node {n.onnx_name!r} ({n.onnx_op}, core op {n.op}, tensor {nid})"
            if "bound_bits" in n.attrs:  # a leaf's rows are its range check
                what = "input" if n.op == "input" else "private parameter"
                node_txt += (f", the range check of the {what} to "
                             f"{describe_leaf_bound(int(n.attrs['bound_bits']), n.scale)}")
    vals = ", ".join(f"{k}={v}" for k, v in failure.values.items())
    return f"{where}: {node_txt}" + (f"; values {vals}" if vals else "")
