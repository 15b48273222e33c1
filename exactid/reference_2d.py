r"""An independent 50-digit reference of the density for latent dimension 2 (and 1): the test
oracle of the 2-D density engine.

What to use when: :func:`mp_log_pdf_2d` (one point, an :class:`mpmath.mpf`) and
:func:`mp_log_pdf_2d_points` (many points, rounded to float64) give :math:`\log p(x)` of a
:class:`~exactid.models.LatentModel` with ``m = 2`` (any ``n >= 1``) or ``m = 1`` (any
``n >= 1``) and :math:`\sigma > 0`, correct to about ``dps`` digits, in the far tails too
(:math:`\log p = -700` and far below).  They are slow (see Cost) and meant for the tests and the
benchmark, never for data.  :func:`mp_log_polygon_mass` is the building block, usable on its
own: :math:`\log P(Z \in Q)` for :math:`Z \sim \mathcal N(\mu, \Sigma)` and a convex polygon
:math:`Q = \{z : a_i \cdot z \le b_i\}` given exactly.

How it works.  On a cell :math:`R_k` where :math:`f(z) = A_k z + c_k`, completing the square,

.. math::
    p(x) = \sum_{j,k} \lambda_j\, \mathcal N(x; A_k\mu_j + c_k, \sigma^2 I + A_k\Sigma_j A_k^T)
           \, P(Z^* \in R_k),\quad Z^* \sim \mathcal N(m^*, S^*),

with :math:`S^{*-1} = P = \Sigma_j^{-1} + A^TA/\sigma^2` and
:math:`m^* = \mu_j + S^* A^T r/\sigma^2`, :math:`r = x - A\mu_j - c`.  The cells are the exact
rational polygons of :func:`exactid.regions.polygons_2d` (``m = 2``) or the exact pieces of
:func:`exactid.regions.pieces_1d` (``m = 1``).  Since the weights, the prior, ``sigma`` and
``x`` are floats, hence rationals, :math:`P`, :math:`m^*` and the quadratic form
:math:`r^T C^{-1} r = \delta^T\Sigma^{-1}\delta + |r - A\delta|^2/\sigma^2`
(:math:`\delta = m^* - \mu_j`, a sum of non-negative terms) are computed *exactly* in
:class:`fractions.Fraction`; only logarithms, square roots and the masses are in mpmath.

The mass of a polygon: whiten :math:`Z^* = m^* + L W`, :math:`LL^T = S^*` (:math:`L` from
:math:`P` without cancellation), so the cell becomes :math:`\{w : (L^Ta_i)\cdot w \le b_i -
a_i\cdot m^*\}` (right-hand sides exact).  Take the point ``p`` of the whitened polygon nearest
to 0, at distance ``d``, ``e = p/d`` and ``f`` = ``e`` turned by 90 degrees: with
:math:`w = p + \tau e + s f`, :math:`|w|^2 = (d+\tau)^2 + s^2`, so

.. math::
    P = \varphi(d) \int_{\tau \ge 0} e^{-d\tau - \tau^2/2}\,
        [\Phi(\mathrm{hi}(\tau)) - \Phi(\mathrm{lo}(\tau))]\, d\tau,

where ``lo, hi`` bound the slice at :math:`\tau`.  :math:`e^{-d^2/2}` is added in log space,
and every :math:`\Phi` difference is taken from the tail it is small in.  When 0 is in the
polygon (or within ``1e-3`` of it) the polygon is cut by the line :math:`w_2 = 0` and each half
is integrated in :math:`\pm w_2` (``d = 0``).  ``mpmath.quad`` (Gauss-Legendre) is applied
piecewise, split at every vertex, every crossing of an edge with the lines ``s = 0, +-1, +-2,
..., +-32`` (a steep edge's Phi transition is narrow in tau) and at :math:`\tau = 4^j/(d+1)`;
a piece whose error estimate exceeds :math:`10^{-(\mathrm{dps}+5)}` of the total is bisected.
An unbounded :math:`\tau` range is cut at ``T`` only when :math:`\sqrt{\pi/2}\,e^{-dT - T^2/2}`
is below :math:`10^{-(\mathrm{dps}+20)}` of the integral.  For ``m = 1`` the mass is
:math:`\Phi(\beta) - \Phi(\alpha)` from the smaller tail.

Why it is trustworthy in the tails.  Nothing large is subtracted: the Gaussian factor's
exponent is an exact non-negative rational, :math:`\varphi(d)` is taken out analytically, the
integrand is a product of positive factors (at most 1 at :math:`\tau = 0`), and the
:math:`\Phi` differences use the small tails, so ``exp(-1e5)`` is as accurate as 1 (a log mass
near 0 is accurate to about ``10^-dps`` absolutely).  15 guard digits; a mass of 0 is retried
with twice the digits; terms whose bound :math:`\lambda_j\mathcal N(\cdot)\,\Phi(-d)` is below
:math:`10^{-(\mathrm{dps}+20)}` of the running sum are skipped.  Validated in
``tests/exactid/test_reference_2d.py``: to 1e-45 against closed forms (rectangles, rotated
rectangles, wedges, steep half-planes, down to log P = -1071; a separable model as two 1-D
references), against the Owen's T edge formula at 110+ digits on random polygons, to 1e-9
against scipy dblquad, to 1e-40 under Remark 3.7, and by the cell masses of a net summing to 1.

Cost.  Dominated by mpmath's normal CDF at 65 digits: 0.05-1 s per term (a 2 -> 4 -> 2 net
with 2 components: 1-6 s a point near the data, 0.1-2 s far out; ``m = 1``: milliseconds).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath as mp
import numpy as np

from .divergence.high_precision import NeedMorePrecision
from .models import LatentModel
from .regions import pieces_1d, polygons_2d
from .validation import check_instance, check_integer

__all__ = ["DPS", "mp_log_pdf_2d", "mp_log_pdf_2d_points", "mp_log_polygon_mass"]

DPS = 50  # default number of significant digits
#: Extra working digits of every computation.
GUARD = 15
#: Neglected masses (truncated tails, skipped terms) stay below 10^-(dps + TAIL_DIGITS).
TAIL_DIGITS = 20
#: Below this whitened distance the polygon is cut through 0 instead (no tail to protect).
CUT_BELOW = mp.mpf("1e-3")
#: Precision doublings tried when a mass is not resolved.
RETRIES = 4
#: Bisection rounds of the adaptive quadrature.
MAX_ROUNDS = 12
#: The rule of mpmath.quad: the integrand is entire between the split points (a Gaussian
#: factor times normal CDFs of affine functions of tau), where Gauss-Legendre converges
#: fastest (about 3x fewer evaluations than tanh-sinh at 65 digits).
QUAD = "gauss-legendre"


# -- exact conversions ------------------------------------------------------------------------
def _frac(v, name: str) -> Fraction:
    """The exact rational value of a Fraction, int, float or mpf (finite)."""
    if isinstance(v, Fraction):
        return v
    if isinstance(v, (bool, np.bool_)):
        raise ValueError(f"{name}: expected a number, found {v!r}")
    if isinstance(v, (int, np.integer)):
        return Fraction(int(v))
    try:
        finite = mp.isfinite(v) if isinstance(v, mp.mpf) else np.isfinite(v := float(v))
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number, found {v!r}") from None
    if not finite:
        raise ValueError(f"{name}: expected finite values, found {v}")
    if isinstance(v, mp.mpf):
        man, exp = v.man_exp
        return Fraction(man) * Fraction(2) ** exp
    return Fraction(v)


def _mpf(q: Fraction) -> mp.mpf:
    return mp.mpf(q.numerator) / q.denominator

# -- exact polygon geometry -------------------------------------------------------------------
def _geometry(normals, offsets):
    """(rows [(a1, a2, b)] with a != 0, exact vertices, bounded), or None if empty."""
    if len(normals) != len(offsets):
        raise ValueError(f"offsets: expected {len(normals)} entries (one per normal), found "
                         f"{len(offsets)}")
    rows = []
    for i, (a, b) in enumerate(zip(normals, offsets)):
        if len(a) != 2:
            raise ValueError(f"normals: expected pairs, found {len(a)} entries in normals[{i}]")
        a1, a2, b = _frac(a[0], "normals"), _frac(a[1], "normals"), _frac(b, "offsets")
        if a1 == 0 and a2 == 0:
            if b < 0:
                return None
            continue
        rows.append((a1, a2, b))
    verts = set()
    for i, (a1, a2, b) in enumerate(rows):
        for c1, c2, e in rows[i + 1:]:
            det = a1 * c2 - a2 * c1
            if det != 0:
                z = ((b * c2 - a2 * e) / det, (a1 * e - c1 * b) / det)
                if all(r1 * z[0] + r2 * z[1] <= rb for r1, r2, rb in rows):
                    verts.add(z)
    rays = [r for a1, a2, _ in rows for r in ((-a2, a1), (a2, -a1))
            if all(c1 * r[0] + c2 * r[1] <= 0 for c1, c2, _ in rows)]
    if not verts and any(a1 * c2 != a2 * c1 for a1, a2, _ in rows for c1, c2, _ in rows):
        return None  # two crossing lines and no vertex: empty (a pointed set has a vertex)
    return rows, sorted(verts), bool(rows) and not rays


# -- the slice integral -----------------------------------------------------------------------
def _frame(rows, p, e):
    """The rows in the frame w = p + tau e + s f: slice constraints (k, c, upper) meaning
    s <= c - k tau (upper) or s >= c - k tau, and the tau bounds of the edges parallel to f."""
    f = (-e[1], e[0])
    tol = mp.mpf(10) ** (-mp.mp.dps + 5)
    t_lo, t_hi, cons = mp.ninf, mp.inf, []
    for a1, a2, b in rows:
        ct, cs = a1 * e[0] + a2 * e[1], a1 * f[0] + a2 * f[1]
        r = b - (a1 * p[0] + a2 * p[1])
        if abs(cs) <= tol:  # |ct| is then 1 (normalized rows)
            if ct > 0:
                t_hi = min(t_hi, r / ct)
            else:
                t_lo = max(t_lo, r / ct)
        else:
            cons.append((ct / cs, r / cs, cs > 0))
    return cons, t_lo, t_hi


def _slice_mass(cons):
    """tau -> Phi(hi) - Phi(lo), each difference from its small tail."""
    root2 = mp.sqrt(2)

    def mass(t):
        hi, lo = mp.inf, mp.ninf
        for k, c, upper in cons:
            v = c - k * t
            if upper:
                hi = min(hi, v)
            else:
                lo = max(lo, v)
        if hi <= lo:
            return mp.mpf(0)
        if lo >= 0:
            return mp.ncdf(-lo) - mp.ncdf(-hi)
        if hi <= 0:
            return mp.ncdf(hi) - mp.ncdf(lo)
        return (mp.erf(hi / root2) - mp.erf(lo / root2)) / 2

    return mass


#: Values of s at whose crossings with each edge the tau range is split (see _cuts).
STEEP_CROSSINGS = (0, 1, -1, 2, -2, 4, -4, 8, -8, 16, -16, 32, -32)


def _cuts(cons, d, start, end):
    """Split points inside (start, end): edge crossings, crossings of each edge with the
    lines s = STEEP_CROSSINGS, and 4^j / (d + 1) (points closer together than the working precision
    resolves are merged)."""
    pts = set()
    for i, (k, c, _) in enumerate(cons):
        if k != 0:
            # Where the edge crosses s = 0, +-1, +-2, ..., +-32: a steep edge (|k| >> 1) moves
            # Phi(c - k tau) from 0 to 1 within a tau range of a few 1 / |k| (and to 1e-50
            # of 1 only at |s| ~ 15), a feature the rule would not resolve from the ends of
            # the pieces alone.
            pts.update((c - s) / k for s in STEEP_CROSSINGS)
        for k2, c2, _ in cons[i + 1:]:
            if k != k2:
                pts.add((c - c2) / (k - k2))
    t = 1 / (4 * (d + 1))
    while t < end and t < 64:
        pts.add(t)
        t *= 4
    tol = mp.mpf(10) ** (-mp.mp.dps + 10)
    out = [start]
    for q in sorted(q for q in pts if start < q < end):
        if q - out[-1] > tol * (1 + abs(q)):
            out.append(q)
    return out[1:] if end - out[-1] > tol * (1 + abs(end)) else out[1:-1]


def _adaptive(g, grid, eps, known):
    """Sum of mp.quad over the pieces of grid, bisecting pieces whose error estimate exceeds
    eps times the total (plus ``known``, the part of the integral already computed)."""
    pieces = [(a, b, *mp.quad(g, [a, b], error=True, method=QUAD)) for a, b in zip(grid, grid[1:])]
    for _ in range(MAX_ROUNDS):
        total = mp.fsum(v for _, _, v, _ in pieces)
        scale = eps * (abs(total) + known)
        bad = [q for q in pieces if q[3] > scale]
        if not bad or scale == 0:  # (0: an empty slice range, the estimates are noise)
            return total
        keep = [q for q in pieces if q[3] <= scale]
        for a, b, _, _ in bad:
            mid = mp.sqrt(a * b) if a > 0 and b > 4 * a else (a + b) / 2
            keep += [(a, mid, *mp.quad(g, [a, mid], error=True, method=QUAD)),
                     (mid, b, *mp.quad(g, [mid, b], error=True, method=QUAD))]
        pieces = keep
    raise RuntimeError(f"mp_log_polygon_mass: quadrature not converged to {eps} (error "
                       f"estimate {max(float(q[3]) for q in bad):.3g} of {float(total):.3g})")


def _slice_integral(rows, wverts, bounded, p, e, d, digits):
    """int exp(-d tau - tau^2/2) (Phi(hi) - Phi(lo)) dtau over the polygon's tau range."""
    cons, t_lo, t_hi = _frame(rows, p, e)
    taus = [(v[0] - p[0]) * e[0] + (v[1] - p[1]) * e[1] for v in wverts]
    start = max(t_lo, min([mp.mpf(0)] + taus))
    end = min(t_hi, max(taus)) if bounded else t_hi
    if not end > start:
        return mp.mpf(0)
    mass = _slice_mass(cons)

    def g(t):
        return mp.exp(-d * t - t * t / 2) * mass(t)

    eps = mp.mpf(10) ** -(digits + 5)
    log_tail = (digits + TAIL_DIGITS) * mp.log(10) + mp.log(mp.pi / 2) / 2
    # Truncation T with sqrt(pi/2) exp(-dT - T^2/2) <= 10^-(digits+20) J; J is not known in
    # advance: start from J = 10^-30, extend while the computed J asks for a longer range.
    total, lower, log_j = mp.mpf(0), start, -30 * mp.log(10)
    while True:
        big = log_tail - log_j
        cut = max(2 * big / (d + mp.sqrt(d * d + 2 * big)), lower)
        upper = min(end, cut)
        if upper > lower:
            total += _adaptive(g, [lower] + _cuts(cons, d, lower, upper) + [upper], eps, total)
        if upper >= end or total <= 0 or mp.log(total) >= log_j:
            return total
        lower, log_j = upper, mp.log(total)


def _nearest(wrows, wverts):
    """The point of the whitened polygon nearest to 0 (0 outside): a foot or a vertex."""
    tol = mp.mpf(10) ** (-mp.mp.dps + 5)
    cands = list(wverts)
    for i, (a1, a2, b) in enumerate(wrows):
        if b < 0:
            z = (b * a1, b * a2)
            if all(c1 * z[0] + c2 * z[1] <= c + tol * (1 + abs(c) + abs(b))
                   for j, (c1, c2, c) in enumerate(wrows) if j != i):
                cands.append(z)
    return min(cands, key=lambda z: z[0] ** 2 + z[1] ** 2, default=None)


class _Mass:
    """The whitened polygon of one term, its distance d (known before any quadrature) and
    the quadrature itself (:meth:`log_mass`)."""

    def __init__(self, geom, mean, chol):
        rows, verts, self.bounded = geom
        l11, l21, l22 = chol
        self.rows, inside = [], True
        for a1, a2, b in rows:
            beta = b - a1 * mean[0] - a2 * mean[1]
            inside = inside and beta >= 0
            g1, g2 = l11 * _mpf(a1) + l21 * _mpf(a2), l22 * _mpf(a2)
            norm = mp.hypot(g1, g2)
            self.rows.append((g1 / norm, g2 / norm, _mpf(beta) / norm))
        self.verts = []
        for v in verts:
            w1 = _mpf(v[0] - mean[0]) / l11
            self.verts.append((w1, (_mpf(v[1] - mean[1]) - l21 * w1) / l22))
        self.empty, self.p, self.d = False, None, mp.mpf(0)
        if not inside:
            self.p = _nearest(self.rows, self.verts)
            self.empty = self.p is None
            if not self.empty:
                self.d = mp.hypot(*self.p)

    def log_bound(self):
        """An upper bound of the log mass: log Phi(-d) (0 if 0 is in the polygon)."""
        if self.empty:
            return mp.ninf
        return mp.mpf(0) if self.p is None else mp.log(mp.ncdf(-self.d))

    def log_mass(self, digits):
        if self.empty:
            return mp.ninf
        if not self.rows:
            return mp.mpf(0)
        zero = mp.mpf(0)
        if self.p is None or self.d < CUT_BELOW:
            d = zero
            j = mp.fsum(_slice_integral(self.rows + [(zero, -sg, zero)], self.verts,
                                        self.bounded, (zero, zero), (zero, sg), zero, digits)
                        for sg in (mp.mpf(1), mp.mpf(-1)))
        else:
            d = self.d
            e = (self.p[0] / d, self.p[1] / d)
            j = _slice_integral(self.rows, self.verts, self.bounded, self.p, e, d, digits)
        if not j > 0:
            raise NeedMorePrecision
        return mp.log(j) - d * d / 2 - mp.log(2 * mp.pi) / 2


def _chol_from_precision(p11, p12, p22):
    """L lower triangular with L L^T = P^-1 (P exact 2x2), without cancellation."""
    det = _mpf(p11 * p22 - p12 * p12)
    q12, q22 = _mpf(p12), _mpf(p22)
    l11 = mp.sqrt(q22 / det)
    return l11, -q12 / (det * l11), 1 / mp.sqrt(q22)


def _chol(c11, c12, c22):
    """L lower triangular with L L^T = C (C exact 2x2, positive definite)."""
    l11 = mp.sqrt(_mpf(c11))
    return l11, _mpf(c12) / l11, mp.sqrt(_mpf((c11 * c22 - c12 * c12) / c11))


def _retry(compute, dps):
    """compute(working digits) with guard digits, doubling them on NeedMorePrecision."""
    for k in range(RETRIES):
        with mp.workdps(dps * 2**k + GUARD):
            try:
                return compute(dps * 2**k)
            except NeedMorePrecision:
                continue
    raise NeedMorePrecision


def mp_log_polygon_mass(normals, offsets, mean, cov, dps: int = DPS) -> mp.mpf:
    r""":math:`\log P(Z \in Q)`, :math:`Z \sim \mathcal N(\mathrm{mean}, \mathrm{cov})`,
    :math:`Q = \{z : a_i \cdot z \le b_i\}`, to about ``dps`` digits.

    Parameters
    ----------
    normals : sequence of pairs, shape (E, 2)
        :math:`a_i`; exact values (:class:`fractions.Fraction`, int, float, mpf).
    offsets : sequence, shape (E,)
        :math:`b_i`.  No edges (``E = 0``) is the whole plane.
    mean : sequence, shape (2,)
    cov : nested sequence, shape (2, 2)
        Symmetric positive definite.
    dps : int
        Significant digits, ``>= 15``.

    Returns
    -------
    mpmath.mpf
        The log mass; ``-inf`` for an empty polygon or one without interior.

    Raises
    ------
    ValueError
        On a malformed argument (named in the message).

    Examples
    --------
    >>> float(mp_log_polygon_mass([(1, 0), (0, 1)], [0, 0], [0, 0], [[1, 0], [0, 1]]))
    -1.3862943611198906
    """
    dps = check_integer(dps, "dps", 15, "an integer number of digits >= 15")
    geom = _geometry(list(normals), list(offsets))
    if np.shape(mean) != (2,):
        raise ValueError(f"mean: expected shape (2,), found {np.shape(mean)}")
    if np.shape(cov) != (2, 2):
        raise ValueError(f"cov: expected shape (2, 2), found {np.shape(cov)}")
    mu = [_frac(v, "mean") for v in mean]
    c11, c12, c21, c22 = (_frac(cov[i][j], "cov") for i in (0, 1) for j in (0, 1))
    if c12 != c21 or not (c11 > 0 and c11 * c22 - c12 * c12 > 0):
        raise ValueError("cov: expected a symmetric positive definite 2 x 2 matrix")
    if geom is None:
        return mp.ninf

    def compute(digits):
        return _Mass(geom, mu, _chol(c11, c12, c22)).log_mass(digits)

    try:
        value = _retry(compute, dps)
    except NeedMorePrecision:
        return mp.ninf  # no interior (or thinner than 10^-(8 dps))
    with mp.workdps(dps):
        return +value


# -- the density ------------------------------------------------------------------------------
class _Prepared:
    """Exact data of a model: components, cells (with their polygon geometry) or pieces."""

    def __init__(self, model):
        check_instance(model, "model", LatentModel)
        self.m, self.n = model.latent_dim, model.observed_dim
        if self.m > 2:
            raise ValueError(f"model: expected latent dimension m = 1 or 2, found {self.m}")
        if model.noise_std <= 0:
            raise ValueError(f"model: expected noise_std > 0, found {model.noise_std!r}")
        self.sigma2 = Fraction(model.noise_std) ** 2
        prior = model.prior
        self.comps = []
        for w, mu, cov in zip(prior.weights, prior.means, prior.covs):
            if w > 0:
                mu = tuple(Fraction(float(v)) for v in mu)
                cov = [[Fraction(float(v)) for v in row] for row in cov]
                if self.m == 1:
                    inv, det = ((1 / cov[0][0],),), cov[0][0]
                else:
                    det = cov[0][0] * cov[1][1] - cov[0][1] * cov[1][0]
                    inv = ((cov[1][1] / det, -cov[0][1] / det), (-cov[1][0] / det,
                                                                 cov[0][0] / det))
                self.comps.append((Fraction(float(w)), mu, inv, det))
        if self.m == 2:
            cells = model.derived("polygons", lambda mdl: polygons_2d(mdl.net))
            self.cells = [(cell.matrix, cell.offset,
                           _geometry(cell.polygon.normals, cell.polygon.offsets))
                          for cell in cells]
        else:
            p = pieces_1d(model.net, exact=True)
            brk = list(p.breakpoints)
            self.cells = [(tuple((a,) for a in p.slopes[k]), tuple(p.intercepts[k]),
                           (brk[k - 1] if k > 0 else None, brk[k] if k < len(brk) else None))
                          for k in range(p.slopes.shape[0])]

    def point(self, x):
        """x as exact rationals, checked."""
        if np.ndim(x) == 0 and self.n == 1:
            x = [x]
        if np.shape(x) != (self.n,):
            raise ValueError(f"x: expected shape ({self.n},) (n = {self.n}), found "
                             f"{np.shape(x)}")
        return [_frac(v, "x") for v in np.asarray(x, dtype=object)]


def _gauss_term(A, c, x, comp, sigma2):
    """Exact pieces of one term: (log lambda + log N(x; A mu + c, C) in mp, m*, P)."""
    w, mu, inv, det_cov = comp
    m, n = len(mu), len(x)
    r = [x[i] - c[i] - sum(A[i][k] * mu[k] for k in range(m)) for i in range(n)]
    prec = [[inv[k][q] + sum(A[i][k] * A[i][q] for i in range(n)) / sigma2
             for q in range(m)] for k in range(m)]
    u = [sum(A[i][k] * r[i] for i in range(n)) / sigma2 for k in range(m)]
    if m == 1:
        det = prec[0][0]
        delta = [u[0] / det]
    else:
        det = prec[0][0] * prec[1][1] - prec[0][1] * prec[1][0]
        delta = [(prec[1][1] * u[0] - prec[0][1] * u[1]) / det,
                 (prec[0][0] * u[1] - prec[1][0] * u[0]) / det]
    res = [r[i] - sum(A[i][k] * delta[k] for k in range(m)) for i in range(n)]
    quad = (sum(delta[k] * inv[k][q] * delta[q] for k in range(m) for q in range(m))
            + sum(v * v for v in res) / sigma2)
    log_n = -(n * mp.log(2 * mp.pi) + n * mp.log(_mpf(sigma2)) + mp.log(_mpf(det_cov))
              + mp.log(_mpf(det)) + _mpf(quad)) / 2
    return mp.log(_mpf(w)) + log_n, [mu[k] + delta[k] for k in range(m)], prec


def _log_interval_mass(lo, hi):
    """log(Phi(hi) - Phi(lo)) from the small tails (lo < hi; +-inf allowed)."""
    if lo >= 0:
        v = mp.ncdf(-lo) - mp.ncdf(-hi)
    elif hi <= 0:
        v = mp.ncdf(hi) - mp.ncdf(lo)
    else:
        v = (mp.erf(hi / mp.sqrt(2)) - mp.erf(lo / mp.sqrt(2))) / 2
    if not v > 0:
        raise NeedMorePrecision
    return mp.log(v)


def _log_sum(terms):
    top = max(terms)
    if top == mp.ninf:
        return top
    return top + mp.log(mp.fsum(mp.exp(t - top) for t in terms))


def _log_pdf_1d(prep, x):
    terms = []
    for A, c, (lo, hi) in prep.cells:
        for comp in prep.comps:
            log_front, mstar, prec = _gauss_term(A, c, x, comp, prep.sigma2)
            root = mp.sqrt(_mpf(prec[0][0]))
            a = mp.ninf if lo is None else _mpf(lo - mstar[0]) * root
            b = mp.inf if hi is None else _mpf(hi - mstar[0]) * root
            terms.append(log_front + _log_interval_mass(a, b))
    return _log_sum(terms)


def _log_pdf_2d(prep, x, digits):
    cand = []
    for A, c, geom in prep.cells:
        for comp in prep.comps:
            log_front, mstar, prec = _gauss_term(A, c, x, comp, prep.sigma2)
            chol = _chol_from_precision(prec[0][0], prec[0][1], prec[1][1])
            mass = _Mass(geom, mstar, chol)
            cand.append((log_front + mass.log_bound(), log_front, mass))
    cand.sort(key=lambda t: t[0], reverse=True)
    skip = (digits + TAIL_DIGITS) * mp.log(10) + mp.log(len(cand))
    terms = []
    for bound, log_front, mass in cand:
        if terms and bound < _log_sum(terms) - skip:
            break  # this term and all after it are below 10^-(digits+20) of the sum
        terms.append(log_front + mass.log_mass(digits))
    return _log_sum(terms)


def _evaluate(prep, x, dps):
    def compute(digits):
        return _log_pdf_1d(prep, x) if prep.m == 1 else _log_pdf_2d(prep, x, digits)

    try:
        value = _retry(compute, dps)
    except NeedMorePrecision:
        raise RuntimeError(f"mp_log_pdf_2d: a mass not resolved at {dps * 2 ** RETRIES} "
                           "digits") from None
    with mp.workdps(dps):
        return +value


def mp_log_pdf_2d(model: LatentModel, x, dps: int = DPS) -> mp.mpf:
    r""":math:`\log p(x)` of a model with ``m = 2`` or ``m = 1``, to about ``dps`` digits.

    Parameters
    ----------
    model : LatentModel
        Latent dimension 1 or 2, any output dimension n, ``noise_std > 0``.
    x : array_like, shape (n,)
        One observation: floats (or exact Fractions / mpf), finite.
    dps : int
        Significant digits, ``>= 15``.

    Returns
    -------
    mpmath.mpf
        The log density (at ``dps`` digits).

    Raises
    ------
    ValueError
        If ``model`` has ``m > 2`` or ``noise_std = 0``, ``x`` has the wrong length or a
        non-finite entry, or ``dps`` is not an integer ``>= 15``.
    """
    dps = check_integer(dps, "dps", 15, "an integer number of digits >= 15")
    prep = _Prepared(model)
    return _evaluate(prep, prep.point(x), dps)


def mp_log_pdf_2d_points(model: LatentModel, X, dps: int = DPS) -> np.ndarray:
    """:func:`mp_log_pdf_2d` at many points, each rounded to float64.

    Parameters
    ----------
    model : LatentModel
    X : array_like, shape (N, n) (or (N,) when n = 1)
    dps : int

    Returns
    -------
    ndarray of float, shape (N,)
    """
    dps = check_integer(dps, "dps", 15, "an integer number of digits >= 15")
    prep = _Prepared(model)
    X = np.asarray(X, dtype=object)
    if X.ndim == 1 and prep.n == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[1] != prep.n:
        raise ValueError(f"X: expected shape (N, {prep.n}), found {X.shape}")
    points = [prep.point(row) for row in X]
    return np.array([float(_evaluate(prep, x, dps)) for x in points], dtype=float)
