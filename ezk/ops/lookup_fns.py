"""The unary functions a ``lookup`` table can hold, as vectorised float64 maps.

Each entry is f(x, p) with p the node's float parameters (``alpha``, ``beta`` …).  A lookup node
evaluates  y = round_half_up( f(a·x/2^s_in + b) · 2^s_out )  where a = ``pre_mul`` and
b = ``pre_add`` let a composite op fold a constant affine map into the table (e.g. the 1/n³ and
ε of a layer norm's variance).
"""

from __future__ import annotations

import math

import numpy as np

_erf = np.frompyfunc(math.erf, 1, 1)


def erf(x):
    return _erf(np.asarray(x, dtype=np.float64)).astype(np.float64)


def _safe_pos(x):
    return np.maximum(x, 1e-300)


def _gelu(x, p):
    if p.get("approximate") == "tanh":
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def _selu(x, p):
    a = p.get("alpha", 1.6732632423543772)
    g = p.get("gamma", 1.0507009873554805)
    return g * np.where(x > 0, x, a * np.expm1(np.minimum(x, 0)))


FUNCTIONS = {
    "exp": lambda x, p: np.exp(np.minimum(x, 700.0)),
    "log": lambda x, p: np.log(_safe_pos(x)),
    "log_floor": lambda x, p: np.log(np.maximum(x, p["floor"])),  # ln of a base quantized to 0: of half a step
    "erf": lambda x, p: erf(x),
    "tanh": lambda x, p: np.tanh(x),
    "sigmoid": lambda x, p: 0.5 * (1.0 + np.tanh(0.5 * x)),
    "gelu": _gelu,
    "silu": lambda x, p: x * 0.5 * (1.0 + np.tanh(0.5 * x)),
    "sqrt": lambda x, p: np.sqrt(np.maximum(x, 0.0)),
    "rsqrt": lambda x, p: 1.0 / np.sqrt(_safe_pos(x)),
    "recip": lambda x, p: np.where(x == 0, 0.0, 1.0 / np.where(x == 0, 1.0, x)),
    "leaky_relu": lambda x, p: np.where(x >= 0, x, p.get("alpha", 0.01) * x),
    "elu": lambda x, p: np.where(x > 0, x, p.get("alpha", 1.0) * np.expm1(np.minimum(x, 0))),
    "celu": lambda x, p: np.maximum(x, 0) + np.minimum(0, p.get("alpha", 1.0) * np.expm1(np.minimum(x, 0) / p.get("alpha", 1.0))),
    "selu": _selu,
    "softplus": lambda x, p: np.logaddexp(0.0, x),
    "softsign": lambda x, p: x / (1.0 + np.abs(x)),
    "mish": lambda x, p: x * np.tanh(np.logaddexp(0.0, x)),
    "hard_sigmoid": lambda x, p: np.clip(p.get("alpha", 0.2) * x + p.get("beta", 0.5), 0.0, 1.0),
    "hard_swish": lambda x, p: x * np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "sin": lambda x, p: np.sin(x),
    "cos": lambda x, p: np.cos(x),
    "tan": lambda x, p: np.tan(x),
    "atan": lambda x, p: np.arctan(x),
    "sinh": lambda x, p: np.sinh(np.clip(x, -700, 700)),
    "cosh": lambda x, p: np.cosh(np.clip(x, -700, 700)),
    "asinh": lambda x, p: np.arcsinh(x),
    "abs": lambda x, p: np.abs(x),
    "sign": lambda x, p: np.sign(x),
    "pow": lambda x, p: np.power(_safe_pos(x), p["exponent"]),
    "round": lambda x, p: np.round(x),
    "floor": lambda x, p: np.floor(x),
    "ceil": lambda x, p: np.ceil(x),
    # integer tables (in_scale 0): exact for integers below 2^52
    "int_div": lambda x, p: np.trunc(x / p["divisor"]),
    "mod": lambda x, p: np.mod(x, p["divisor"]),
    "fmod": lambda x, p: np.fmod(x, p["divisor"]),
    "asin": lambda x, p: np.arcsin(np.clip(x, -1.0, 1.0)),
    "acos": lambda x, p: np.arccos(np.clip(x, -1.0, 1.0)),
    "acosh": lambda x, p: np.arccosh(np.maximum(x, 1.0)),
    "atanh": lambda x, p: np.arctanh(np.clip(x, -1.0 + 1e-15, 1.0 - 1e-15)),
    "relu6": lambda x, p: np.clip(x, 0.0, 6.0),
    "thresholded_relu": lambda x, p: np.where(x > p.get("alpha", 1.0), x, 0.0),
    "shrink": lambda x, p: np.where(x < -p.get("lambd", 0.5), x + p.get("bias", 0.0),
                                    np.where(x > p.get("lambd", 0.5), x - p.get("bias", 0.0), 0.0)),
    "exp_base": lambda x, p: np.exp(np.minimum(x * math.log(p["base"]), 700.0)),
}


def apply(fn: str, x: np.ndarray, params: dict) -> np.ndarray:
    """f(x) in float64 for the table named `fn`."""
    with np.errstate(all="ignore"):
        y = FUNCTIONS[fn](np.asarray(x, dtype=np.float64), params)
    return np.nan_to_num(np.asarray(y, dtype=np.float64), nan=0.0, posinf=2.0**40, neginf=-(2.0**40))
