"""``log`` and ``exp`` in numba that LLVM can vectorise (SIMD), to full double accuracy.

numba compiles ``math.log`` and ``math.exp`` to calls of the C library, one element at a time:
a loop that calls them is never vectorised (there is no SVML here).  The functions below are
the classic fdlibm/musl algorithms written with integer bit operations and selects instead of
branches, so that a loop over an array compiles to vector instructions:

* :func:`log1` -- ``x = 2^k m`` with ``m`` in ``[sqrt(2)/2, sqrt(2))`` taken from the bits,
  then ``log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2))`` with ``s = f / (2 + f)`` and fdlibm's
  degree-14 minimax polynomial ``R``; error below 1 ulp.  Subnormal inputs are scaled by 2^54
  first; ``log(0) = -inf``, ``log(x < 0) = nan``, ``log(inf) = inf``, ``log(nan) = nan``.
* :func:`exp1` -- ``x = k ln2 + r`` (``ln2`` split in two so that ``k ln2_hi`` is exact), then
  fdlibm's rational form ``1 + r + r c / (2 - c)`` with a degree-10 minimax ``c``; error below
  1 ulp.  ``2^k`` is built from the bits, in two factors when the result is subnormal or near
  overflow; ``exp(-inf) = 0``, ``exp(inf) = inf``, ``exp(nan) = nan``.
* :func:`log_normal1` -- :func:`log1` without the special cases, for positive normal finite
  arguments only (the search kernel's mixture sums).

No ``fastmath`` and no FMA contraction: the results are the same on every CPU, whatever the
vector width, which the bit-for-bit reproducibility of the search relies on.  Checked against
the C library's ``log`` and ``exp`` (within 1 ulp) in ``tests/exactid/search/test_vecmath.py``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

_JIT = dict(cache=True, error_model="numpy", nogil=True)

LN2_HI = 6.93147180369123816490e-01   # 0x3fe62e42 fee00000: k * LN2_HI is exact
LN2_LO = 1.90821492927058770002e-10   # 0x3dea39ef 35793c76
INV_LN2 = 1.44269504088896338700e+00
# fdlibm e_log.c: log(1 + f) = f - hfsq + s (hfsq + R(z)), z = s^2.
LG1 = 6.666666666666735130e-01
LG2 = 3.999999999940941908e-01
LG3 = 2.857142874366239149e-01
LG4 = 2.222219843214978396e-01
LG5 = 1.818357216161805012e-01
LG6 = 1.531383769920937332e-01
LG7 = 1.479819860511658591e-01
# fdlibm e_exp.c: exp(r) = 1 + r + r c / (2 - c), c = r - r^2 P(r^2).
P1 = 1.66666666666666019037e-01
P2 = -2.77777777770155933842e-03
P3 = 6.61375632143793436117e-05
P4 = -1.65339022054652515390e-06
P5 = 4.13813679705723846039e-08
#: Smallest positive normal double.
TINY = 2.2250738585072014e-308
#: exp overflows above this and underflows to 0 below EXP_MIN.
EXP_MAX = 709.782712893383973096
EXP_MIN = -745.13321910194110842


@intrinsic
def _bits(typingctx, x):
    """The IEEE bits of a float64 as an int64 (a bit cast, vectorisable)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _from_bits(typingctx, i):
    """The float64 with the IEEE bits of an int64 (a bit cast, vectorisable)."""
    if i != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@nb.njit(**_JIT)
def _log_reduced(ix, k):
    """``log(x)`` from the bits ``ix`` of a positive normal ``x`` plus ``k ln 2``."""
    hx = (ix >> 32) + (0x3FF00000 - 0x3FE6A09E)
    k = k + (hx >> 20) - 0x3FF
    hx = (hx & 0x000FFFFF) + 0x3FE6A09E
    m = _from_bits((hx << 32) | (ix & 0xFFFFFFFF))
    f = m - 1.0
    hfsq = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (LG2 + w * (LG4 + w * LG6))
    t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)))
    dk = float(k)
    return s * (hfsq + (t2 + t1)) + dk * LN2_LO - hfsq + f + dk * LN2_HI


@nb.njit(**_JIT)
def log_normal1(x):
    """Natural log of a positive, normal, finite ``x`` (no special cases; error < 1 ulp)."""
    return _log_reduced(_bits(x), 0)


@nb.njit(**_JIT)
def log1(x):
    """Natural log of any float64, as ``math.log`` but vectorisable (error < 1 ulp)."""
    sub = x < TINY
    # Subnormals (and the special values, whose result is selected below) scaled up by 2^54.
    y = x * 18014398509481984.0 if sub else x
    y = y if y >= TINY else 1.0
    y = y if y <= 1.7976931348623157e308 else 1.0
    out = _log_reduced(_bits(y), -54 if sub else 0)
    out = -math.inf if x == 0.0 else out
    out = math.inf if x == math.inf else out
    return math.nan if (x < 0.0 or x != x) else out


@nb.njit(**_JIT)
def _pow2(k):
    """``2^k`` for an integer ``-1022 <= k <= 1023``."""
    return _from_bits((k + 1023) << 52)


@nb.njit(**_JIT)
def exp1(x):
    """``e^x`` for any float64, as ``math.exp`` but vectorisable (error < 1 ulp)."""
    # Clamp first: the integer conversion of nan or of a huge value would be undefined.
    xc = x if x > -746.0 else -746.0
    xc = xc if xc < 710.0 else 710.0
    fk = INV_LN2 * xc
    k = int(fk + 0.5) if fk >= 0.0 else int(fk - 0.5)   # round half away from 0
    hi = xc - k * LN2_HI
    lo = k * LN2_LO
    r = hi - lo
    rr = r * r
    c = r - rr * (P1 + rr * (P2 + rr * (P3 + rr * (P4 + rr * P5))))
    y = 1.0 + (r * c / (2.0 - c) - lo + hi)
    # 2^k in two factors where one would leave the normal range (subnormal results, k = 1024).
    k1 = k + 1000 if k < -1000 else (k - 1000 if k > 1000 else k)
    post = 9.332636185032189e-302 if k < -1000 else (1.0715086071862673e301 if k > 1000
                                                      else 1.0)
    out = y * _pow2(k1) * post
    out = 0.0 if x < EXP_MIN else out
    out = math.inf if x > EXP_MAX else out
    return x if x != x else out


@nb.njit(**_JIT)
def log_array(x, out):
    """``out[i] = log1(x[i])`` for arrays of shape (N,)."""
    for i in range(x.shape[0]):
        out[i] = log1(x[i])


@nb.njit(**_JIT)
def exp_array(x, out):
    """``out[i] = exp1(x[i])`` for arrays of shape (N,)."""
    for i in range(x.shape[0]):
        out[i] = exp1(x[i])


@nb.njit(**_JIT)
def ulp_distance(a, b):
    """Number of representable doubles between ``a`` and ``b`` (0 if equal, including equal
    infinities and two nans; a large number if exactly one is nan)."""
    if a != a or b != b:
        return 0 if (a != a and b != b) else 1 << 62
    ia = _bits(a)
    ib = _bits(b)
    # Map the sign-magnitude bits to a monotone integer scale.
    ia = ia if ia >= 0 else -(ia & 0x7FFFFFFFFFFFFFFF)
    ib = ib if ib >= 0 else -(ib & 0x7FFFFFFFFFFFFFFF)
    return abs(ia - ib)


@nb.njit(parallel=True, **_JIT)
def compare_with_libm(x, which):
    """Largest ulp distance and number of differing results between :func:`log1`
    (``which = 0``) or :func:`exp1` (``which = 1``) and the C library on ``x`` of shape (N,).

    Returns
    -------
    worst : int
    n_diff : int
    worst_x : float
        An argument with the largest distance.
    """
    n_chunks = 64
    worst = np.zeros(n_chunks, dtype=np.int64)
    n_diff = np.zeros(n_chunks, dtype=np.int64)
    worst_x = np.zeros(n_chunks)
    size = (x.shape[0] + n_chunks - 1) // n_chunks
    for c in nb.prange(n_chunks):
        for i in range(c * size, min((c + 1) * size, x.shape[0])):
            v = x[i]
            if which == 0:
                d = ulp_distance(log1(v), math.log(v) if v >= 0.0 else math.nan)
            else:
                d = ulp_distance(exp1(v), math.exp(v))
            if d != 0:
                n_diff[c] += 1
            if d > worst[c]:
                worst[c] = d
                worst_x[c] = v
    best = np.argmax(worst)
    return worst[best], n_diff.sum(), worst_x[best]
