r"""The per-atom log density tables of the search, shared between decoders through their pieces.

Every decoder of a search needs the table ``L[a, i] = log p_a(x_i)``: the density of mixture
atom ``a`` (a Gaussian latent) pushed through the decoder, plus noise, at every node.  On a
piece ``[lo, hi]`` where the decoder is the affine map ``z -> s z + t``, the atom contributes

.. math::

    \log p_{a,k}(x) = \log N(x;\, s \mu_a + t,\, s^2 v_a + \sigma^2)
                      + \log\bigl(\Phi(b(x)) - \Phi(a(x))\bigr),

a function of the piece ``(s, t, lo, hi)`` (and of the images of its ends), the atom and
:math:`\sigma` only -- not of the rest of the decoder -- and ``L`` is the log-sum-exp of the
terms of the decoder's pieces.  The terms are expensive (each is an accurate log Gaussian
mass, :func:`exactid.density.special.log_gauss_mass1`, ~40 ns), and most decoders of a grid
share their pieces with others (the J.3.1 family has 12,655 pieces in its 5,151 canonical
decoders but only 2,028 distinct ones; with three hidden units 533,827 and 9,776), so the
terms of each distinct piece are computed once per noise level (:func:`fill_terms`) and a
decoder's table is only a log-sum-exp of cached rows (:func:`cached_table`, vectorised with
:mod:`exactid.search._vecmath`).  A term is computed by the same scalar kernel,
:func:`exactid.density.kernels.log_pdf_smooth1`, with the same per-piece constants as
:func:`exactid.search._kernels.atom_log_density`, so the two tables differ only in how the
(at most H + 1) terms are summed: by a few ulp (checked in the tests).

When the cache would be too large (many nodes, e.g. a sample NLL over a large data set), the
tables are computed decoder by decoder instead (:func:`direct_table`).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..density.kernels import BIG
from ..density.special import log_gauss_mass1
from ._kernels import TERM_ROWS, atom_log_density, decoder_pieces1
from ._vecmath import exp1, log1

_JIT = dict(cache=True, error_model="numpy", nogil=True)

#: Columns of a piece key: slope, intercept, lower and upper end, and the decoder's values at
#: the two ends as computed by :func:`exactid.search._kernels.atom_log_density` (from the
#: neighbouring piece at the lower end).
KEY_COLUMNS = 6
LOG2 = math.log(2.0)
#: Relative terms below e^TINY_LOG (1e-304) are dropped from sums of order 1 (see
#: :func:`cached_table` and :func:`envelope`).
TINY_LOG = -700.0
#: An interval holding the standard normal from -9 to 9 has log mass within 2.3e-19 of 0 (far
#: below an ulp of the log densities): such terms skip the two tail evaluations.
FULL_MASS = 9.0


@nb.njit(**_JIT)
def _decoder_keys(decoders, negative_slope, rows, n_pieces):
    """Fill ``rows[d, k]`` with the key of piece ``k`` of decoder ``d`` (NaN-padded)."""
    n_units = decoders.shape[2]
    breaks = np.empty(n_units)
    slopes = np.empty(n_units + 1)
    intercepts = np.empty(n_units + 1)
    for d in range(decoders.shape[0]):
        n = decoder_pieces1(decoders[d, 0], decoders[d, 1], decoders[d, 2], negative_slope,
                            breaks, slopes, intercepts)
        n_pieces[d] = n
        for k in range(n):
            rows[d, k, 0] = slopes[k]
            rows[d, k, 1] = intercepts[k]
            rows[d, k, 2] = -math.inf if k == 0 else breaks[k - 1]
            rows[d, k, 3] = math.inf if k == n - 1 else breaks[k]
            rows[d, k, 4] = 0.0 if k == 0 else slopes[k - 1] * breaks[k - 1] + intercepts[k - 1]
            rows[d, k, 5] = 0.0 if k == n - 1 else slopes[k] * breaks[k] + intercepts[k]


def piece_keys(decoders: np.ndarray, negative_slope: float):
    """The distinct pieces of a set of decoders.

    Parameters
    ----------
    decoders : ndarray, shape (D, 3, H)
    negative_slope : float

    Returns
    -------
    keys : ndarray, shape (P, 6)
        The distinct pieces (:data:`KEY_COLUMNS`), in lexicographic order.
    decoder_keys : ndarray of int64, shape (D, H + 1)
        Row ``d``: indices into ``keys`` of decoder ``d``'s pieces from left to right, padded
        with -1.
    """
    n_dec, _, n_units = decoders.shape
    rows = np.full((n_dec, n_units + 1, KEY_COLUMNS), np.nan)
    n_pieces = np.zeros(n_dec, dtype=np.int64)
    if n_dec:
        _decoder_keys(np.ascontiguousarray(decoders, dtype=float), float(negative_slope), rows,
                      n_pieces)
    used = np.arange(n_units + 1)[None, :] < n_pieces[:, None]
    keys, inverse = np.unique(rows[used], axis=0, return_inverse=True)
    decoder_keys = np.full((n_dec, n_units + 1), -1, dtype=np.int64)
    decoder_keys[used] = inverse.ravel()
    return np.ascontiguousarray(keys), decoder_keys


@nb.njit(**_JIT)
def _piece_constants(a_k, b_k, lo, hi, mu, var, sigma):
    """The constants of one piece ``a_k z + b_k`` on ``[lo, hi]`` and one atom ``(mu, var)``:
    ``(mean, inv2v, lognorm, pa, pb, q)`` (the formulas of
    :func:`exactid.search._kernels.atom_log_density`), shared by the terms and their bound."""
    s2 = sigma * sigma
    v = a_k * a_k * var + s2
    tau = math.sqrt(var) * sigma / math.sqrt(v)
    scale = 1.0 / (v * tau)
    pa = 0.0 if lo == -math.inf else s2 * (lo - mu) * scale
    pb = 0.0 if hi == math.inf else s2 * (hi - mu) * scale
    return (a_k * mu + b_k, 0.5 / v, -0.5 * math.log(2.0 * math.pi * v), pa, pb,
            a_k * var * scale)


@nb.njit(**_JIT)
def _piece_terms(key, mu, var, sigma, x, out):
    """``out[i]`` = the term of one piece and one atom at ``x[i]`` (see the module docstring).

    The per-piece constants are those of :func:`exactid.search._kernels.atom_log_density` and
    the term is that of :func:`exactid.density.kernels.log_pdf_smooth1` (which returns exactly
    this value for a single term): the same formulas, written out for one term so that no
    array is passed per node, except that a log mass within 2.3e-19 of 0 is taken as 0.
    """
    a_k, b_k, lo, hi, flo, fhi = key[0], key[1], key[2], key[3], key[4], key[5]
    first = lo == -math.inf
    last = hi == math.inf
    mean, inv2v, lognorm, pa, pb, q = _piece_constants(a_k, b_k, lo, hi, mu, var, sigma)
    for i in range(x.shape[0]):
        xi = x[i]
        dx = xi - mean
        if abs(dx) < BIG:
            log_gauss = lognorm - dx * dx * inv2v
        else:  # dx * dx would overflow although dx^2 / (2 v) may not
            r = dx * math.sqrt(inv2v)
            log_gauss = lognorm - r * r
        a = -math.inf if first else pa + q * (flo - xi)
        b = math.inf if last else pb + q * (fhi - xi)
        if a <= -FULL_MASS and b >= FULL_MASS:
            # log(Phi(b) - Phi(a)) lies in (-2 Phi(-9), 0] = (-2.3e-19, 0]: taken as 0.
            out[i] = log_gauss
        else:
            out[i] = log_gauss + log_gauss_mass1(a, b)


@nb.njit(parallel=True, **_JIT)
def fill_terms(terms, rows, keys, atom_mu, atom_var, sigma, x, i0, i1):
    """Fill ``terms[p, a, i0:i1]`` for every piece ``p`` in ``rows`` and every atom.

    Parameters
    ----------
    terms : ndarray, shape (P, A, N)
        The piece cache (filled in place).
    rows : ndarray of int64, shape (R,)
        Pieces to fill.
    keys : ndarray, shape (P, 6)
        From :func:`piece_keys`.
    atom_mu, atom_var : ndarray, shape (A,)
    sigma : float
        Noise standard deviation (> 0).
    x : ndarray, shape (N,)
    i0, i1 : int
        The nodes to fill.
    """
    for r in nb.prange(rows.shape[0]):
        p = rows[r]
        for a in range(atom_mu.shape[0]):
            _piece_terms(keys[p], atom_mu[a], atom_var[a], sigma, x[i0:i1], terms[p, a, i0:i1])


@nb.njit(**_JIT)
def cached_table(key_row, terms, table, top, i0, i1):
    """Columns ``i0 .. i1 - 1`` of a decoder's table ``L[a, i]`` from cached terms: a
    log-sum-exp over its pieces.

    Parameters
    ----------
    key_row : ndarray of int64, shape (H + 1,)
        The decoder's row of ``decoder_keys`` (-1 padded).
    terms : ndarray, shape (P, A, N)
        Filled at these columns for the decoder's pieces.
    table : ndarray, shape (A, N)
        Output.
    top : ndarray, shape (N,)
        Scratch.
    i0, i1 : int
    """
    # Loops over 0-based slices: an offset index of unknown sign would make numba wrap
    # negative indices around, and that stops LLVM from vectorising the loop.
    n_atoms = table.shape[0]
    n = i1 - i0
    n_pieces = 0
    while n_pieces < key_row.shape[0] and key_row[n_pieces] >= 0:
        n_pieces += 1
    top = top[i0:i1]
    for a in range(n_atoms):
        row = table[a, i0:i1]
        first = terms[key_row[0], a, i0:i1]
        if n_pieces == 1:
            for j in range(n):
                row[j] = first[j]
            continue
        for j in range(n):
            top[j] = first[j]
        for k in range(1, n_pieces):
            other = terms[key_row[k], a, i0:i1]
            for j in range(n):
                top[j] = max(top[j], other[j])
        for j in range(n):
            row[j] = 0.0
        for k in range(n_pieces):
            other = terms[key_row[k], a, i0:i1]
            for j in range(n):
                # Terms below e^-700 of the largest (-inf ones included) add nothing visible
                # to a sum >= 1: taken as 0 (selects, not branches: the loop stays SIMD).
                d = other[j] - top[j]
                keep = d > TINY_LOG
                e = exp1(d if keep else 0.0)
                row[j] += e if keep else 0.0
        for j in range(n):
            # row >= 1 where top is finite (its own term contributes exp(0) = 1).
            row[j] = top[j] + log1(row[j]) if top[j] > -math.inf else -math.inf


@nb.njit(**_JIT)
def upper_envelope(key_row, keys, atom_mu, atom_var, sigma, x, out, i0, i1, cap):
    """Columns ``i0 .. i1 - 1``: an upper bound on ``min(max_a L[a, i], cap)`` without any
    special function, for deciding quickly that a decoder cannot reach a threshold.

    Each term of :func:`_piece_terms` is at most its Gaussian part minus ``t^2 / 2 + log 2``
    where the interval lies beyond ``t > 0`` standard deviations (``Phi(-t) <= exp(-t^2/2)
    / 2``), and a sum of ``n`` terms at most ``log n`` above the largest; a margin of
    1e-9 (plus 1e-12 relative) covers the rounding of the exact table.

    Parameters
    ----------
    key_row : ndarray of int64, shape (H + 1,)
    keys : ndarray, shape (P, 6)
    atom_mu, atom_var : ndarray, shape (A,)
    sigma : float
    x, out : ndarray, shape (N,)
    i0, i1 : int
    cap : float
    """
    n = i1 - i0
    xs = x[i0:i1]
    bound = out[i0:i1]  # 0-based loops vectorise (see cached_table)
    for j in range(n):
        bound[j] = -math.inf
    n_pieces = 0
    while n_pieces < key_row.shape[0] and key_row[n_pieces] >= 0:
        n_pieces += 1
    for k in range(n_pieces):
        a_k, b_k, lo, hi, flo, fhi = keys[key_row[k]]
        first = lo == -math.inf
        last = hi == math.inf
        for a in range(atom_mu.shape[0]):
            mean, inv2v, lognorm, pa, pb, q = _piece_constants(
                a_k, b_k, lo, hi, atom_mu[a], atom_var[a], sigma)
            for j in range(n):
                dx = min(abs(xs[j] - mean), BIG)  # smaller distances: larger terms
                lower = pa + q * (flo - xs[j])
                upper = pb + q * (fhi - xs[j])
                # At most one of the two tails applies (lower <= upper).
                cut_lo = 0.5 * lower * lower + LOG2 if (not first and lower > 0.0) else 0.0
                cut_hi = 0.5 * upper * upper + LOG2 if (not last and upper < 0.0) else 0.0
                bound[j] = max(bound[j], lognorm - dx * dx * inv2v - max(cut_lo, cut_hi))
    extra = math.log(n_pieces) + 1e-9
    for j in range(n):
        value = bound[j] + extra
        bound[j] = min(value + 1e-12 * abs(value), cap)


@nb.njit(**_JIT)
def direct_table(decoder, negative_slope, atom_mu, atom_var, sigma, x, table, i0, i1):
    """Columns ``i0 .. i1 - 1`` of a decoder's table computed directly (no cache), as in the
    reference kernel.

    Parameters
    ----------
    decoder : ndarray, shape (3, H)
    x : ndarray, shape (N,)
    table : ndarray, shape (A, N)
        Output.
    i0, i1 : int
    """
    n_units = decoder.shape[1]
    breaks = np.empty(n_units)
    slopes = np.empty(n_units + 1)
    intercepts = np.empty(n_units + 1)
    n_pieces = decoder_pieces1(decoder[0], decoder[1], decoder[2], negative_slope, breaks,
                               slopes, intercepts)
    terms = np.empty((TERM_ROWS, n_units + 1))
    for a in range(atom_mu.shape[0]):
        atom_log_density(x[i0:i1], table[a, i0:i1], breaks, slopes, intercepts, n_pieces,
                         atom_mu[a], atom_var[a], sigma, terms)


@nb.njit(**_JIT)
def envelope(table, shift, scaled, i0, i1, cap):
    """Columns ``i0 .. i1 - 1``: ``shift[i] = min(max_a L[a, i], cap)`` (0 where every atom is
    -inf) and ``scaled[a, i] = exp(L[a, i] - shift[i])`` (0 below e^-700).

    ``cap`` is an upper bound on every log density (``-log(sqrt(2 pi) sigma)`` plus a margin):
    it is never reached, but the kernel's bounds rely on ``shift <= cap`` exactly.

    Parameters
    ----------
    table, scaled : ndarray, shape (A, N)
    shift : ndarray, shape (N,)
    i0, i1 : int
    cap : float
    """
    n_atoms = table.shape[0]
    n = i1 - i0
    shift = shift[i0:i1]  # 0-based loops vectorise (see cached_table)
    first = table[0, i0:i1]
    for j in range(n):
        shift[j] = first[j]
    for a in range(1, n_atoms):
        row = table[a, i0:i1]
        for j in range(n):
            shift[j] = max(shift[j], row[j])
    for j in range(n):
        shift[j] = min(shift[j], cap) if shift[j] > -math.inf else 0.0
    for a in range(n_atoms):
        row = table[a, i0:i1]
        out = scaled[a, i0:i1]
        for j in range(n):
            # Below e^-700 taken as 0 (no subnormals): a mixture sum that small is recomputed
            # in log space by the kernel, and in a larger one it is below the rounding.
            d = row[j] - shift[j]
            keep = d > TINY_LOG
            e = exp1(d if keep else 0.0)
            out[j] = e if keep else 0.0


def cache_bytes(n_keys: int, n_atoms: int, n_nodes: int) -> int:
    """Memory of the piece cache for these sizes, in bytes."""
    return 8 * n_keys * n_atoms * n_nodes
