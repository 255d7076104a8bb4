"""RNN, GRU and LSTM, unrolled over the (static) sequence into einsum / add / mul / lookup.

For each direction the input projection of every step is ONE einsum, XW[t] = X[t]·Wᵀ + (Wb + Rb)
(for GRU's linear_before_reset the Rb of the candidate gate stays inside the reset product).
Then per step, with f, g, h the activations (default sigmoid, tanh, tanh):

    RNN:   H = f(XW + H₋·Rᵀ)
    GRU:   z = f(·z), r = f(·r),  ĥ = g(XW_h + (r ⊙ H₋)·R_hᵀ)          (linear_before_reset = 0)
                                  ĥ = g(XW_h + r ⊙ (H₋·R_hᵀ + Rb_h))     (linear_before_reset = 1)
           H = ĥ + z ⊙ (H₋ − ĥ)
    LSTM:  i = f(·i + P_i⊙C₋), f_ = f(·f + P_f⊙C₋), c = g(·c),  C = f_⊙C₋ + i⊙c,
           o = f(·o + P_o⊙C),  H = o ⊙ h(C)

Gate pre-activations are clipped to ±clip when the attribute is set.  Slicing a step or a gate is
a free index map; Y, Y_h (and Y_c) are index maps over the per-step states."""

from __future__ import annotations

import numpy as np

from ezk.graph.builder import Const, Tensor
from ezk.graph.lowering._util import attr, is_const

_DEFAULT_ACTS = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"], "LSTM": ["Sigmoid", "Tanh", "Tanh"]}
_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
_TABLES = {"sigmoid": "sigmoid", "tanh": "tanh", "softsign": "softsign", "softplus": "softplus",
           "elu": "elu", "hardsigmoid": "hard_sigmoid", "thresholdedrelu": "thresholded_relu"}


def _activation(b, name: str, x: Tensor, alpha, beta) -> Tensor:
    key = name.lower()
    if key == "relu":
        return b.emit("max", [x, b.const_int(np.array(0), x.scale)])
    if key == "leakyrelu":
        a = 0.01 if alpha is None else alpha
        ax = b.mul(x, Const(np.array(a)))
        xs, axs = b.align(x, ax)
        return b.emit("max" if a <= 1 else "min", [xs, axs])
    if key not in _TABLES:
        raise ValueError(f"recurrent activation {name} is not supported")
    params = {}
    if key == "hardsigmoid":
        params = {"alpha": 0.2 if alpha is None else alpha, "beta": 0.5 if beta is None else beta}
    elif key in ("elu", "thresholdedrelu"):
        params = {"alpha": 1.0 if alpha is None else alpha}
    return b.lookup(x, _TABLES[key], params)


def _step(b, xw, t):
    return b.remap(xw, lambda a: a[t], "slice")


def _gate(b, v, k, hidden):
    return b.remap(v, lambda a: a[..., k * hidden:(k + 1) * hidden], "slice")


def _stack(b, states, shape):
    """Index map placing states[i] (all [batch, H], one scale) at flat block i of `shape`."""
    states = b.align(*states)
    block = states[0].size
    idx = (np.arange(len(states))[:, None] * block + np.arange(block)[None, :]).reshape(shape)
    return b.index_map(states, idx, "stack")


def _cell_const(b, v, d):
    """Direction d of an optional initial state: None for absent or all-zero constants."""
    if v is None:
        return None
    if is_const(v):
        arr = np.asarray(v.value, dtype=np.float64)[d]
        return None if not np.any(arr) else Const(arr, v.is_param)
    return b.remap(v, lambda a: a[d], "slice")


def _lower_recurrent(b, node, ins, opset):
    op = node.op_type
    ins = list(ins) + [None] * (8 - len(ins))
    x, w, r, bias, seq_lens, h0 = ins[:6]
    c0 = ins[6] if op == "LSTM" else None
    peep = ins[7] if op == "LSTM" else None
    if not (is_const(w) and is_const(r)) or (bias is not None and not is_const(bias)):
        raise ValueError(f"{op} weights must be constant")
    if op == "LSTM" and int(attr(node, "input_forget", 0)):
        raise ValueError("LSTM input_forget=1 is not supported")
    layout = int(attr(node, "layout", 0))
    if layout:
        x = b.remap(x, lambda a: np.swapaxes(a, 0, 1), "transpose")
        h0 = None if h0 is None else b.remap(h0, lambda a: np.swapaxes(a, 0, 1), "transpose")
        c0 = None if c0 is None else b.remap(c0, lambda a: np.swapaxes(a, 0, 1), "transpose")
    x = b.tensor(x)
    seq, batch, _ = x.shape
    if seq_lens is not None:
        if not is_const(seq_lens) or np.any(np.asarray(seq_lens.value) != seq):
            raise ValueError(f"{op} with sequence_lens shorter than the sequence is not supported")
    hidden = int(attr(node, "hidden_size"))
    direction = attr(node, "direction", b"forward")
    direction = direction.decode() if isinstance(direction, bytes) else direction
    dirs = ["forward", "reverse"] if direction == "bidirectional" else [direction]
    gates = _GATES[op]
    acts = [a.decode() if isinstance(a, bytes) else a for a in (attr(node, "activations") or [])]
    n_act = len(_DEFAULT_ACTS[op])
    alphas = list(attr(node, "activation_alpha") or [])
    betas = list(attr(node, "activation_beta") or [])
    clip = attr(node, "clip")
    lbr = int(attr(node, "linear_before_reset", 0)) if op == "GRU" else 0
    wv = np.asarray(w.value, dtype=np.float64)
    rv = np.asarray(r.value, dtype=np.float64)
    bv = np.zeros((len(dirs), 2 * gates * hidden)) if bias is None else np.asarray(bias.value, dtype=np.float64)
    ys, hs, cs = [], [], []
    for di, dname in enumerate(dirs):
        names = acts[di * n_act:(di + 1) * n_act] or _DEFAULT_ACTS[op]
        al = alphas[di * n_act:(di + 1) * n_act] + [None] * n_act
        be = betas[di * n_act:(di + 1) * n_act] + [None] * n_act

        def act(k, v, names=names, al=al, be=be):
            if clip is not None:
                lim = b.quant(Const(np.array(float(clip))), v.scale)
                v = b.emit("min", [b.emit("max", [v, b.emit("neg", [lim])]), lim])
            return _activation(b, names[k], v, al[k], be[k])

        wb, rb = bv[di, :gates * hidden], bv[di, gates * hidden:]
        in_bias = wb + rb
        if lbr:
            in_bias = in_bias.copy()
            in_bias[2 * hidden:] = wb[2 * hidden:]
        xw = b.add(b.einsum("tbi,gi->tbg", x, Const(wv[di], w.is_param)), Const(in_bias, True))
        rt = Const(rv[di], r.is_param)
        h = _cell_const(b, h0, di)
        c = _cell_const(b, c0, di)
        if h is not None and is_const(h):
            h = b.tensor(h, b.ra.input_scale)
        if c is not None and is_const(c):
            c = b.tensor(c, b.ra.input_scale)
        pv = None if peep is None else np.asarray(peep.value, dtype=np.float64)[di]
        steps = range(seq) if dname == "forward" else range(seq - 1, -1, -1)
        outs = {}
        for t in steps:
            xt = _step(b, xw, t)
            hr = hh_r = None
            if h is not None and op == "GRU":
                hr = b.einsum("bh,gh->bg", h, Const(rv[di][:2 * hidden], r.is_param))
                if lbr:
                    hh_r = b.einsum("bh,gh->bg", h, Const(rv[di][2 * hidden:], r.is_param))
            elif h is not None:
                hr = b.einsum("bh,gh->bg", h, rt)
            if op == "RNN":
                h = act(0, xt if hr is None else b.add(xt, hr))
            elif op == "GRU":
                zr = b.remap(xt, lambda a: a[..., :2 * hidden], "slice")
                if hr is not None:
                    zr = b.add(zr, hr)
                z, rg = act(0, _gate(b, zr, 0, hidden)), act(0, _gate(b, zr, 1, hidden))
                cand = _gate(b, xt, 2, hidden)
                if lbr:
                    rbh = Const(rb[2 * hidden:], True)
                    hh = rbh if hh_r is None else b.add(hh_r, rbh)
                    cand = b.add(cand, b.mul(rg, hh))
                elif h is not None:
                    cand = b.add(cand, b.einsum("bh,gh->bg", b.mul(rg, h), Const(rv[di][2 * hidden:], r.is_param)))
                hc = act(1, cand)
                # H = (1 − z)·ĥ + z·H₋ = ĥ + z·(H₋ − ĥ)
                diff = b.emit("neg", [hc]) if h is None else b.add(h, hc, "sub")
                h = b.add(hc, b.mul(z, diff))
            else:
                pre = xt if hr is None else b.add(xt, hr)
                gi, go, gf, gc = (_gate(b, pre, k, hidden) for k in range(4))
                if pv is not None and c is not None:
                    gi = b.add(gi, b.mul(c, Const(pv[:hidden], True)))
                    gf = b.add(gf, b.mul(c, Const(pv[2 * hidden:], True)))
                i_, f_, g_ = act(0, gi), act(0, gf), act(1, gc)
                ig = b.mul(i_, g_)
                c = ig if c is None else b.add(b.mul(f_, c), ig)
                c = b.rebase(c)
                if pv is not None:
                    go = b.add(go, b.mul(c, Const(pv[hidden:2 * hidden], True)))
                o_ = act(0, go)
                h = b.rebase(b.mul(o_, act(2, c)))
            h = b.rebase(h)
            outs[t] = (h, c)
        ys.append([outs[t][0] for t in range(seq)])
        last = seq - 1 if dname == "forward" else 0
        hs.append(outs[last][0])
        cs.append(outs[last][1])
    # Y [seq, dirs, batch, H]: state order t-major then direction
    y = _stack(b, [ys[d][t] for t in range(seq) for d in range(len(dirs))], (seq, len(dirs), batch, hidden))
    yh = _stack(b, hs, (len(dirs), batch, hidden))
    results = [y, yh]
    if op == "LSTM":
        results.append(_stack(b, cs, (len(dirs), batch, hidden)))
    if layout:
        results[0] = b.remap(results[0], lambda a: np.transpose(a, (2, 0, 1, 3)), "transpose")
        results[1:] = [b.remap(v, lambda a: np.swapaxes(a, 0, 1), "transpose") for v in results[1:]]
    return results[: len(node.output)]


RULES = {"RNN": _lower_recurrent, "GRU": _lower_recurrent, "LSTM": _lower_recurrent}
