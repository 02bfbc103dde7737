"""Element-wise comparison with tolerances that explains a mismatch in one line.

Floats pass where |actual - expected| <= atol + rtol * |expected| (NumPy's isclose rule), where
both are NaN, or where both are the same infinity. Integers, booleans and strings must be equal.
Shapes and dtypes must match exactly.
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np

RTOL = 1e-4
ATOL = 1e-5


@dataclass
class Comparison:
    ok: bool
    reason: str = ""              # empty when ok
    max_abs: float = 0.0          # over elements where both values are finite
    max_rel: float = 0.0          # same, relative to |expected|, where |expected| > atol
    bad: int = 0                  # elements out of tolerance
    total: int = 0


def _is_float(dtype: np.dtype) -> bool:
    # ml_dtypes' bfloat16 / float8 types have kind 'V' but convert to float64.
    return dtype.kind in "fc" or (dtype.kind == "V" and "float" in dtype.name)


def _fmt(x) -> str:
    x = x.item() if hasattr(x, "item") else x
    if isinstance(x, float):
        return f"{x:.8g}"
    return repr(x)


def _fmt_index(flat: int, shape) -> str:
    if not shape:
        return "()"
    return "(" + ",".join(str(i) for i in np.unravel_index(flat, shape)) + ")"


def compare(actual: np.ndarray, expected: np.ndarray, rtol: float = RTOL, atol: float = ATOL,
            check_dtype: bool = True) -> Comparison:
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        return Comparison(False, f"shape {list(actual.shape)} != expected {list(expected.shape)}")
    if check_dtype and actual.dtype != expected.dtype:
        return Comparison(False, f"dtype {actual.dtype} != expected {expected.dtype}")
    total = expected.size
    if total == 0:
        return Comparison(True, total=0)

    if _is_float(expected.dtype):
        ctype = np.complex128 if expected.dtype.kind == "c" else np.float64
        a = actual.astype(ctype).ravel()
        e = expected.astype(ctype).ravel()
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(a - e)
            tol = atol + rtol * np.abs(e)
            finite = np.isfinite(a) & np.isfinite(e)
            ok = (a == e) | (np.isnan(a) & np.isnan(e)) | (finite & (diff <= tol))
            max_abs = float(diff[finite].max()) if finite.any() else 0.0
            rel_mask = finite & (np.abs(e) > atol)
            max_rel = float((diff[rel_mask] / np.abs(e[rel_mask])).max()) if rel_mask.any() else 0.0
            bad = int((~ok).sum())
            if bad == 0:
                return Comparison(True, max_abs=max_abs, max_rel=max_rel, total=total)
            # Point at the worst offender: a NaN/inf mismatch first, else the largest excess.
            nonfinite_bad = np.flatnonzero(~ok & ~finite)
            if nonfinite_bad.size:
                worst = int(nonfinite_bad[0])
            else:
                worst = int(np.argmax(np.where(ok, -np.inf, diff / tol)))
        reason = (f"{bad}/{total} values out of tolerance (rtol {rtol:g}, atol {atol:g}); "
                  f"max abs diff {max_abs:.3g}, max rel diff {max_rel:.3g}; "
                  f"worst at {_fmt_index(worst, expected.shape)}: got {_fmt(a[worst])}, "
                  f"expected {_fmt(e[worst])}")
        return Comparison(False, reason, max_abs, max_rel, bad, total)

    eq = np.asarray(actual == expected).ravel()
    bad = int((~eq).sum())
    if bad == 0:
        return Comparison(True, total=total)
    first = int(np.flatnonzero(~eq)[0])
    reason = (f"{bad}/{total} values differ; first at {_fmt_index(first, expected.shape)}: "
              f"got {_fmt(actual.ravel()[first])}, expected {_fmt(expected.ravel()[first])}")
    return Comparison(False, reason, bad=bad, total=total)

