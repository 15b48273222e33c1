r"""The counterexamples of paper 003 as library objects (the constructions only).

Every construction of the paper (Example 1, Remarks 3.6 and 3.7, Example 4 with its formula
(15), Example 5) is a function returning a :class:`Construction`: its networks
(:class:`~exactid.models.ReluNet`), priors (:class:`~exactid.models.GaussianMixture`) and the
pairs of models (:class:`~exactid.models.LatentModel`) whose laws of x the paper says coincide.
The checks of those claims are :mod:`~exactid.counterexamples.verify`.

Design trade-off: parameters are dyadic wherever the paper allows, so the float networks *are*
the paper's functions and the exact and symbolic checks see the same numbers as the engine; the
one exception, the slope 1/5 of Example 4, is reported in its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..identifiability import affine_reparametrize
from ..models import GaussianMixture, LatentModel, ReluNet

__all__ = [
    "Construction",
    "REMARK_36_VAR",
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
]

#: Prior variance of the Remark 3.6 prior (the paper leaves sigma^2 free; 1/4 is dyadic).
REMARK_36_VAR = 0.25



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

    The reparametrised model is the one of
    :func:`~exactid.identifiability.symmetries.affine_reparametrize`; with the default dyadic
    s, u, weights and prior every parameter of it is exact in float.
    """

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
