r"""The counterexamples of paper 003 as library objects, each verified twice.

Every construction of the paper (Example 1, Remarks 3.6 and 3.7, Example 4 with its formula
(15), Example 5) is a function returning a :class:`Construction`: its networks
(:class:`~exactid.models.ReluNet`), priors (:class:`~exactid.models.GaussianMixture`) and the
pairs of models (:class:`~exactid.models.LatentModel`) whose laws of x the paper says coincide.
A ``verify_*`` function checks the paper's claims about a construction and returns a
:class:`Row`:

1. *numerically*, with the exact density engine: the largest difference of the two densities
   on a fine grid (``exp(log_pdf)``; for :math:`\sigma = 0` also the atoms of
   :func:`~exactid.density.atoms`) and the total-variation distance
   :math:`\frac12 \int |p - q| + \frac12 \sum |\text{atom mass differences}|` by adaptive
   quadrature split at the images of all breakpoints and means, for
   :math:`\sigma \in \{0.3, 0\}`; both must be below ``NUMERIC_TOL``.  The exact rational
   comparison :func:`~exactid.equivalence.same_pushforward` is run as well.
2. *symbolically*, with sympy, sharing nothing with :mod:`exactid.regions` but the float
   parameters: each network is written as a sympy Max/Min expression, folded into a Piecewise
   whose linear branches are read off with ``as_expr_set_pairs``; the pushforward of the prior
   (:math:`\sigma = 0`, which decides every :math:`\sigma`, convolution being injective) is a
   Piecewise density with exact rational parameters plus atoms written with ``erf``.  Two laws
   are equal when the difference of their densities simplifies to 0 on every elementary
   interval and the atom masses agree; two functions likewise.  (F2)/(F3)/(F4) are re-derived
   from the same branches and compared with :func:`~exactid.injectivity.injectivity_1d`.

Design trade-off: the numeric path reuses the engine (so it tests the constructions and the
engine together, to rounding), while the symbolic path is independent and exact but only
feasible for the paper's small networks (sympy's piecewise folding grows exponentially with
depth).  Parameters are dyadic wherever the paper allows, so the float networks *are* the
paper's functions; the one exception, the slope 1/5 of Example 4, is reported in its row.
sympy is imported lazily.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .models import GaussianMixture, LatentModel, ReluNet

__all__ = [
    "Construction",
    "Row",
    "NOISE_STD",
    "NUMERIC_TOL",
    "relu_net",
    "absval_net",
    "zero_net",
    "pwl_net",
    "layer_outputs",
    "example_4_formula",
    "evaluate_formula",
    "example_1_relu",
    "example_1_not_weakly_injective",
    "example_1_dead_relu",
    "remark_3_6",
    "remark_3_7",
    "example_4",
    "example_5",
    "verify_example_1_relu",
    "verify_example_1_not_weakly_injective",
    "verify_example_1_dead_relu",
    "verify_remark_3_6",
    "verify_remark_3_7",
    "verify_example_4",
    "verify_example_5",
    "verify_all",
    "format_table",
]

#: Noise level of the sigma > 0 comparisons.
NOISE_STD = 0.3
#: Bound on the maximal density difference and on the total-variation distance.  The two
#: densities of a pair are computed from different pieces (rounded once each) and agree to a
#: few ulp of the density (< 1e-15 here); 1e-12 leaves room for the quadrature's tolerance.
NUMERIC_TOL = 1e-12
#: Points of the grid on which densities are compared.
GRID_POINTS = 20001
#: Absolute tolerance of the total-variation quadrature.
TV_QUAD_TOL = 1e-14
#: Prior variance of the Remark 3.6 prior (the paper leaves sigma^2 free; 1/4 is dyadic).
REMARK_36_VAR = 0.25


# -- result types ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Construction:
    """A construction of paper 003 as library objects.

    Attributes
    ----------
    name : str
        Short identifier, e.g. ``"remark_3_6"``.
    claim : str
        The paper's claim, in one sentence.
    nets : dict[str, ReluNet]
        The networks, by label.
    priors : dict[str, GaussianMixture]
        The priors, by label.
    pairs : tuple of (str, LatentModel, LatentModel)
        Labelled pairs of models (``noise_std = 0``) whose laws of x the paper says coincide.
    expected_injectivity : dict[str, dict[str, bool]]
        Per net label, the (F2)/(F3)/(F4) verdicts the paper claims (keys ``"F2"``, ``"F3"``,
        ``"F4"``; absent keys are not claimed).
    params : dict
        Construction-specific parameters (e.g. the affine map of Remark 3.7).
    """

    name: str
    claim: str
    nets: dict
    priors: dict
    pairs: tuple = ()
    expected_injectivity: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """The verification of one construction.

    Attributes
    ----------
    name, claim : str
    numeric_max_density_diff : float
        Largest ``|p - q|`` over the grid (and over atom masses), over all compared pairs and
        noise levels.
    numeric_tv : float
        Largest total-variation distance over the compared pairs and noise levels.
    exact_same_law : bool or None
        :func:`~exactid.equivalence.same_pushforward` on every pair (None: the row compares
        against a closed-form reference law instead of a second model).
    symbolic_ok : bool or None
        Every sympy check passed (None: not run, ``symbolic=False``).
    injectivity : dict[str, dict[str, bool]]
        Per net label, the verdicts of :func:`~exactid.injectivity.injectivity_1d`.
    passed : bool
        Every check passed (numeric bounds, exact comparison, claimed injectivity verdicts,
        construction-specific checks, and the symbolic checks when run).
    detail : str
        The measured numbers and the outcome of each check.
    """

    name: str
    claim: str
    numeric_max_density_diff: float
    numeric_tv: float
    exact_same_law: bool | None
    symbolic_ok: bool | None
    injectivity: dict
    passed: bool
    detail: str

    def as_dict(self) -> dict:
        """The row as a JSON-serialisable dict."""
        return dataclasses.asdict(self)


# -- networks ------------------------------------------------------------------------------------


def relu_net(negative_slope: float = 0.0) -> ReluNet:
    """``z -> ReLU(z)`` (leaky with ``negative_slope > 0``)."""
    return ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]], negative_slope=negative_slope)


def absval_net(weights=(1.0, 1.0)) -> ReluNet:
    """``z -> w_0 ReLU(z) + w_1 ReLU(-z)``; the default is ``|z|``."""
    return ReluNet([[[1.0], [-1.0]], [list(map(float, weights))]], [[0.0, 0.0], [0.0]])


def zero_net() -> ReluNet:
    """The constant map ``z -> 0`` (a single affine layer with zero weight)."""
    return ReluNet([[[0.0]]], [[0.0]])


def pwl_net(breakpoints, slopes, value_at_first) -> ReluNet:
    r"""A one-hidden-layer ReLU network for a continuous piecewise-linear function.

    With breakpoints :math:`t_1 < \dots < t_K`, slopes :math:`a_0, \dots, a_K` (:math:`a_0`
    left of :math:`t_1`) and :math:`v = f(t_1)`,

    .. math::

        f(z) = v - a_0\,\mathrm{ReLU}(t_1 - z) + a_1\,\mathrm{ReLU}(z - t_1)
               + \sum_{i=2}^{K} (a_i - a_{i-1})\,\mathrm{ReLU}(z - t_i).

    Parameters
    ----------
    breakpoints : sequence of numbers, length K >= 1
        Strictly increasing.
    slopes : sequence of numbers, length K + 1
        Exact values (e.g. :class:`fractions.Fraction`); the slope changes are formed exactly
        and rounded once to float.
    value_at_first : number
        :math:`f(t_1)`.

    Returns
    -------
    ReluNet
        ``1 -> K + 1 -> 1``.
    """
    t = [Fraction(v) for v in breakpoints]
    a = [Fraction(v) for v in slopes]
    if len(t) < 1 or len(a) != len(t) + 1:
        raise ValueError(
            f"slopes: expected len(breakpoints) + 1 = {len(t) + 1} slopes for {len(t)} "
            f"breakpoints (at least one), found {len(a)}")
    if any(u >= v for u, v in zip(t[:-1], t[1:])):
        raise ValueError(f"breakpoints: expected strictly increasing values, found {breakpoints}")
    w_in = [[-1.0]] + [[1.0]] * len(t)
    b_in = [float(t[0])] + [float(-ti) for ti in t]
    w_out = [float(-a[0]), float(a[1])] + [float(a[i] - a[i - 1]) for i in range(2, len(a))]
    return ReluNet([w_in, [w_out]], [b_in, [float(Fraction(value_at_first))]])


def layer_outputs(net: ReluNet, z) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pre- and post-activation values of every layer, for figures.

    Parameters
    ----------
    net : ReluNet
    z : array_like, shape (N,) or (N, m)

    Returns
    -------
    list of (ndarray, ndarray), each of shape (N, out_i)
        ``(W_i h + b_i, s(W_i h + b_i))`` per layer; the last layer has no activation, so its
        two arrays are equal.
    """
    h = np.asarray(z, dtype=float)
    if h.ndim == 1:
        h = h[:, None]
    out = []
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        pre = h @ w.T + b
        h = net.activation(pre) if i < net.n_layers - 1 else pre
        out.append((pre, h))
    return out


# -- Example 4: the formula (15) -----------------------------------------------------------------


def example_4_formula(which: str, left_slope=Fraction(1, 5)) -> list[tuple]:
    """The functions f and g of paper 003, equation (15), transcribed as pieces.

    Parameters
    ----------
    which : {"f", "g"}
    left_slope : Fraction
        Slope on ``z < -4`` (the paper's 1/5); the piece is ``left_slope * (z + 4)``.

    Returns
    -------
    list of (lo, hi, slope, intercept)
        Fractions, ``None`` for an infinite end; piece ``[lo, hi)`` as in (15).
    """
    c = Fraction(left_slope)
    left = (None, Fraction(-4), c, 4 * c)
    if which == "f":
        return [left,
                (Fraction(-4), Fraction(-2), Fraction(1), Fraction(4)),
                (Fraction(-2), Fraction(2), Fraction(-1), Fraction(0)),
                (Fraction(2), None, Fraction(1), Fraction(-4))]
    if which == "g":
        return [left,
                (Fraction(-4), Fraction(-2), Fraction(-1), Fraction(-4)),
                (Fraction(-2), Fraction(2), Fraction(1), Fraction(0)),
                (Fraction(2), Fraction(4), Fraction(-1), Fraction(4)),
                (Fraction(4), None, Fraction(1), Fraction(-4))]
    raise ValueError(f"which: expected 'f' or 'g', found {which!r}")


def evaluate_formula(pieces, z) -> np.ndarray:
    """Evaluate a piece table (as from :func:`example_4_formula`) in float; shape (N,)."""
    z = np.asarray(z, dtype=float).ravel()
    out = np.full(z.shape, np.nan)
    for lo, hi, a, b in pieces:
        inside = np.ones(z.shape, dtype=bool)
        if lo is not None:
            inside &= z >= float(lo)
        if hi is not None:
            inside &= z < float(hi)
        out[inside] = float(a) * z[inside] + float(b)
    return out


def _formula_net(pieces) -> ReluNet:
    breaks = [p[1] for p in pieces[:-1]]
    slopes = [p[2] for p in pieces]
    first = pieces[1]
    return pwl_net(breaks, slopes, first[2] * first[0] + first[3])


# -- constructions -------------------------------------------------------------------------------


def _remark_36_priors(var=REMARK_36_VAR, means=(-2.0, -1.0, 3.0), means_prime=(-2.0, 1.0, 3.0)):
    weights = np.ones(3) / 3
    return (GaussianMixture(weights, list(means), [var] * 3),
            GaussianMixture(weights, list(means_prime), [var] * 3))


def example_1_relu(negative_slope: float = 0.0, prior: GaussianMixture | None = None
                   ) -> Construction:
    """Example 1: ReLU is observably injective (F3) but not injective (F4).

    The law of ``ReLU(Z)`` is checked against the law of an observably injective map with
    exceptional set S = {0}: density :math:`p_Z(x)` for x > 0 (one preimage, slope 1) and an
    atom :math:`P(Z \\le 0)` at 0 (Remark 3.5: points of S are atoms).
    """
    prior = prior if prior is not None else _remark_36_priors()[0]
    return Construction(
        name="example_1_relu",
        claim="ReLU is observably injective (F3) but not injective (F4): law of ReLU(Z) = "
              "p_Z on x > 0 plus an atom P(Z <= 0) at 0",
        nets={"ReLU": relu_net(negative_slope)},
        priors={"P": prior},
        expected_injectivity={"ReLU": {"F2": True, "F3": True, "F4": False}},
    )


def example_1_not_weakly_injective(abs_weights=(1.0, 1.0), prior: GaussianMixture | None = None
                                   ) -> Construction:
    """Example 1: ``z -> 0`` and ``z -> |z|`` are not weakly injective (F2).

    Checked in law: ``|Z|`` has density :math:`p_Z(x) + p_Z(-x)` on x > 0 (two preimages of
    every point of the image), and ``0`` is one atom of mass 1.
    """
    prior = prior if prior is not None else _remark_36_priors()[0]
    return Construction(
        name="example_1_not_f2",
        claim="z -> 0 and z -> |z| are not weakly injective (F2): |Z| has density "
              "p_Z(x) + p_Z(-x) on x > 0, 0 is a unit atom",
        nets={"0": zero_net(), "|x|": absval_net(abs_weights)},
        priors={"P": prior},
        expected_injectivity={"0": {"F2": False, "F3": False, "F4": False},
                              "|x|": {"F2": False, "F3": False, "F4": False}},
    )


def example_1_dead_relu(inner_weight: float = -1.0, prior: GaussianMixture | None = None
                        ) -> Construction:
    """Example 1: ``ReLU(-ReLU(z)) = 0``, neither injective nor observably injective."""
    prior = prior if prior is not None else _remark_36_priors()[0]
    dead = ReluNet([[[1.0]], [[inner_weight]], [[1.0]]], [[0.0], [0.0], [0.0]])
    zero = zero_net()
    return Construction(
        name="example_1_dead",
        claim="ReLU(-ReLU(z)) = 0 identically (so neither injective nor observably injective)",
        nets={"ReLU(-ReLU(x))": dead, "0": zero},
        priors={"P": prior},
        pairs=(("ReLU(-ReLU)#P vs 0#P", LatentModel(prior, dead, 0.0),
                LatentModel(prior, zero, 0.0)),),
        expected_injectivity={"ReLU(-ReLU(x))": {"F2": False, "F3": False, "F4": False}},
    )


def remark_3_6(var: float = REMARK_36_VAR, means=(-2.0, -1.0, 3.0),
               means_prime=(-2.0, 1.0, 3.0)) -> Construction:
    """Remark 3.6: ``f = g = |z|`` with P = (N(-2,s^2) + N(-1,s^2) + N(3,s^2))/3 and P' with -1
    replaced by 1: the same law of x, although no affine map takes P to P'."""
    P, P2 = _remark_36_priors(var, means, means_prime)
    f = absval_net()
    return Construction(
        name="remark_3_6",
        claim="f = g = |x| push P and P' to the same law, no affine map takes P to P', "
              "and f violates (F2)",
        nets={"|x|": f},
        priors={"P": P, "P'": P2},
        pairs=(("|x|#P vs |x|#P'", LatentModel(P, f, 0.0), LatentModel(P2, f, 0.0)),),
        expected_injectivity={"|x|": {"F2": False}},
    )


def _remark_37_net() -> ReluNet:
    """A dyadic non-injective net with a flat piece (value 1/4 on [-1, 1]), so sigma = 0 has
    an atom."""
    return ReluNet([[[1.0], [-1.0], [0.5]], [[1.0, -0.75, 2.0]]],
                   [[-1.0, -1.0, -1.5], [0.25]])


def remark_3_7(scale: float = -2.0, shift: float = 0.5, prior: GaussianMixture | None = None,
               net: ReluNet | None = None) -> Construction:
    """Remark 3.7: (P, f) and (h#P, f o h^-1) with h(z) = s z + u generate the same law.

    The reparametrised model is :func:`~exactid.equivalence.affine_reparametrize`'s; with the
    default dyadic s, u, weights and prior every parameter of it is exact in float.
    """
    from .equivalence import affine_reparametrize

    prior = prior if prior is not None else _remark_36_priors()[0]
    net = net if net is not None else _remark_37_net()
    a = LatentModel(prior, net, 0.0)
    b = affine_reparametrize(a, scale, shift)
    return Construction(
        name="remark_3_7",
        claim=f"(P, f) and (h#P, f o h^-1) with h(z) = {scale:g} z + {shift:g} generate the "
              "same law",
        nets={"f": net, "f o h^-1": b.net},
        priors={"P": prior, "h#P": b.prior},
        pairs=(("(f, P) vs (f o h^-1, h#P)", a, b),),
        params={"scale": scale, "shift": shift},
    )


def example_4(prior: GaussianMixture | None = None, f: ReluNet | None = None,
              g: ReluNet | None = None) -> Construction:
    """Example 4: f and g of (15) with Y ~ (N(-2,1) + N(2,1))/2.

    f and g are one-hidden-layer ReLU networks built by :func:`pwl_net` from the breakpoints
    and slopes of (15).  The slope 1/5 is not a dyadic rational: the networks carry the float
    0.2 = 1/5 + 1.1e-17 on ``z < -4``, a piece f and g share exactly.
    """
    prior = prior if prior is not None else GaussianMixture([0.5, 0.5], [-2.0, 2.0], [1.0, 1.0])
    f = f if f is not None else _formula_net(example_4_formula("f"))
    g = g if g is not None else _formula_net(example_4_formula("g"))
    return Construction(
        name="example_4",
        claim="f(Y) and g(Y) of (15) are identically distributed, f is not g o h for any "
              "affine h, and f, g satisfy (F2)",
        nets={"f": f, "g": g},
        priors={"Y": prior},
        pairs=(("f#Y vs g#Y", LatentModel(prior, f, 0.0), LatentModel(prior, g, 0.0)),),
        expected_injectivity={"f": {"F2": True}, "g": {"F2": True}},
    )


def _example_5_net(negative_slope=0.5, h2=((1.0, -1.0), (1.0, 1.0))) -> ReluNet:
    return ReluNet([[[1.0], [-1.0]], [list(map(float, r)) for r in h2], [[0.0, 1.0]]],
                   [[0.0, 0.0], [0.0, 0.0], [0.0]], negative_slope=negative_slope)


def example_5(negative_slope: float = 0.5, h2=((1.0, -1.0), (1.0, 1.0)),
              prior: GaussianMixture | None = None, prior_prime=None) -> Construction:
    """Example 5: ``h3 o s o h2 o s o h1`` with the leaky ReLU of slope 1/2, ``h1(x) = (x,
    -x)``, ``h2 = [[1, -1], [1, 1]]``, ``h3(x, y) = y``, equals ``|x| / 2``.

    Pairs: f#P against (|x|/2)#P, and, as the paper concludes "by Remark 3.6", f#P against
    f#P' with the Remark 3.6 priors.
    """
    P, P2 = _remark_36_priors()
    P = prior if prior is not None else P
    P2 = prior_prime if prior_prime is not None else P2
    f = _example_5_net(negative_slope, h2)
    half_abs = absval_net((0.5, 0.5))
    return Construction(
        name="example_5",
        claim="the leaky-ReLU net h3 o s o h2 o s o h1 equals |x|/2 and is not weakly "
              "injective (so f#P = f#P' for the Remark 3.6 priors)",
        nets={"f": f, "|x|/2": half_abs},
        priors={"P": P, "P'": P2},
        pairs=(("f#P vs (|x|/2)#P", LatentModel(P, f, 0.0), LatentModel(P, half_abs, 0.0)),
               ("f#P vs f#P'", LatentModel(P, f, 0.0), LatentModel(P2, f, 0.0))),
        expected_injectivity={"f": {"F2": False, "F3": False, "F4": False}},
        params={"negative_slope": negative_slope, "h2": h2},
    )


# -- numeric verification --------------------------------------------------------------------


@dataclass(frozen=True)
class _NumericLaw:
    """A law on the real line: continuous part, atoms, and where to integrate."""

    density: object           # callable, x (N,) -> (N,)
    atom_locations: np.ndarray
    atom_masses: np.ndarray
    points: np.ndarray        # forced quadrature boundaries (images of breakpoints, means)
    window: tuple
    null_points: np.ndarray   # where a sigma = 0 density is only defined up to a null set
    sigma: float


def _engine_law(model: LatentModel) -> _NumericLaw:
    from .density import _piece_arrays, atoms, log_pdf
    from .divergence import _window_and_points

    x_min, x_max, points = _window_and_points(model, model)
    _, _, _, _, f_lo, f_hi = _piece_arrays(model)
    images = np.concatenate([f_lo, f_hi])
    images = np.unique(images[np.isfinite(images)])
    locations, masses = atoms(model)
    return _NumericLaw(
        density=lambda x: np.exp(log_pdf(model, x)),
        atom_locations=locations,
        atom_masses=masses,
        points=points,
        window=(x_min, x_max),
        null_points=images if model.noise_std == 0 else np.empty(0),
        sigma=model.noise_std,
    )


def _atom_differences(a: _NumericLaw, b: _NumericLaw) -> np.ndarray:
    locations = np.union1d(a.atom_locations, b.atom_locations)
    diffs = []
    for loc in locations:
        ma = a.atom_masses[a.atom_locations == loc].sum()
        mb = b.atom_masses[b.atom_locations == loc].sum()
        diffs.append(abs(ma - mb))
    return np.asarray(diffs, dtype=float)


def _compare_numeric(a: _NumericLaw, b: _NumericLaw) -> tuple[float, float]:
    """(max |p - q| on the grid and over atoms, total-variation distance)."""
    from .divergence import integrate_1d

    lo = min(a.window[0], b.window[0])
    hi = max(a.window[1], b.window[1])
    grid = np.linspace(lo, hi, GRID_POINTS)
    # A sigma = 0 density is defined up to null sets; the engine's value at the image of a
    # breakpoint follows a convention (the piece to the right owns it), so those finitely many
    # points are left out of the grid.
    grid = grid[~np.isin(grid, np.concatenate([a.null_points, b.null_points]))]
    diff = np.abs(a.density(grid) - b.density(grid))
    atom_diff = _atom_differences(a, b)
    max_diff = float(max(diff.max(initial=0.0), atom_diff.max(initial=0.0)))
    points = np.concatenate([[lo, hi], a.points, b.points])
    points = np.unique(points[(points >= lo) & (points <= hi)])
    sigma = min(a.sigma, b.sigma)
    integral = integrate_1d(lambda x: np.abs(a.density(x) - b.density(x)), points,
                            TV_QUAD_TOL, min_cells_per_unit=1.0 / sigma if sigma > 0 else 0.0)
    tv = 0.5 * (integral.value + atom_diff.sum())
    return max_diff, float(tv)


def _with_noise(model: LatentModel, sigma: float) -> LatentModel:
    return LatentModel(model.prior, model.net, sigma)


class _Checks:
    """Named boolean checks with notes, in order."""

    def __init__(self):
        self.items: list[tuple[str, bool, str]] = []

    def add(self, name: str, ok, note: str = "") -> bool:
        ok = bool(ok)
        self.items.append((name, ok, note))
        return ok

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.items)

    def summary(self) -> str:
        parts = []
        for name, ok, note in self.items:
            parts.append(f"[{'ok' if ok else 'FAIL'}] {name}" + (f": {note}" if note else ""))
        return "; ".join(parts)


def _numeric_pairs(pairs, checks: _Checks) -> tuple[float, float, bool | None]:
    """Numeric and exact comparison of every pair at sigma = NOISE_STD and sigma = 0."""
    from .equivalence import same_pushforward

    max_diff, tv, exact = 0.0, 0.0, True
    for label, a, b in pairs:
        for sigma in (NOISE_STD, 0.0):
            ma, mb = _with_noise(a, sigma), _with_noise(b, sigma)
            d, t = _compare_numeric(_engine_law(ma), _engine_law(mb))
            max_diff, tv = max(max_diff, d), max(tv, t)
            checks.add(f"{label}, sigma={sigma:g}: max|dp| <= {NUMERIC_TOL:g} and TV <= "
                       f"{NUMERIC_TOL:g}", d <= NUMERIC_TOL and t <= NUMERIC_TOL,
                       f"max|dp| = {d:.2e}, TV = {t:.2e}")
            same = same_pushforward(ma, mb)
            exact &= same.same
            checks.add(f"{label}, sigma={sigma:g}: same_pushforward", same.same,
                       same.witness)
    return max_diff, tv, (exact if pairs else None)


def _numeric_reference(model: LatentModel, density, locations, masses, label: str,
                       checks: _Checks) -> tuple[float, float]:
    """Compare the engine's law of ``model`` (sigma = 0) with a closed-form reference law."""
    law = _engine_law(model)
    ref = dataclasses.replace(law, density=density, atom_locations=np.asarray(locations, float),
                              atom_masses=np.asarray(masses, float))
    d, t = _compare_numeric(law, ref)
    checks.add(f"{label}: engine law vs reference, max|dp| <= {NUMERIC_TOL:g} and TV <= "
               f"{NUMERIC_TOL:g}", d <= NUMERIC_TOL and t <= NUMERIC_TOL,
               f"max|dp| = {d:.2e}, TV = {t:.2e}")
    return d, t


def _injectivity(c: Construction, checks: _Checks) -> dict:
    """Library verdicts for every net of ``c``, checked against the claimed ones."""
    from .injectivity import injectivity_1d

    out = {}
    for label, net in c.nets.items():
        r = injectivity_1d(net)
        out[label] = {"F2": r.weakly_injective, "F3": r.observably_injective,
                      "F4": r.injective}
    for label, claimed in c.expected_injectivity.items():
        got = out[label]
        ok = all(got[k] == v for k, v in claimed.items())
        checks.add(f"{label}: claimed " + ", ".join(f"{k}={'yes' if v else 'no'}"
                                                    for k, v in claimed.items()), ok,
                   "" if ok else "found " + _verdicts(got))
    return out


def _verdicts(v: dict) -> str:
    return " ".join(("" if v[k] else "~") + k for k in ("F2", "F3", "F4"))


# -- symbolic verification -------------------------------------------------------------------


def _sp():
    import sympy

    return sympy


def _x():
    sp = _sp()
    return sp.Symbol("x", real=True)


def _rat(value):
    """Exact sympy Rational of a float or Fraction."""
    sp = _sp()
    fr = Fraction(value) if not isinstance(value, Fraction) else value
    return sp.Rational(fr.numerator, fr.denominator)


def _net_layers_sympy(net: ReluNet, x) -> list[list]:
    """sympy expressions of every layer's output (after the activation for hidden layers)."""
    sp = _sp()
    a = _rat(net.negative_slope)

    def act(t):
        # max(t, a t) is the leaky ReLU for a <= 1, min(t, a t) for a > 1 (both are
        # ReluNet.activation, t if t > 0 else a t).
        return sp.Max(t, a * t) if a <= 1 else sp.Min(t, a * t)

    h = [x]
    layers = []
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        pre = [sum((_rat(w[r, k]) * h[k] for k in range(w.shape[1])), sp.Integer(0))
               + _rat(b[r]) for r in range(w.shape[0])]
        h = [act(t) for t in pre] if i < net.n_layers - 1 else pre
        layers.append(h)
    return layers


def _net_sympy(net: ReluNet, x):
    return _net_layers_sympy(net, x)[-1][0]


def _linear_branches(expr, x) -> list[tuple]:
    """The linear branches of a continuous piecewise-linear sympy expression in x.

    Returns a sorted list of ``(lo, hi, slope, intercept)`` (sympy numbers, ``lo``/``hi``
    possibly infinite) covering the real line up to finitely many points, with adjacent
    equal branches merged.
    """
    sp = _sp()
    folded = sp.piecewise_fold(expr.rewrite(sp.Piecewise))
    pairs = folded.as_expr_set_pairs() if isinstance(folded, sp.Piecewise) else [
        (folded, sp.S.Reals)]
    raw = []
    for e, s in pairs:
        for part in (s.args if isinstance(s, sp.Union) else (s,)):
            if not isinstance(part, sp.Interval) or part.measure == 0:
                continue  # single points: a null set, the neighbours determine f there
            slope = sp.diff(e, x)
            if slope.free_symbols:
                raise ValueError(f"expr: expected a piecewise-linear expression, found {e}")
            raw.append((part.start, part.end, slope, sp.expand(e - slope * x)))
    raw.sort(key=lambda r: r[0])
    merged = []
    for lo, hi, a, b in raw:
        if merged and merged[-1][2] == a and merged[-1][3] == b and merged[-1][1] == lo:
            merged[-1] = (merged[-1][0], hi, a, b)
        else:
            merged.append((lo, hi, a, b))
    ok = (merged and merged[0][0] == -sp.oo and merged[-1][1] == sp.oo
          and all(p[1] == q[0] for p, q in zip(merged[:-1], merged[1:])))
    if not ok:
        raise ValueError(f"expr: the branches do not cover the real line: {merged}")
    return merged


def _compose_affine_branches(branches, s, u) -> list[tuple]:
    """Branches of ``x -> g(s x + u)`` from the branches of g (s != 0, exact)."""
    sp = _sp()
    out = []
    for lo, hi, a, b in branches:
        ends = sorted([(lo - u) / s, (hi - u) / s], key=lambda v: float(v))
        out.append((ends[0], ends[1], sp.expand(a * s), sp.expand(a * u + b)))
    return sorted(out, key=lambda r: float(r[0]))


def _table_branches(pieces) -> list[tuple]:
    """Branches (sympy) from a Fraction piece table (``None`` = infinite end)."""
    sp = _sp()
    return [(-sp.oo if lo is None else _rat(lo), sp.oo if hi is None else _rat(hi), _rat(a),
             _rat(b)) for lo, hi, a, b in pieces]


def _branches_match_pieces(branches, pieces) -> bool:
    """The sympy branches equal the exact pieces of :func:`exactid.regions.pieces_1d`."""
    if len(branches) != pieces.n_pieces:
        return False
    breaks = [br[1] for br in branches[:-1]]
    return (all(_rat(t) == s for t, s in zip(pieces.breakpoints, breaks))
            and all(_rat(pieces.slopes[k, 0]) == branches[k][2]
                    and _rat(pieces.intercepts[k, 0]) == branches[k][3]
                    for k in range(len(branches))))


def _prior_sympy(prior: GaussianMixture) -> list[tuple]:
    return [(_rat(w), _rat(m), _rat(v)) for w, m, v in
            zip(prior.weights, prior.means[:, 0], prior.variances) if w > 0]


def _gaussian(x, mean, var):
    sp = _sp()
    return sp.exp(-(x - mean) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)


def _phi(t):
    sp = _sp()
    return (1 + sp.erf(t / sp.sqrt(2))) / 2


def _open_image(lo, hi, a, b):
    ends = sorted([a * lo + b, a * hi + b], key=lambda v: float(v))
    return ends[0], ends[1]


def _cells(cuts):
    """Elementary open intervals between sorted sympy cut points, with a probe inside each."""
    sp = _sp()
    bounds = [-sp.oo] + list(cuts) + [sp.oo]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if lo == -sp.oo and hi == sp.oo:
            probe = sp.Integer(0)
        elif lo == -sp.oo:
            probe = hi - 1
        elif hi == sp.oo:
            probe = lo + 1
        else:
            probe = (lo + hi) / 2
        out.append((lo, hi, probe))
    return out


def _sympy_law(branches, prior_comps, x):
    """The pushforward of the prior by the branches: (Piecewise density, {atom: mass})."""
    sp = _sp()
    moving = []
    atoms: dict = {}
    for lo, hi, a, b in branches:
        if a == 0:
            mass = sum((w * (_phi((hi - mu) / sp.sqrt(v)) - _phi((lo - mu) / sp.sqrt(v)))
                        for w, mu, v in prior_comps), sp.Integer(0))
            atoms[b] = atoms.get(b, sp.Integer(0)) + mass
            continue
        # x = a z + b with z ~ w N(mu, v) has density w N(x; a mu + b, a^2 v) on the image.
        term = sum((w * _gaussian(x, a * mu + b, a * a * v) for w, mu, v in prior_comps),
                   sp.Integer(0))
        moving.append((*_open_image(lo, hi, a, b), term))
    cuts = sorted({v for lo, hi, _ in moving for v in (lo, hi) if v.is_finite},
                  key=lambda v: float(v))
    branches_out = []
    for lo, hi, probe in _cells(cuts):
        active = [t for l_, h_, t in moving if l_ < probe < h_]
        if active:
            cond = sp.And(x > lo, x < hi) if lo.is_finite and hi.is_finite else (
                x > lo if lo.is_finite else (x < hi if hi.is_finite else sp.true))
            branches_out.append((sp.Add(*active), cond))
    density = sp.Piecewise(*branches_out, (0, True))
    return density, atoms


def _expr_set_pairs(expr):
    sp = _sp()
    if isinstance(expr, sp.Piecewise):
        return expr.as_expr_set_pairs()
    return [(expr, sp.S.Reals)]


def _is_zero(expr) -> bool:
    sp = _sp()
    return expr == 0 or sp.simplify(expr) == 0


def _sympy_laws_equal(law_a, law_b) -> tuple[bool, str]:
    """Densities equal on every elementary interval and equal atom masses."""
    dens_a, atoms_a = law_a
    dens_b, atoms_b = law_b
    for ea, sa in _expr_set_pairs(dens_a):
        for eb, sb in _expr_set_pairs(dens_b):
            cell = sa.intersect(sb)
            if cell.measure > 0 and not _is_zero(ea - eb):
                return False, f"densities differ on {cell}"
    for loc in set(atoms_a) | set(atoms_b):
        if not _is_zero(atoms_a.get(loc, 0) - atoms_b.get(loc, 0)):
            return False, f"atom masses differ at x = {loc}"
    return True, ""


def _sympy_functions_equal(branches_a, branches_b, x) -> tuple[bool, str]:
    """Two branch lists define the same function: the difference is 0 on every elementary
    interval of the common refinement."""
    sp = _sp()
    for lo_a, hi_a, a1, b1 in branches_a:
        for lo_b, hi_b, a2, b2 in branches_b:
            lo, hi = sp.Max(lo_a, lo_b), sp.Min(hi_a, hi_b)
            if lo < hi and not _is_zero((a1 * x + b1) - (a2 * x + b2)):
                return False, f"differ on ({lo}, {hi}): {a1 * x + b1} vs {a2 * x + b2}"
    return True, ""


def _sympy_injectivity(branches) -> dict:
    """(F2)/(F3)/(F4) from linear branches, by counting preimages on elementary x-cells."""
    moving = [_open_image(lo, hi, a, b) for lo, hi, a, b in branches if a != 0]
    if not moving:
        return {"F2": False, "F3": False, "F4": False}
    cuts = sorted({v for im in moving for v in im if v.is_finite}, key=lambda v: float(v))
    counts = [sum(1 for lo, hi in moving if lo < probe < hi) for _, _, probe in _cells(cuts)]
    slopes = [a for _, _, a, _ in branches]
    return {
        "F2": any(c == 1 for c in counts),
        "F3": all(c <= 1 for c in counts),
        "F4": all(a > 0 for a in slopes) or all(a < 0 for a in slopes),
    }


def _sympy_affine_maps(prior_a: GaussianMixture, prior_b: GaussianMixture) -> list[tuple]:
    """All (s, u) with h#P_a = P_b, h(z) = s z + u, in exact arithmetic (m = 1): component 0 of
    P_a must go to some component k of P_b, which fixes s = +-sqrt(v_k / v_0), u = mu_k - s
    mu_0; accepted when the mapped components equal P_b's as a multiset."""
    sp = _sp()
    ca, cb = _prior_sympy(prior_a), _prior_sympy(prior_b)
    if len(ca) != len(cb):
        return []
    _, mu0, v0 = ca[0]
    out = []
    for _, mu_k, v_k in cb:
        root = sp.sqrt(v_k / v0)
        for s in (root, -root):
            u = mu_k - s * mu0
            mapped = [(w, sp.nsimplify(s * mu + u), sp.nsimplify(s * s * v)) for w, mu, v in ca]
            remaining = list(cb)
            for comp in mapped:
                if comp in remaining:
                    remaining.remove(comp)
                else:
                    break
            else:
                if (s, u) not in out:
                    out.append((s, u))
    return out


class _Symbolic:
    """Caches sympy work on the nets of one construction."""

    def __init__(self, checks: _Checks):
        self.x = _x()
        self.checks = checks
        self._branches: dict = {}

    def branches(self, net: ReluNet):
        key = id(net)
        if key not in self._branches:
            self._branches[key] = (net, _linear_branches(_net_sympy(net, self.x), self.x))
        return self._branches[key][1]

    def law(self, model: LatentModel):
        return _sympy_law(self.branches(model.net), _prior_sympy(model.prior), self.x)

    def pairs(self, pairs) -> None:
        for label, a, b in pairs:
            ok, where = _sympy_laws_equal(self.law(a), self.law(b))
            self.checks.add(f"sympy: {label} densities and atoms equal", ok, where)

    def pieces(self, c: Construction) -> None:
        """The sympy branches of every net equal the library's exact pieces."""
        from .regions import pieces_1d

        for label, net in c.nets.items():
            self.checks.add(f"sympy: branches of {label} = pieces_1d(exact=True)",
                            _branches_match_pieces(self.branches(net),
                                                   pieces_1d(net, exact=True)))

    def injectivity(self, c: Construction, library: dict) -> None:
        for label, net in c.nets.items():
            got = _sympy_injectivity(self.branches(net))
            self.checks.add(f"sympy: injectivity of {label} = library", got == library[label],
                            _verdicts(got))


def _run_symbolic(c: Construction, library_injectivity: dict, extra=None) -> tuple[bool, str]:
    """The common symbolic checks (pieces, laws of the pairs, injectivity) plus ``extra``."""
    checks = _Checks()
    sym = _Symbolic(checks)
    sym.pieces(c)
    sym.pairs(c.pairs)
    sym.injectivity(c, library_injectivity)
    if extra is not None:
        extra(sym, checks)
    return checks.ok, checks.summary()


def _finish(c: Construction, checks: _Checks, max_diff, tv, exact, injectivity, symbolic_result,
            notes=()) -> Row:
    symbolic_ok, symbolic_summary = symbolic_result if symbolic_result else (None, "skipped")
    passed = checks.ok and symbolic_ok is not False
    detail = "; ".join([*notes, checks.summary(), f"symbolic: {symbolic_summary}"])
    return Row(name=c.name, claim=c.claim, numeric_max_density_diff=float(max_diff),
               numeric_tv=float(tv), exact_same_law=exact, symbolic_ok=symbolic_ok,
               injectivity=injectivity, passed=bool(passed), detail=detail)


# -- verifications -------------------------------------------------------------------------------


def verify_example_1_relu(c: Construction | None = None, *, symbolic: bool = True) -> Row:
    """Example 1, ReLU: the law of ReLU(Z) against p_Z 1(x > 0) + P(Z <= 0) delta_0, and the
    verdicts (F2) yes, (F3) yes, (F4) no."""
    from scipy.special import ndtr

    c = c if c is not None else example_1_relu()
    net, prior = c.nets["ReLU"], c.priors["P"]
    checks = _Checks()
    injectivity = _injectivity(c, checks)
    mass0 = float(np.sum(prior.weights * ndtr(-prior.means[:, 0] / np.sqrt(prior.variances))))
    d, t = _numeric_reference(
        LatentModel(prior, net, 0.0),
        lambda x: np.where(x > 0, np.exp(prior.log_pdf(np.asarray(x, float))), 0.0),
        [0.0], [mass0], "ReLU#P", checks)

    def extra(sym, sc):
        x, sp = sym.x, _sp()
        comps = _prior_sympy(prior)
        p_z = sum((w * _gaussian(x, mu, v) for w, mu, v in comps), sp.Integer(0))
        ref = (sp.Piecewise((p_z, x > 0), (0, True)),
               {sp.Integer(0): sum((w * _phi(-mu / sp.sqrt(v)) for w, mu, v in comps),
                                   sp.Integer(0))})
        ok, where = _sympy_laws_equal(sym.law(LatentModel(prior, net, 0.0)), ref)
        sc.add("sympy: law of ReLU(Z) = p_Z on x > 0 + atom P(Z <= 0) at 0", ok, where)

    sym = _run_symbolic(c, injectivity, extra) if symbolic else None
    return _finish(c, checks, d, t, None, injectivity, sym,
                   notes=[f"atom at 0: P(Z <= 0) = {mass0:.6g}"])


def verify_example_1_not_weakly_injective(c: Construction | None = None, *,
                                          symbolic: bool = True) -> Row:
    """Example 1, x -> 0 and x -> |x|: laws with no uniquely-covered interval, and (F2) no."""
    c = c if c is not None else example_1_not_weakly_injective()
    prior = c.priors["P"]
    checks = _Checks()
    injectivity = _injectivity(c, checks)

    def two_preimages(x):
        x = np.asarray(x, float)
        return np.where(x > 0, np.exp(prior.log_pdf(x)) + np.exp(prior.log_pdf(-x)), 0.0)

    d1, t1 = _numeric_reference(LatentModel(prior, c.nets["|x|"], 0.0), two_preimages, [], [],
                                "|x|#P", checks)
    d2, t2 = _numeric_reference(LatentModel(prior, c.nets["0"], 0.0),
                                lambda x: np.zeros(np.shape(x)), [0.0], [1.0], "0#P", checks)

    def extra(sym, sc):
        x, sp = sym.x, _sp()
        comps = _prior_sympy(prior)
        p_z = sum((w * _gaussian(x, mu, v) for w, mu, v in comps), sp.Integer(0))
        ref_abs = (sp.Piecewise((p_z + p_z.subs(x, -x), x > 0), (0, True)), {})
        ok, where = _sympy_laws_equal(sym.law(LatentModel(prior, c.nets["|x|"], 0.0)), ref_abs)
        sc.add("sympy: law of |Z| = p_Z(x) + p_Z(-x) on x > 0", ok, where)
        ref_zero = (sp.Integer(0), {sp.Integer(0): sum((w for w, _, _ in comps), sp.Integer(0))})
        ok, where = _sympy_laws_equal(sym.law(LatentModel(prior, c.nets["0"], 0.0)), ref_zero)
        sc.add("sympy: law of 0 = unit atom at 0", ok, where)

    sym = _run_symbolic(c, injectivity, extra) if symbolic else None
    return _finish(c, checks, max(d1, d2), max(t1, t2), None, injectivity, sym)


def _exact_value(pieces, t: Fraction) -> Fraction:
    """f(t) from exact pieces (piece k owns [lo_k, hi_k), as in the density engine)."""
    k = sum(1 for b in pieces.breakpoints if b <= t)
    return pieces.slopes[k, 0] * t + pieces.intercepts[k, 0]


def _function_grid():
    return np.linspace(-20.0, 20.0, 8001)


def verify_example_1_dead_relu(c: Construction | None = None, *, symbolic: bool = True) -> Row:
    """Example 1: ReLU(-ReLU(z)) = 0, as functions and in law."""
    from .regions import pieces_1d

    c = c if c is not None else example_1_dead_relu()
    dead = c.nets["ReLU(-ReLU(x))"]
    checks = _Checks()
    injectivity = _injectivity(c, checks)
    z = _function_grid()
    fdiff = float(np.abs(dead(z)[:, 0]).max())
    checks.add("max |ReLU(-ReLU(z))| on the grid = 0", fdiff == 0.0, f"{fdiff:.2e}")
    pieces = pieces_1d(dead, exact=True)
    checks.add("pieces_1d(exact=True): one piece, 0 z + 0",
               pieces.n_pieces == 1 and pieces.slopes[0, 0] == 0 and pieces.intercepts[0, 0] == 0)
    max_diff, tv, exact = _numeric_pairs(c.pairs, checks)

    def extra(sym, sc):
        ok, where = _sympy_functions_equal(sym.branches(dead), sym.branches(c.nets["0"]), sym.x)
        sc.add("sympy: ReLU(-ReLU(x)) - 0 simplifies to 0 on every interval", ok, where)

    sym = _run_symbolic(c, injectivity, extra) if symbolic else None
    return _finish(c, checks, max_diff, tv, exact, injectivity, sym,
                   notes=[f"max |f(z)| on {z.size} points = {fdiff:.2e}"])


def verify_remark_3_6(c: Construction | None = None, *, symbolic: bool = True) -> Row:
    """Remark 3.6: same law, no affine map between the priors, (F2) fails."""
    from .equivalence import affine_maps

    c = c if c is not None else remark_3_6()
    P, P2 = c.priors["P"], c.priors["P'"]
    checks = _Checks()
    injectivity = _injectivity(c, checks)
    maps = affine_maps(P, P2)
    checks.add("affine_maps(P, P') is empty", not maps, f"{maps}")
    max_diff, tv, exact = _numeric_pairs(c.pairs, checks)

    def extra(sym, sc):
        maps_sym = _sympy_affine_maps(P, P2)
        sc.add("sympy: no affine map takes P to P'", not maps_sym, f"{maps_sym}")

    sym = _run_symbolic(c, injectivity, extra) if symbolic else None
    return _finish(c, checks, max_diff, tv, exact, injectivity, sym)


def verify_remark_3_7(c: Construction | None = None, *, symbolic: bool = True) -> Row:
    """Remark 3.7: the reparametrised model is exact, affinely equivalent, and has the same law."""
    from .equivalence import affine_maps, models_equivalent

    c = c if c is not None else remark_3_7()
    s, u = c.params["scale"], c.params["shift"]
    (_, a, b), = c.pairs
    checks = _Checks()
    injectivity = _injectivity(c, checks)
    # Exactness: the stored parameters are the exact values (dyadic, no rounding).
    fs, fu = Fraction(s), Fraction(u)
    w0 = [Fraction(float(v)) for v in a.net.weights[0][:, 0]]
    b0 = [Fraction(float(v)) for v in a.net.biases[0]]
    exact_w = all(Fraction(float(v)) == w / fs for v, w in zip(b.net.weights[0][:, 0], w0))
    exact_b = all(Fraction(float(v)) == bb - w * fu / fs
                  for v, w, bb in zip(b.net.biases[0], w0, b0))
    exact_p = (all(Fraction(float(m)) == fs * Fraction(float(m0)) + fu
                   for m, m0 in zip(b.prior.means[:, 0], a.prior.means[:, 0]))
               and all(Fraction(float(v)) == fs * fs * Fraction(float(v0))
                       for v, v0 in zip(b.prior.variances, a.prior.variances)))
    checks.add("h#P and f o h^-1 carry exact (unrounded) parameters", exact_w and exact_b
               and exact_p)
    eq = models_equivalent(a, b)
    checks.add("models_equivalent finds h", eq.full and eq.map is not None
               and abs(eq.map[0] - s) <= 1e-12 and abs(eq.map[1] - u) <= 1e-12,
               f"map {eq.map}")
    checks.add("(s, u) is among affine_maps(P, h#P)", any(
        abs(m[0] - s) <= 1e-12 and abs(m[1] - u) <= 1e-12 for m in affine_maps(a.prior, b.prior)))
    max_diff, tv, exact = _numeric_pairs(c.pairs, checks)

    def extra(sym, sc):
        x = sym.x
        s_, u_ = _rat(s), _rat(u)
        composed = _compose_affine_branches(sym.branches(a.net), 1 / s_, -u_ / s_)
        ok, where = _sympy_functions_equal(composed, sym.branches(b.net), x)
        sc.add("sympy: (f o h^-1)(x) - f((x - u)/s) simplifies to 0 on every interval", ok,
               where)
        maps_sym = _sympy_affine_maps(a.prior, b.prior)
        sc.add("sympy: h is an affine map P -> h#P", (_rat(s), _rat(u)) in maps_sym,
               f"{maps_sym}")

    sym = _run_symbolic(c, injectivity, extra) if symbolic else None
    return _finish(c, checks, max_diff, tv, exact, injectivity, sym)


def verify_example_4(c: Construction | None = None, *, symbolic: bool = True) -> Row:
    """Example 4: the networks realise (15), f(Y) ~ g(Y), and f is not g o h for affine h."""
    from .equivalence import affine_maps, decoders_match, models_equivalent
    from .regions import pieces_1d

    c = c if c is not None else example_4()
    f, g, Y = c.nets["f"], c.nets["g"], c.priors["Y"]
    checks = _Checks()
    injectivity = _injectivity(c, checks)
    z = np.unique(np.concatenate([_function_grid(), [-4.0, -2.0, 2.0, 4.0]]))
    notes = []
    for label, net in (("f", f), ("g", g)):
        err = np.abs(net(z)[:, 0] - evaluate_formula(example_4_formula(label), z))
        rel = float((err / (1.0 + np.abs(z))).max())
        checks.add(f"net {label} = formula (15) on {z.size} points (|diff| <= 1e-12 (1+|z|))",
                   rel <= 1e-12, f"max |diff|/(1+|z|) = {rel:.2e}")
    maps = affine_maps(Y, Y)
    matches = [(m, decoders_match(f, g, *m)) for m in maps]
    checks.add("no affine map (s, u) of Y onto Y has f = g o h",
               maps and not any(ok for _, ok in matches),
               ", ".join(f"h = ({m[0]:g}, {m[1]:g}): {'match' if ok else 'no match'}"
                         for m, ok in matches))
    eq = models_equivalent(*c.pairs[0][1:])
    checks.add("models_equivalent((f, Y), (g, Y)) is False", not eq.full, f"priors: {eq.priors}")
    n_f, n_g = pieces_1d(f, exact=True).n_pieces, pieces_1d(g, exact=True).n_pieces
    checks.add("different numbers of pieces: f != k o g o h for all invertible affine h, k",
               n_f != n_g, f"{n_f} vs {n_g}")
    max_diff, tv, exact = _numeric_pairs(c.pairs, checks)
    delta = Fraction(float(Fraction(1, 5))) - Fraction(1, 5)
    notes.append(f"the nets carry slope float(1/5) = 1/5 + {float(delta):.3g} on z < -4, a "
                 "piece f and g share exactly")

    def extra(sym, sc):
        x = sym.x
        comps = _prior_sympy(Y)
        laws = [_sympy_law(_table_branches(example_4_formula(w)), comps, x) for w in "fg"]
        ok, where = _sympy_laws_equal(*laws)
        sc.add("sympy: formula (15) with slope exactly 1/5: f#Y = g#Y", ok, where)
        float_slope = Fraction(float(Fraction(1, 5)))
        for label, net in (("f", f), ("g", g)):
            table = _table_branches(example_4_formula(label, float_slope))
            ok, where = _sympy_functions_equal(sym.branches(net), table, x)
            sc.add(f"sympy: net {label} - formula (15) (slope float(1/5)) = 0 on every "
                   "interval", ok, where)
        maps_sym = _sympy_affine_maps(Y, Y)
        differ = []
        for s, u in maps_sym:
            composed = _compose_affine_branches(sym.branches(g), s, u)
            differ.append(not _sympy_functions_equal(sym.branches(f), composed, x)[0])
        sc.add("sympy: f != g o h for both affine maps h of Y onto Y",
               len(maps_sym) == 2 and all(differ), f"maps {maps_sym}")

    sym = _run_symbolic(c, injectivity, extra) if symbolic else None
    return _finish(c, checks, max_diff, tv, exact, injectivity, sym, notes=notes)


def verify_example_5(c: Construction | None = None, *, symbolic: bool = True) -> Row:
    """Example 5: the leaky-ReLU net equals |x|/2 (exact pieces, grid, sympy), is not weakly
    injective, and pushes P and P' (Remark 3.6) to one law."""
    from .regions import pieces_1d

    c = c if c is not None else example_5()
    f, half = c.nets["f"], c.nets["|x|/2"]
    checks = _Checks()
    injectivity = _injectivity(c, checks)
    z = _function_grid()
    fdiff = float(np.abs(f(z)[:, 0] - np.abs(z) / 2).max())
    checks.add("max |f(z) - |z|/2| on the grid = 0", fdiff == 0.0, f"{fdiff:.2e}")
    pf, ph = pieces_1d(f, exact=True), pieces_1d(half, exact=True)
    same_pieces = (list(pf.breakpoints) == list(ph.breakpoints)
                   and pf.slopes.tolist() == ph.slopes.tolist()
                   and pf.intercepts.tolist() == ph.intercepts.tolist())
    # Values at the exact rational breakpoints and one unit beyond the outer ones (exact).
    breaks = list(pf.breakpoints)
    knots = ([breaks[0] - 1, *breaks, breaks[-1] + 1] if breaks
             else [Fraction(-1), Fraction(1)])
    values_ok = all(_exact_value(pf, t) == abs(Fraction(t)) / 2 for t in knots)
    checks.add("pieces_1d(exact=True): f and |x|/2 have identical pieces, f(t) = |t|/2 at the "
               "breakpoints", same_pieces and values_ok,
               f"breakpoints {[str(t) for t in pf.breakpoints]}, slopes "
               f"{[str(v) for v in pf.slopes[:, 0]]}")
    max_diff, tv, exact = _numeric_pairs(c.pairs, checks)

    def extra(sym, sc):
        x, sp = sym.x, _sp()
        layers = _net_layers_sympy(f, x)
        half_x = x / 2
        stated = {
            "s o h1": [sp.Piecewise((x, x >= 0), (half_x, True)),
                       sp.Piecewise((-half_x, x >= 0), (-x, True))],
            "h2 o s o h1": [3 * x / 2, sp.Piecewise((half_x, x >= 0), (-half_x, True))],
        }
        h2_pre = [sum((_rat(f.weights[1][r, k]) * layers[0][k] for k in range(2)),
                      sp.Integer(0)) + _rat(f.biases[1][r]) for r in range(2)]
        for name, got in (("s o h1", layers[0]), ("h2 o s o h1", h2_pre)):
            for i, (e_got, e_paper) in enumerate(zip(got, stated[name])):
                ok, where = _sympy_functions_equal(_linear_branches(e_got, x),
                                                   _linear_branches(e_paper, x), x)
                sc.add(f"sympy: ({name})_{i + 1} as stated in Example 5", ok, where)
        ok, where = _sympy_functions_equal(sym.branches(f), _linear_branches(sp.Abs(x) / 2, x),
                                           x)
        sc.add("sympy: f(x) - |x|/2 simplifies to 0 on every interval", ok, where)

    sym = _run_symbolic(c, injectivity, extra) if symbolic else None
    return _finish(c, checks, max_diff, tv, exact, injectivity, sym,
                   notes=[f"max |f(z) - |z|/2| on {z.size} points = {fdiff:.2e}"])


_VERIFIERS = (
    verify_example_1_relu,
    verify_example_1_not_weakly_injective,
    verify_example_1_dead_relu,
    verify_remark_3_6,
    verify_remark_3_7,
    verify_example_4,
    verify_example_5,
)


def verify_all(symbolic: bool = True) -> list[Row]:
    """Verify every construction of paper 003 (in the paper's order).

    Parameters
    ----------
    symbolic : bool
        Also run the sympy checks (about a second each).

    Returns
    -------
    list of Row
    """
    return [verify(symbolic=symbolic) for verify in _VERIFIERS]


def format_table(rows) -> str:
    """A plain-text table of the rows, followed by each row's claim and details.

    Columns: the largest density difference and total-variation distance (over the compared
    pairs and sigma in {0.3, 0}), the exact comparison (``-``: a closed-form reference law),
    the sympy checks, the (F2)/(F3)/(F4) verdicts per network (``~Fk``: Fk fails) and the
    overall result.
    """
    rows = list(rows)
    cells = []
    for r in rows:
        exact = "-" if r.exact_same_law is None else ("yes" if r.exact_same_law else "NO")
        sym = "skip" if r.symbolic_ok is None else ("ok" if r.symbolic_ok else "FAIL")
        inj = ", ".join(f"{k}: {_verdicts(v)}" for k, v in r.injectivity.items())
        cells.append((r.name, f"{r.numeric_max_density_diff:.1e}", f"{r.numeric_tv:.1e}", exact,
                      sym, inj, "PASS" if r.passed else "FAIL"))
    titles = ("construction", "max|p-q|", "TV", "exact", "sympy", "injectivity", "result")
    widths = [max([len(t)] + [len(c[i]) for c in cells]) for i, t in enumerate(titles)]
    align = "<>>>><<"

    def line(values):
        return "  ".join(f"{v:{a}{w}}" for v, a, w in zip(values, align, widths)).rstrip()

    header = line(titles)
    lines = [header, "-" * len(header)]
    lines.extend(line(c) for c in cells)
    lines.append("-" * len(header))
    lines.append(f"{sum(r.passed for r in rows)}/{len(rows)} constructions verified "
                 f"(numeric bound {NUMERIC_TOL:g}; sigma = {NOISE_STD:g} and 0; "
                 "~Fk: condition Fk fails)")
    for r in rows:
        lines.append("")
        lines.append(f"{r.name}: {r.claim}")
        for part in r.detail.split("; "):
            lines.append(f"    {part}")
    return "\n".join(lines)
