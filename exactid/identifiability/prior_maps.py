r"""Every invertible affine :math:`h(z) = Az + b` with :math:`h_\# P = P'` between two
Gaussian-mixture priors on :math:`\mathbb R^m`, ``m <= 3``, and the most specific kind among
them (the rows of Table 1 of paper 003: Theorems 3.2(a) and E.1 identify P(Z) up to such maps).

How: canonical forms (zero weights dropped, equal components merged), then every one-to-one
matching of components with equal weights.  Whitening by the Cholesky factors of an anchor
component and its image gives :math:`A = L'_1 R L_1^{-1}`, R orthogonal, subject to
:math:`R M_j R^T = M'_j` (whitened covariances) and :math:`R d_j = d'_j` (whitened mean
differences).  R maps a generic combination S of these constraints onto S': distinct
eigenvalues fix R up to ``2^m`` signs; a repeated one means (``m <= 3``) that every constraint
is a scalar on that eigenspace -- checked, other coefficients tried on a coincidence -- so the
maps form a continuum, listed by one map per connected component (its most specific
permutation-scaling map when it has one: a search over the ``m! 2^m`` signed permutations).
Every candidate is checked against all components; the search is complete.

Exactness (``exact=True``): each map is rounded to nearby rationals or square roots of
rationals and checked in exact arithmetic against the float parameters read as the rationals
they are (sympy only for square roots).  Non-existence is exact up to float rounding: a map
would be found to within rounding, so when no candidate comes within :data:`VERIFY_TOL` (or
its matching fails exact invariants), no exact map exists either.

What to use when: :func:`prior_maps` for the full answer (``m = 1`` works too), ``affine_maps``
(:mod:`~exactid.identifiability.equivalence`) for the list of maps, :func:`classify_affine`
for the kind of one map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from itertools import permutations, product
from typing import NamedTuple

import numpy as np

from ..models import GaussianMixture
from ..validation import as_float_array, check_bool, check_instance, readonly
from .checks import check_real

__all__ = ["AffineMap", "PriorMaps", "prior_maps", "classify_affine", "KINDS", "MAX_DIM",
           "MAX_COMPONENTS", "SEARCH_FLOOR", "VERIFY_TOL", "MAX_DENOMINATOR",
           "RECOGNISE_RTOL"]

#: Kinds of maps, most specific first (Table 1 of paper 003 runs from affine to the third).
KINDS = ("identity", "permutation", "permutation_scaling_translation", "affine")
#: Largest latent dimension: for m <= 3 a generic combination of symmetric constraints has a
#: repeated eigenvalue only where all of them are scalar (quaternion-type blocks need m >= 4).
MAX_DIM = 3
#: Largest number of canonical components: every equal-weight matching is tried (J! <= 720).
MAX_COMPONENTS = 6
#: Smallest tolerance for repeated eigenvalues: above the rounding of the whitened constraints.
SEARCH_FLOOR = 1e-12
#: With ``exact=True``, candidates within this residual are verified exactly, and non-existence
#: is exact only when every candidate misses by more.
VERIFY_TOL = 1e-8
#: Largest denominator, and relative distance, when a float entry of a map is recognised as a
#: rational or the square root of one.  The distance is set by float rounding, not by ``atol``:
#: every float lies within about ``1 / d^2`` of a fraction with denominator ``d``.
MAX_DENOMINATOR = 10**4
RECOGNISE_RTOL = 1e-12
#: Deterministic coefficients of the generic combinations (later rows: after a coincidence).
_COEFFS = np.random.default_rng(20240611).uniform(0.5, 1.5, size=(3, 2 * MAX_COMPONENTS))


@dataclass(frozen=True, eq=False)
class AffineMap:
    """One map :math:`h(z) = Az + b` with :math:`h_\\# P = P'`.

    Attributes
    ----------
    matrix, shift : ndarray, shapes (m, m) and (m,)
        A and b (read-only).
    kind : str
        One of :data:`KINDS` (see :func:`classify_affine`).
    matching : tuple of int
        Canonical component ``j`` of P goes to ``matching[j]`` of P' (``PriorMaps.groups_*``).
    exact : bool
        Verified in exact arithmetic (the entries are then the floats nearest the exact ones).
    free_dim : int
        0 for an isolated map; ``k > 0`` when the map belongs to a continuum: composed with
        any orthogonal map of a k-dimensional block of P's whitened coordinates it stays a
        map (the continuum through it has dimension ``k (k - 1) / 2``).
    free_basis : ndarray, shape (m, k), or None
        Orthonormal basis of the subspace of z that the continuum moves: the maps of the
        continuum are this one composed with a map sending this subspace (through P's anchor
        mean) into itself and fixing a complement.
    """

    matrix: np.ndarray
    shift: np.ndarray
    kind: str
    matching: tuple
    exact: bool
    free_dim: int = 0
    free_basis: np.ndarray | None = None

    def __post_init__(self):
        for name in ("matrix", "shift", "free_basis"):  # read-only copies
            if getattr(self, name) is not None:
                object.__setattr__(self, name, readonly(np.array(getattr(self, name), float)))


@dataclass(frozen=True)
class PriorMaps:
    """Result of :func:`prior_maps`; ``bool(result)``: some map exists.

    Attributes
    ----------
    maps : tuple of AffineMap
        Isolated maps and one per connected component of each continuum, most specific first.
    continuous : bool
        Some maps form a continuum (``free_dim > 0`` on its representatives).
    exact : bool
        Every decision was made exactly: each map verified exactly, each continuum proved, and
        each rejected candidate missed by more than :data:`VERIFY_TOL` or failed exact
        invariants.  Always False with ``exact=False``.
    method : str
        A sentence for reports.
    closest_kind : str or None
        The most specific kind among all maps, continua included; None when there is no map.
    groups_a, groups_b : tuple of tuple of int
        The original component indices merged into each canonical component.
    """

    maps: tuple
    continuous: bool
    exact: bool
    method: str
    closest_kind: str | None
    groups_a: tuple = ()
    groups_b: tuple = ()

    def __bool__(self) -> bool:
        return bool(self.maps)


def classify_affine(matrix, shift, atol: float = 1e-9, *, scale: float = 1.0) -> str:
    """The most specific kind of :math:`h(z) = Az + b`: one of :data:`KINDS`.

    "identity" (A = I, b = 0), "permutation" (A a permutation matrix, b = 0),
    "permutation_scaling_translation" (A = Q D, Q a permutation, D diagonal invertible, signs
    allowed as ``s = -1`` in 1-D, any b) or "affine".

    Parameters
    ----------
    matrix, shift : array_like, shapes (m, m) and (m,)
        A (invertible) and b.
    atol : float
        Tolerance ``>= 0``: an entry of A is 0 when ``|a| <= atol * max|A|``, an entry is 1
        when ``|a - 1| <= atol``, and b is 0 when ``max|b| <= atol * scale``.
    scale : float
        Length scale of z for the test on b (> 0); :func:`prior_maps` passes the scale of P'.

    Returns
    -------
    str
    """
    a = as_float_array(matrix, "matrix", 2)
    m = a.shape[0]
    if a.shape != (m, m) or m == 0:
        raise ValueError(f"matrix: expected a square (m, m) array, found shape {a.shape}")
    b = as_float_array(shift, "shift", 1)
    if b.shape != (m,):
        raise ValueError(f"shift: expected shape ({m},) (m = {m} from matrix), found {b.shape}")
    atol = check_real(atol, "atol", nonnegative=True)
    scale = check_real(scale, "scale", positive=True)
    rank = np.linalg.matrix_rank(a)
    if rank < m:
        raise ValueError(f"matrix: expected an invertible matrix, found rank {rank} < {m}")
    nonzero = np.abs(a) > atol * np.abs(a).max()
    if not (np.all(nonzero.sum(axis=0) == 1) and np.all(nonzero.sum(axis=1) == 1)):
        return "affine"
    if np.abs(b).max() > atol * scale or np.any(np.abs(a[nonzero] - 1.0) > atol):
        return "permutation_scaling_translation"
    return "identity" if np.all(np.diag(nonzero)) else "permutation"


class _Canon(NamedTuple):
    """A prior without zero weights, equal components merged; ``scale``: the length scale
    ``max(max|mu|, max sd)`` of the mean tolerance; ``merged_exactly``: only identical ones."""

    w: np.ndarray  # (J,)
    mu: np.ndarray  # (J, m)
    cov: np.ndarray  # (J, m, m)
    groups: tuple
    scale: float
    merged_exactly: bool


def _cov_gap(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Largest entrywise ``|x - y|`` of covariances (..., m, m), entry (i, k) relative to
    ``max(sqrt(x_ii x_kk), sqrt(y_ii y_kk))`` (for m = 1: relative to the larger variance)."""
    dx = np.sqrt(np.abs(np.diagonal(x, axis1=-2, axis2=-1)))
    dy = np.sqrt(np.abs(np.diagonal(y, axis1=-2, axis2=-1)))
    ref = np.maximum(dx[..., :, None] * dx[..., None, :], dy[..., :, None] * dy[..., None, :])
    return (np.abs(x - y) / ref).max(axis=(-2, -1))


def _canonical(prior: GaussianMixture, atol: float) -> _Canon:
    keep = np.flatnonzero(prior.weights > 0)
    scale = float(max(np.abs(prior.means[keep]).max(),
                      np.sqrt(np.diagonal(prior.covs[keep], axis1=1, axis2=2).max())))
    groups: list[list[int]] = []
    for i in keep:
        for g in groups:
            if (np.abs(prior.means[i] - prior.means[g[0]]).max() <= atol * scale
                    and _cov_gap(prior.covs[i], prior.covs[g[0]]) <= atol):
                g.append(int(i))
                break
        else:
            groups.append([int(i)])
    first = [g[0] for g in groups]
    exactly = all(np.array_equal(prior.means[i], prior.means[g[0]])
                  and np.array_equal(prior.covs[i], prior.covs[g[0]]) for g in groups for i in g)
    w = np.array([prior.weights[g].sum() for g in groups])
    return _Canon(w, prior.means[first], prior.covs[first], tuple(map(tuple, groups)), scale,
                  exactly)


def _residual(a: np.ndarray, b: np.ndarray, ca: _Canon, cb: _Canon, pi: tuple) -> float:
    """Largest mismatch of ``h#P`` against P' under the matching: weights absolute,
    covariances relative (:func:`_cov_gap`), means relative to the scale of P'."""
    p = list(pi)
    cov = np.einsum("ik,jkl,ml->jim", a, ca.cov, a)
    return float(max(np.abs(ca.w - cb.w[p]).max(), _cov_gap(cov, cb.cov[p]).max(),
                     np.abs(ca.mu @ a.T + b - cb.mu[p]).max() / cb.scale))


class _Candidate(NamedTuple):  # basis: a continuum's block in z (not orthonormal), or None
    a: np.ndarray
    b: np.ndarray
    pi: tuple
    r: float
    basis: np.ndarray | None


def _frame(c: _Canon, k: int):
    """Whitening by component k: L, L^-1, whitened covariances (J, m, m), mean differences
    (J, m)."""
    chol = np.linalg.cholesky(c.cov[k])
    white = (inv := np.linalg.inv(chol)) @ c.cov @ inv.T
    return chol, inv, 0.5 * (white + np.swapaxes(white, 1, 2)), (c.mu - c.mu[k]) @ inv.T


def _terms(white: np.ndarray, diff: np.ndarray, ref_m: np.ndarray, ref_d: np.ndarray):
    """The constraints as symmetric matrices growing linearly with their departure from a
    scalar (a tolerance on them is one on the parameters): traceless parts of M_j over |M_j|,
    ``d_j d_j^T / |d_j|`` over the mean scale; normalised on P's side for both priors."""
    m = white.shape[-1]
    trace = np.trace(white, axis1=1, axis2=2) / m
    t_m = (white - trace[:, None, None] * np.eye(m)) / ref_m[:, None, None]
    norm = np.where(ref_d > 0, ref_d, 1.0) * max(1.0, ref_d.max())
    t_d = diff[:, :, None] * diff[:, None, :] / norm[:, None, None]
    t_d[ref_d == 0] = 0.0  # equal means: no constraint beyond the covariances
    return np.concatenate([t_m, t_d])


def _block(eig: np.ndarray, tol: float):
    """Indices of the run of repeated (sorted) eigenvalues, or None; one run for m <= 3."""
    close = np.flatnonzero(np.diff(eig) <= tol)
    return None if close.size == 0 else np.arange(close[0], close[-1] + 2)


def _candidates(ca: _Canon, cb: _Canon, frame_a, frames_b, anchor: int, pi: tuple,
                tau: float) -> list[_Candidate]:
    """The maps ``L'_1 R L_1^-1`` for the orthogonal R allowed by the eigenvectors of a generic
    combination of the constraints ``R M_j R^T = M'_j``, ``R d_j = d'_j``."""
    chol_a, inv_a, white_a, diff_a = frame_a
    chol_b, _, white_b, diff_b = frames_b[pi[anchor]]
    ref_m, ref_d = np.linalg.norm(white_a, 2, axis=(1, 2)), np.linalg.norm(diff_a, axis=1)
    t_a = _terms(white_a, diff_a, ref_m, ref_d)
    t_b = _terms(white_b[list(pi)], diff_b[list(pi)], ref_m, ref_d)
    for coeffs in _COEFFS:
        eig_a, u_a = np.linalg.eigh(np.tensordot(coeffs[:len(t_a)], t_a, 1))
        u_b = np.linalg.eigh(np.tensordot(coeffs[:len(t_a)], t_b, 1))[1]
        block = _block(eig_a, 3.0 * len(t_a) * tau)
        if block is None:
            break
        # A continuum only if every term maps the eigenspace into itself as a scalar.
        e = u_a[:, block]
        inner = e.T @ t_a @ e
        scalar = np.trace(inner, axis1=1, axis2=2)[:, None, None] / len(block) * np.eye(len(block))
        if max(np.abs(inner - scalar).max(), np.abs(t_a @ e - e @ inner).max()) <= 2.0 * tau:
            break
    else:
        block = None  # a coincidence every time: no continuum, the eigenvectors decide
    m = white_a.shape[-1]
    free = [] if block is None else [int(i) for i in block]
    fixed = [i for i in range(m) if i not in free]
    # Both connected components of O(k) on a block: a rotation and a reflection.
    blocks = [np.eye(len(free)), np.diag([-1.0] + [1.0] * (len(free) - 1))] if free else [None]
    out = []
    for signs, g in product(product((1.0, -1.0), repeat=len(fixed)), blocks):
        d = np.zeros((m, m))
        d[fixed, fixed] = signs
        if g is not None:
            d[np.ix_(free, free)] = g
        a = chol_b @ u_b @ d @ u_a.T @ inv_a
        b = cb.mu[pi[anchor]] - a @ ca.mu[anchor]
        out.append(_Candidate(a, b, pi, _residual(a, b, ca, cb, pi),
                              chol_a @ u_a[:, free] if free else None))
    return out


def _pst_candidates(ca: _Canon, cb: _Canon, anchor: int, pi: tuple) -> list[_Candidate]:
    """Every ``A = Q D`` (Q a signed permutation, D > 0 diagonal from the variances of the
    anchor and its image): the finitely many candidates of kinds more specific than affine."""
    m = ca.mu.shape[1]
    s_a, s_b, k = ca.cov[anchor], cb.cov[pi[anchor]], pi[anchor]
    out = []
    for perm in permutations(range(m)):
        for signs in product((1.0, -1.0), repeat=m):
            a = np.zeros((m, m))
            for i, (row, sign) in enumerate(zip(perm, signs)):
                a[row, i] = sign * math.sqrt(s_b[row, row] / s_a[i, i])
            b = cb.mu[k] - a @ ca.mu[anchor]
            out.append(_Candidate(a, b, pi, _residual(a, b, ca, cb, pi), None))
    return out


def _exact_params(prior: GaussianMixture, c: _Canon):
    """(weights, means, covariances) of the canonical form as nested lists of Fraction, or
    None when components were merged within a tolerance."""
    if not c.merged_exactly:
        return None
    w = [sum((Fraction(float(prior.weights[i])) for i in g), Fraction(0)) for g in c.groups]
    return w, [[Fraction(float(x)) for x in row] for row in c.mu], [
        [[Fraction(float(x)) for x in row] for row in s] for s in c.cov]


def _recognise(x: float, tol: float):
    """A Fraction q with ``|q - x| <= tol``, or ``(sign, q)`` standing for ``sign sqrt(q)``,
    denominators at most :data:`MAX_DENOMINATOR`; None when neither exists."""
    q = Fraction(x).limit_denominator(MAX_DENOMINATOR)
    if abs(float(q) - x) <= tol:
        return q
    sq = Fraction(x * x).limit_denominator(MAX_DENOMINATOR)
    if sq > 0 and abs(math.sqrt(sq) - abs(x)) <= tol:
        return (1 if x > 0 else -1, sq)
    return None


def _minor(s, i: int, j: int):
    return [row[:j] + row[j + 1:] for r, row in enumerate(s) if r != i]


def _det(s):  # Laplace expansion: exact for Fractions, m <= 3
    return s[0][0] if len(s) == 1 else sum((-1) ** j * s[0][j] * _det(_minor(s, 0, j))
                                           for j in range(len(s)))


def _adjugate(s):
    n = len(s)
    return [[Fraction(1)]] if n == 1 else [[(-1) ** (i + j) * _det(_minor(s, j, i))
                                            for j in range(n)] for i in range(n)]


def _matmul(x, y, transpose: bool = False):
    """``x @ y`` (``x @ y^T`` if ``transpose``) on nested lists of exact numbers."""
    return [[sum(p * q for p, q in zip(row, col)) for col in (y if transpose else zip(*y))]
            for row in x]


def _is_zero(v) -> bool:  # sympy's expand() puts sums of square roots in canonical form
    return v == 0 if isinstance(v, (Fraction, int)) else v.expand() == 0


def _verify_exact(cand: _Candidate, ctx: dict):
    """The exact map near ``cand`` as floats ``(A, b)`` if it verifies; False if it fails;
    None if impossible (entries not recognised, components merged within a tolerance)."""
    if ctx["exact_a"] is None or ctx["exact_b"] is None:
        return None
    (w_a, mu_a, cov_a), (w_b, mu_b, cov_b) = ctx["exact_a"], ctx["exact_b"]
    tol = RECOGNISE_RTOL * max(1.0, float(np.abs(cand.a).max()))
    entries = [_recognise(float(x), tol) for x in cand.a.ravel()]
    if any(e is None for e in entries):
        return None
    if any(isinstance(e, tuple) for e in entries):
        import sympy  # lazy: slow to import, needed only for square roots

        entries = [e[0] * sympy.sqrt(sympy.Rational(e[1].numerator, e[1].denominator))
                   if isinstance(e, tuple) else e for e in entries]
    m = len(mu_a[0])
    a = [entries[i * m:(i + 1) * m] for i in range(m)]
    anchor = ctx["anchor"]
    b = [x - y[0] for x, y in zip(mu_b[cand.pi[anchor]], _matmul(a, [mu_a[anchor]], True))]
    for j, jb in enumerate(cand.pi):
        image = _matmul(_matmul(a, cov_a[j]), a, True)
        diffs = [x[0] + y - z for x, y, z in zip(_matmul(a, [mu_a[j]], True), b, mu_b[jb])] + [
            x - y for row, ref in zip(image, cov_b[jb]) for x, y in zip(row, ref)]
        if w_a[j] != w_b[jb] or not all(map(_is_zero, diffs)):
            return False
    return np.array([[float(v) for v in row] for row in a]), np.array([float(v) for v in b])


def _impossible(pi: tuple, ctx: dict) -> bool:
    """Exact invariants prove that no affine map realises the matching: equal weights,
    ``det(S'_l) / det(S_j)`` (= det(A)^2), ``tr(S_1^-1 S_j)`` and the Mahalanobis distance
    of ``mu_j`` from ``mu_1`` must all agree."""
    if ctx["exact_a"] is None or ctx["exact_b"] is None:
        return False
    (w_a, mu_a, cov_a), (w_b, mu_b, cov_b) = ctx["exact_a"], ctx["exact_b"]
    anchor = ctx["anchor"]
    k = pi[anchor]
    det_a, det_b = _det(cov_a[anchor]), _det(cov_b[k])
    adj_a, adj_b = _adjugate(cov_a[anchor]), _adjugate(cov_b[k])
    m = len(mu_a[0])
    for j, jb in enumerate(pi):
        # tr(adj S) and d^T adj d, d the mean difference: det(S_1) times the invariants.
        inv_a, inv_b = ([sum(_matmul(adj, cov)[i][i] for i in range(m)), sum(
            (mu[i] - mu0[i]) * adj[i][t] * (mu[t] - mu0[t]) for i in range(m) for t in range(m))]
            for adj, cov, mu, mu0 in ((adj_a, cov_a[j], mu_a[j], mu_a[anchor]),
                                      (adj_b, cov_b[jb], mu_b[jb], mu_b[k])))
        if (w_a[j] != w_b[jb] or _det(cov_b[jb]) * det_a != det_b * _det(cov_a[j])
                or any(x * det_b != y * det_a for x, y in zip(inv_a, inv_b))):
            return True
    return False


def _continuum_exact(ctx: dict) -> bool:
    """A continuum over all of R^m is exact when all means of P are equal and all covariances
    proportional, exactly (P' follows through an exact map)."""
    if ctx["exact_a"] is None:
        return False
    _, mu, cov = ctx["exact_a"]
    trace = [sum(row[i] for i, row in enumerate(s)) for s in cov]
    return all(row == mu[0] for row in mu) and all(
        x * trace[0] == y * t for s, t in zip(cov, trace)
        for row, row0 in zip(s, cov[0]) for x, y in zip(row, row0))


def _decide(cand: _Candidate, ctx: dict):
    """(accepted, exact, A, b): accepted when verified exactly or within ``atol``."""
    if ctx["exact"] and cand.r <= ctx["tol_search"]:
        verified = _verify_exact(cand, ctx)
        if isinstance(verified, tuple):
            return True, True, verified[0], verified[1]
    return cand.r <= ctx["atol"], False, cand.a, cand.b


def _same_component(rep: _Candidate, other: _Candidate, basis: np.ndarray) -> bool:
    """``other`` lies in the connected component of the continuum through ``rep``: the two
    differ by a map that moves only span(basis), with positive determinant."""
    t = np.linalg.solve(rep.a, other.a) - np.eye(basis.shape[0])
    outside = t - basis @ (basis.T @ t)
    # Maps of different components differ by O(1) outside the block (a sign flip).
    return bool(np.abs(outside).max() <= 1e-6 * (1.0 + np.abs(t).max())
                and np.linalg.det(t + np.eye(basis.shape[0])) > 0)


def _select(near: list, pst: list, ctx: dict):
    """The accepted maps of one matching -- each isolated candidate, or per component of a
    continuum its most specific accepted member -- and whether a near candidate (or whole
    component) was rejected."""
    maps, rejected = [], False
    for cand in near:
        basis = None if cand.basis is None else np.linalg.qr(cand.basis)[0]
        options = [cand] + ([p for p in pst if _same_component(cand, p, basis)]
                            if basis is not None else [])
        best = []
        for option in options:
            ok, exact, a, b = _decide(option, ctx)
            if ok:
                kind = classify_affine(a, b, ctx["tau"], scale=ctx["scale_b"])
                free = 0 if basis is None else basis.shape[1]
                best.append(((KINDS.index(kind), not exact),
                             AffineMap(a, b, kind, cand.pi, exact, free, basis)))
        rejected |= not best
        maps += [min(best, key=lambda kv: kv[0])[1]] if best else []
    return maps, rejected


def _setup(prior_a, prior_b, atol, exact):
    """Checked arguments: the canonical forms and the search's context."""
    check_instance(prior_a, "prior_a", GaussianMixture)
    check_instance(prior_b, "prior_b", GaussianMixture)
    for name, prior in (("prior_a", prior_a), ("prior_b", prior_b)):
        if prior.dim > MAX_DIM:
            raise NotImplementedError(
                f"{name}: affine maps between priors are implemented for m <= {MAX_DIM} "
                f"(MAX_DIM), found m = {prior.dim}")
    if prior_b.dim != prior_a.dim:
        raise ValueError(f"prior_b: expected dimension m = {prior_a.dim} (from prior_a), "
                         f"found m = {prior_b.dim}")
    atol, exact = check_real(atol, "atol", nonnegative=True), check_bool(exact, "exact")
    ca, cb = _canonical(prior_a, atol), _canonical(prior_b, atol)
    for name, c in (("prior_a", ca), ("prior_b", cb)):
        if c.w.size > MAX_COMPONENTS:
            raise ValueError(f"{name}: expected at most {MAX_COMPONENTS} distinct components of "
                             f"positive weight (MAX_COMPONENTS), found {c.w.size}")
    return ca, cb, {
        "atol": atol, "exact": exact, "tau": max(atol, SEARCH_FLOOR),
        "tol_search": max(atol, VERIFY_TOL) if exact else atol, "scale_b": cb.scale,
        # The best-conditioned covariance whitens with the least rounding.
        "anchor": int(np.argmin(np.linalg.cond(ca.cov))),
        "exact_a": _exact_params(prior_a, ca) if exact else None,
        "exact_b": _exact_params(prior_b, cb) if exact else None,
    }


def _search(ca: _Canon, cb: _Canon, ctx: dict):
    """The maps of every equal-weight matching; whether a near candidate was rejected without
    an exact proof; the numbers of matchings and candidates."""
    matchings = [pi for pi in permutations(range(ca.w.size))
                 if np.abs(ca.w - cb.w[list(pi)]).max() <= ctx["tol_search"]]
    anchor = ctx["anchor"]
    frame_a, frames_b = _frame(ca, anchor), [_frame(cb, k) for k in range(cb.w.size)]
    maps, grey, count = [], False, 0
    for pi in matchings:
        cands = _candidates(ca, cb, frame_a, frames_b, anchor, pi, ctx["tau"])
        near = [c for c in cands if c.r <= ctx["tol_search"]]
        pst = []
        if any(c.basis is not None for c in near):
            pst = [c for c in _pst_candidates(ca, cb, anchor, pi) if c.r <= ctx["tol_search"]]
        count += len(cands) + len(pst)
        found, rejected = _select(near, pst, ctx)
        grey |= rejected and not _impossible(pi, ctx)
        maps += found
    return maps, grey, len(matchings), count


def prior_maps(prior_a: GaussianMixture, prior_b: GaussianMixture, atol: float = 1e-9,
               exact: bool = True) -> PriorMaps:
    r"""Every invertible affine :math:`h(z) = Az + b` with :math:`h_\# P_a = P_b` (method:
    see the module docstring; the search is complete, continua included).

    Parameters
    ----------
    prior_a, prior_b : GaussianMixture
        Mixtures on :math:`\mathbb R^m`, the same ``m <= 3``, at most
        :data:`MAX_COMPONENTS` distinct components of positive weight each.
    atol : float
        Tolerance ``>= 0`` as in 1-D: absolute on weights, relative on covariances (entry
        (i, k) relative to the larger :math:`\sqrt{\Sigma_{ii}\Sigma_{kk}}`), on means relative
        to the scale ``max(max|mu|, max sd)`` of ``prior_b`` (of each prior when merging its
        own components); also, eigenvalues closer than ``max(atol, SEARCH_FLOOR)`` are equal.
    exact : bool
        Verify each map in exact arithmetic (a map that verifies is kept even when its float
        residual exceeds ``atol``, e.g. ``atol=0``); see :attr:`PriorMaps.exact`.

    Returns
    -------
    PriorMaps

    Raises
    ------
    ValueError
        On a bad argument, different dimensions, more than :data:`MAX_COMPONENTS` components.
    NotImplementedError
        If ``m > 3`` (:data:`MAX_DIM`).

    Examples
    --------
    >>> P = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [2.0, 0.0]],
    ...                     [np.diag([1.0, 4.0]), np.diag([2.0, 1.0])])
    >>> Q = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [0.0, 2.0]],
    ...                     [np.diag([4.0, 1.0]), np.diag([1.0, 2.0])])
    >>> found = prior_maps(P, Q)
    >>> [(h.kind, h.exact) for h in found.maps]
    [('permutation', True), ('permutation_scaling_translation', True)]
    """
    ca, cb, ctx = _setup(prior_a, prior_b, atol, exact)
    exact = ctx["exact"] and ca.merged_exactly and cb.merged_exactly
    if ca.w.size != cb.w.size:
        return _result([], ca, cb, exact, f"different numbers of canonical components "
                                          f"({ca.w.size} and {cb.w.size}): no map")
    maps, grey, n_matchings, count = _search(ca, cb, ctx)
    continuum = any(h.free_dim for h in maps)
    proved = all(h.exact and h.free_dim in (0, ca.mu.shape[1]) for h in maps) and (
        not continuum or _continuum_exact(ctx))
    method = (f"{n_matchings} equal-weight matching(s) of {ca.w.size} canonical components, "
              f"{count} candidate maps from the eigenvectors of a generic combination of the "
              "whitened constraints"
              + (" (a continuum: representatives from a search over signed permutations)"
                 if continuum else "")
              + (f"; {sum(h.exact for h in maps)} of {len(maps)} maps verified in exact "
                 "arithmetic" if ctx["exact"] else f"; float tolerance {ctx['atol']:g}"))
    return _result(maps, ca, cb, exact and not grey and proved, method)


def _result(maps: list, ca: _Canon, cb: _Canon, exact: bool, method: str) -> PriorMaps:
    """Deduplicated (a safeguard: distinct canonical components give distinct maps), sorted."""
    unique = []
    for h in maps:
        if not any(np.abs(h.matrix - g.matrix).max() <= 1e-9 * np.abs(g.matrix).max()
                   and np.abs(h.shift - g.shift).max() <= 1e-9 * cb.scale for g in unique):
            unique.append(h)
    unique.sort(key=lambda h: (KINDS.index(h.kind), h.matching,
                               tuple(np.round(h.matrix.ravel(), 9))))
    kind = min((h.kind for h in unique), key=KINDS.index, default=None)
    return PriorMaps(tuple(unique), any(h.free_dim > 0 for h in unique), exact, method, kind,
                     ca.groups, cb.groups)
