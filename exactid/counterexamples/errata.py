r"""Errata of paper 003: printed claims that fail, each with a verified counterexample.

What to use when: :func:`verify_errata` checks both errata, as ``exactid counterexamples``
prints them after the table of constructions (:func:`format_errata`);
:func:`verify_corollary_h2` and :func:`verify_remark_d1` check one claim on any network
:math:`f: \mathbb R \to \mathbb R^n`, so that another counterexample can be plugged in; the
default counterexamples are :func:`corollary_h2_fold` and :func:`remark_d1_crossing`.

An erratum is *confirmed* only if every one of its checks passes, and each check is a test
that a network which is not a counterexample fails: the printed hypotheses hold, the printed
conclusion fails.  Every conclusion is established twice, by the linear-programming decision
:func:`~exactid.identifiability.check_injectivity` and exactly, in rational arithmetic, from
the pieces (:mod:`~exactid.identifiability.preimages`); preimages are re-checked by a
layer-by-layer rational evaluation of the network that shares nothing with the piece
computation.

1. **Corollary H.2** (ReLU, :math:`m = n_0 \le n_1 \le \dots \le n_t = n` and
   :math:`\dim f(\mathbb R^m) = m` imply (F3)) is too weak as printed:
   :math:`z \mapsto (|z|, |z|) = [[1, 1], [1, 1]]\,\mathrm{ReLU}([z, -z])` meets the hypotheses,
   but both pieces map onto the ray :math:`\{(t, t) : t \ge 0\}`.  The proof of Lemma H.1 also
   needs every :math:`h_i` to have full column rank.
2. **Remark D.1** (under (F3) every point with more than one preimage has infinitely many)
   and **Remark 3.5** (for a ReLU network these points are atoms of P(X)) fail for
   :math:`n > m`: the image curve of an (F3) network :math:`\mathbb R \to \mathbb R^2` can
   cross itself transversally; the crossing has two preimages, a P-null set, so it is no atom.
   For :math:`m = n = 1` the remark holds (two isolated preimages of one value force a fold,
   an overlap of positive length).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.special import ndtr

from ..identifiability import (
    check_injectivity,
    layer_conditions,
    multiple_points_1d,
    preimages_1d,
)
from ..models import GaussianMixture, ReluNet
from ..progress import progress_bar
from ..regions import pieces_1d
from ..validation import check_instance

__all__ = ["Evidence", "Erratum", "corollary_h2_fold", "remark_d1_crossing",
           "verify_corollary_h2", "verify_remark_d1", "verify_errata", "format_errata"]

#: Half-widths r of the boxes around a crossing whose mass P(|f(Z) - x|_inf <= r) is shown to
#: vanish with r (an atom would keep at least its mass).
BOX_RADII = (Fraction(1, 10**3), Fraction(1, 10**6))


@dataclass(frozen=True)
class Evidence:
    """One check of an erratum.

    Attributes
    ----------
    check : str
        What is checked (and how).
    ok : bool
    measured : str
        The measured values, as text.
    values : dict
        The main measured values, JSON-ready (exact rationals as strings such as ``"9/2"``).
    """

    check: str
    ok: bool
    measured: str
    values: dict = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Erratum:
    """A claim of the paper and the verification of a counterexample to it.

    Attributes
    ----------
    name : str
        Short identifier, e.g. ``"corollary_h2"``.
    reference : str
        Where the claim is printed (the paper's numbering).
    claim : str
        The claim as printed.
    counterexample : str
        The network checked.
    checks : tuple of Evidence
    notes : tuple of str
        Context that is not a check (why the claim fails, a contrast).
    confirmed : bool
        Every check passed: the network is a counterexample to the claim.
    """

    name: str
    reference: str
    claim: str
    counterexample: str
    checks: tuple
    notes: tuple
    confirmed: bool

    def as_dict(self) -> dict:
        """The erratum as a JSON-serialisable dict."""
        return dataclasses.asdict(self)


# -- the counterexamples --------------------------------------------------------------------------
def corollary_h2_fold() -> ReluNet:
    """:math:`z \\mapsto (|z|, |z|) = [[1, 1], [1, 1]]\\,\\mathrm{ReLU}([z, -z])`: widths
    1 <= 2 <= 2 and a one-dimensional image, but the second layer has rank 1, and the two pieces
    map onto the same ray, so it is not (F3)."""
    return ReluNet([[[1.0], [-1.0]], [[1.0, 1.0], [1.0, 1.0]]], [[0.0, 0.0], [0.0, 0.0]])


def remark_d1_crossing() -> ReluNet:
    """An (F3) ReLU network :math:`\\mathbb R \\to \\mathbb R^2` whose image crosses itself.

    The minimal counterexample hypothesis finds from :func:`exactid.strategies.relu_nets`
    (``examples/test_identifiability_claims.py``; its dead third unit dropped):
    ``W1 = [1, -1, -1]^T``, ``b1 = [0, 0, -1]``, ``W2 = [[0, 1, -2], [1, 0, 1]]``, ``b2 = 0``,
    so that

    .. math::
        f(z) = (z + 2, -z - 1)\\ (z \\le -1), \\quad (-z, 0)\\ (-1 \\le z \\le 0), \\quad
        (0, z)\\ (z \\ge 0):

    the first piece, a ray up and to the left from (1, 0), crosses the last, the vertical ray
    up from the origin, at :math:`x = (0, 1) = f(-2) = f(1)`; no two pieces overlap in
    positive length.
    """
    return ReluNet([[[1.0], [-1.0], [-1.0]], [[0.0, 1.0, -2.0], [1.0, 0.0, 1.0]]],
                   [[0.0, 0.0, -1.0], [0.0, 0.0]])


# -- helpers --------------------------------------------------------------------------------------
def _exact_forward(net: ReluNet, z: Fraction) -> tuple:
    """f(z) in rational arithmetic, layer by layer (independent of the piece computation)."""
    slope = Fraction(float(net.negative_slope))
    h = [Fraction(z)]
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        h = [sum((Fraction(float(w[r, c])) * h[c] for c in range(w.shape[1])), Fraction(0))
             + Fraction(float(b[r])) for r in range(w.shape[0])]
        if i < net.n_layers - 1:
            h = [t if t > 0 else slope * t for t in h]
    return tuple(h)


def _fmt(values) -> str:
    """Exact rationals as ``(1/2, 0)``."""
    return "(" + ", ".join(str(v) for v in values) + ")"


def _number(v) -> str:
    """A float parameter as its shortest repr, without a trailing ``.0``."""
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


def _describe(net: ReluNet) -> str:
    """The parameters of a network, compactly (weights as nested lists)."""

    def nested(a):
        if np.ndim(a) == 0:
            return _number(a)
        return "[" + ", ".join(nested(v) for v in a) + "]"

    parts = [f"R -> R^{net.output_dim}"]
    for i, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        parts.append(f"W{i} = {nested(np.asarray(w))}, b{i} = {nested(np.asarray(b))}")
    if net.negative_slope != 0:
        parts.append(f"negative_slope = {_number(net.negative_slope)}")
    return "; ".join(parts)


def _check_net(net, name: str = "net") -> ReluNet:
    check_instance(net, name, ReluNet)
    if net.input_dim != 1:
        raise NotImplementedError(
            f"{name}: the errata are checked for networks R -> R^n, found input dimension "
            f"{net.input_dim}")
    return net


def _mass(prior: GaussianMixture, intervals) -> float:
    """P(Z in a union of disjoint closed intervals) (None: an infinite end)."""
    w, mu = prior.weights, prior.means[:, 0]
    s = np.sqrt(prior.variances)
    total = 0.0
    for lo, hi in intervals:
        upper = 1.0 if hi is None else ndtr((float(hi) - mu) / s)
        lower = 0.0 if lo is None else ndtr((float(lo) - mu) / s)
        total += float(np.sum(w * (upper - lower)))
    return total


def _box_preimage(net: ReluNet, x: tuple, r: Fraction) -> list:
    """The z with max_i |f_i(z) - x_i| <= r, as closed intervals (exact, from the pieces)."""
    p = pieces_1d(net, exact=True)
    breaks = list(p.breakpoints)
    out = []
    for k, (lo, hi) in enumerate(zip([None] + breaks, breaks + [None])):
        empty = False
        for a, b, xi in zip(p.slopes[k], p.intercepts[k], x):
            if a == 0:  # a constant coordinate: all of the piece or nothing
                empty = empty or abs(b - xi) > r
                continue
            ends = sorted(((xi - r - b) / a, (xi + r - b) / a))
            lo = ends[0] if lo is None else max(lo, ends[0])
            hi = ends[1] if hi is None else min(hi, ends[1])
        if not empty and (lo is None or hi is None or lo <= hi):
            out.append((lo, hi))
    return out


def _finish(name, reference, claim, counterexample, checks, notes) -> Erratum:
    return Erratum(name=name, reference=reference, claim=claim, counterexample=counterexample,
                   checks=tuple(checks), notes=tuple(notes),
                   confirmed=bool(checks) and all(c.ok for c in checks))


# -- Corollary H.2 --------------------------------------------------------------------------------
H2_CLAIM = ("Corollary H.2 (Appendix H): let f = h_t o ReLU o h_(t-1) o ... o ReLU o h_1 with "
            "m = n_0 <= n_1 <= ... <= n_t = n and dim f(R^m) = m; then f satisfies (F3)")

H2_LABEL = "z -> (|z|, |z|) = [[1, 1], [1, 1]] ReLU([z, -z])"


def verify_corollary_h2(net: ReluNet | None = None, label: str | None = None) -> Erratum:
    """Check that ``net`` is a counterexample to Corollary H.2 as printed.

    Confirmed iff the printed hypotheses hold (ReLU, non-decreasing widths, an m-dimensional
    image, as :func:`~exactid.identifiability.check_injectivity` reports them) and (F3) fails,
    both by ``check_injectivity`` and exactly: two pieces' images overlap in positive length
    (:func:`~exactid.identifiability.multiple_points_1d`) and points inside the overlap have
    two preimages (:func:`~exactid.identifiability.preimages_1d`, each re-evaluated exactly).

    Parameters
    ----------
    net : ReluNet, optional
        ``f: R -> R^n`` (default :func:`corollary_h2_fold`).
    label : str, optional
        How to name the network in the report (default: its parameters).

    Returns
    -------
    Erratum
    """
    if net is None:
        net, label = corollary_h2_fold(), label or H2_LABEL
    net = _check_net(net)
    label = label or _describe(net)
    report = check_injectivity(net)
    mp = multiple_points_1d(net)
    widths, nondecreasing, full_rank = layer_conditions(net)
    h2 = report.appendix_h.get("Corollary H.2", {})
    dim = 0 if mp.constant else 1
    checks = [Evidence(
        "the printed hypotheses hold: ReLU, m = n_0 <= ... <= n_t = n, dim f(R^m) = m "
        "(check_injectivity(net).appendix_h['Corollary H.2'])",
        bool(h2.get("conditions_hold")) and nondecreasing and dim == 1,
        f"negative_slope = {net.negative_slope:g}, widths {widths}, dim f(R) = {dim}")]
    checks.append(Evidence("(F3) fails: check_injectivity", report.F3.holds is False,
                           f"F3 = {report.F3.holds}: {report.F3.reason}"))
    checks.append(Evidence(
        "(F3) fails exactly: two pieces' images overlap in positive length "
        "(multiple_points_1d(net).overlaps; observably_injective = False)",
        bool(mp.overlaps) and not mp.observably_injective,
        "; ".join(_overlap_text(o) for o in mp.overlaps) or "no overlap",
        {"overlaps": [o.to_dict() for o in mp.overlaps]}))
    checks.append(_overlap_points(net, mp.overlaps))
    ranks = [int(np.linalg.matrix_rank(w)) for w in net.weights]
    notes = [f"layer ranks {ranks} for widths {widths}: every layer has full column rank = "
             f"{full_rank}; the proof of Lemma H.1 also needs it (f = h_t o ReLU o g with h_t "
             "injective), which the printed statement omits"]
    return _finish("corollary_h2", "Corollary H.2", H2_CLAIM, label, checks, notes)


def _overlap_text(o) -> str:
    where = (f"segment {_fmt(o.start)} -- {_fmt(o.end)}" if o.end is not None
             else f"ray {_fmt(o.start)} + u {_fmt(o.direction)}, u >= 0")
    zs = ", ".join("[" + ("-inf" if lo is None else str(lo)) + ", "
                   + ("inf" if hi is None else str(hi)) + "]" for lo, hi in (o.z_first,
                                                                           o.z_second))
    return f"pieces {o.pieces[0]}, {o.pieces[1]}: {where}, from z in {zs}"


def _overlap_points(net: ReluNet, overlaps) -> Evidence:
    """Two points strictly inside each overlap have two or more preimages, re-evaluated."""
    measured, ok, values = [], bool(overlaps), []
    for o in overlaps:
        if o.end is not None:
            inner = [tuple(a + (b - a) * u for a, b in zip(o.start, o.end))
                     for u in (Fraction(1, 3), Fraction(2, 3))]
        else:
            inner = [tuple(a + u * d for a, d in zip(o.start, o.direction)) for u in (1, 2)]
        for x in inner:
            pre = preimages_1d(net, x)
            exact = all(_exact_forward(net, z) == x for z in pre.points)
            ok = ok and pre.count >= 2 and exact
            values.append(pre.to_dict())
            measured.append(f"x = {_fmt(x)}: z in {{{', '.join(map(str, pre.points))}}}"
                            + (" and intervals" if pre.intervals else "")
                            + ("" if exact else " (NOT f(z) = x exactly)"))
    return Evidence("points inside the overlap have two or more preimages (preimages_1d; f(z) "
                    "= x re-evaluated layer by layer in rationals)", ok,
                    "; ".join(measured) or "no overlap", {"preimages": values})


# -- Remark D.1 / Remark 3.5 -----------------------------------------------------------------------
D1_CLAIM = ("Remark D.1 (Appendix D.1): if a continuous piecewise affine f satisfies (F3), every "
            "x in S = {x : |f^-1({x})| > 1} has |f^-1({x})| = infinity; Remark 3.5: for f a ReLU "
            "network, the points of S are atoms of P(X)")


def _default_prior(crossings) -> GaussianMixture:
    """Unit-variance components centred on the preimages of the first crossing (so that the
    boxes around it carry as much mass as they can), or N(0, 1) if there is no crossing."""
    centres = [float(z) for z in crossings[0][1].points] if crossings else [0.0]
    k = len(centres)
    return GaussianMixture([1.0 / k] * k, centres, [1.0] * k)


def verify_remark_d1(net: ReluNet | None = None, prior: GaussianMixture | None = None,
                     label: str | None = None) -> Erratum:
    r"""Check that ``net`` is a counterexample to Remark D.1 (and to Remark 3.5).

    Confirmed iff ``net`` is (F3) (by :func:`~exactid.identifiability.check_injectivity` and
    exactly, :func:`~exactid.identifiability.observably_injective_1d`), is not (F4), and has an
    image point x with finitely many, at least two, preimages
    (:func:`~exactid.identifiability.multiple_points_1d` crossings, each preimage re-evaluated
    exactly), which is no atom of :math:`f_\# P`: :math:`P(Z \in f^{-1}(\{x\})) = 0` (a finite
    set) and the mass of the box :math:`\|f(Z) - x\|_\infty \le r` vanishes with r
    (:data:`BOX_RADII`).  Constant pieces, where the network has any, are shown to carry mass
    (the part of Remark 3.5 that holds).

    Parameters
    ----------
    net : ReluNet, optional
        ``f: R -> R^n`` (default :func:`remark_d1_crossing`).
    prior : GaussianMixture, optional
        The prior P on R (default: unit-variance components centred on the crossing's
        preimages).  The verdict does not depend on it: every Gaussian mixture gives a finite
        set probability 0.
    label : str, optional
        How to name the network in the report (default: its parameters).

    Returns
    -------
    Erratum
    """
    net = _check_net(remark_d1_crossing() if net is None else net)
    label = label or _describe(net)
    report = check_injectivity(net)
    mp = multiple_points_1d(net)
    if prior is None:
        prior = _default_prior(mp.crossings)
    check_instance(prior, "prior", GaussianMixture)
    if prior.dim != 1:
        raise ValueError(f"prior: expected a prior on R (dimension 1), found dimension "
                         f"{prior.dim}")
    checks = [
        Evidence("(F3) holds: check_injectivity", report.F3.holds is True,
                 f"F3 = {report.F3.holds}: {report.F3.reason}"),
        Evidence("(F3) holds exactly: observably_injective_1d (f not constant, no two pieces' "
                 "images overlap in positive length)", mp.observably_injective,
                 f"{len(mp.overlaps)} overlaps, constant = {mp.constant}"),
        Evidence("(F4) fails: check_injectivity", report.F4.holds is False,
                 f"F4 = {report.F4.holds}: {report.F4.reason} {report.F4.witness}"),
    ]
    checks.extend(_crossing_checks(net, mp.crossings, prior))
    notes = [_flat_note(net, mp.flat_values, prior)]
    notes.append("the proof of Remark D.1 concludes |f^-1({x})| in {1, infinity} from "
                 "|f^-1({x_d})| = 1 at generic x_d -> x, but for n > m the x_d may lie on "
                 "different branches of the image through x; for m = n = 1 the remark holds")
    return _finish("remark_d1", "Remark D.1, Remark 3.5", D1_CLAIM, label, checks, notes)


def _crossing_checks(net: ReluNet, crossings, prior: GaussianMixture) -> list:
    """The crossings exist, their preimages map to x exactly, and they carry no mass."""
    shown = "; ".join(f"x = {_fmt(x)}: z in {{{', '.join(map(str, p.points))}}} "
                      f"({p.count} preimages)" for x, p in crossings)
    out = [Evidence("a point x of the image has finitely many, at least two, preimages "
                    "(multiple_points_1d(net).crossings)", bool(crossings),
                    shown or "no crossing", {"crossings": [p.to_dict() for _, p in crossings]})]
    exact = [all(_exact_forward(net, z) == x for z in p.points) for x, p in crossings]
    out.append(Evidence("f(z) = x for every preimage, re-evaluated layer by layer in rationals",
                        bool(crossings) and all(exact),
                        f"{sum(exact)} of {len(exact)} crossings"))
    measured, ok, values = [], bool(crossings), []
    for x, p in crossings:
        mass = _mass(prior, p.intervals)  # the isolated points: a P-null set
        boxes = [_mass(prior, _box_preimage(net, x, r)) for r in BOX_RADII]
        values.append({"x": [str(v) for v in x], "mass": mass,
                       "box_radii": [str(r) for r in BOX_RADII], "box_masses": boxes})
        # An atom would keep P(box) >= its mass; an isolated point lets it fall like r.
        shrinks = boxes[-1] <= 1e-2 * boxes[0]
        ok = ok and p.count != float("inf") and mass == 0.0 and shrinks
        measured.append(f"x = {_fmt(x)}: P(Z in {{{', '.join(map(str, p.points))}}}) = "
                        f"{mass:g}; " + ", ".join(f"P(|f(Z) - x|_inf <= {float(r):g}) = {m:.3g}"
                                                  for r, m in zip(BOX_RADII, boxes)))
    out.append(Evidence("no crossing is an atom of f#P (P = "
                        f"{_prior_text(prior)}): its preimage set is finite, P-null",
                        ok, "; ".join(measured) or "no crossing", {"masses": values}))
    return out


def _prior_text(prior: GaussianMixture) -> str:
    return " + ".join(f"{w:g} N({m:g}, {v:g})" for w, m, v in
                      zip(prior.weights, prior.means[:, 0], prior.variances))


def _flat_note(net: ReluNet, flat_values, prior: GaussianMixture) -> str:
    """The masses of the constant pieces' values (atoms, as Remark 3.5 says of them)."""
    if not flat_values:
        return ("f has no constant piece, so f#P has no atom at all (for contrast, ReLU(z) maps "
                f"(-inf, 0] to the atom 0, of mass P(Z <= 0) = {_mass(prior, [(None, 0)]):.4g})")
    parts = []
    for v in flat_values:
        pre = preimages_1d(net, v)
        parts.append(f"x = {_fmt(v)}: P(Z in f^-1({{x}})) = {_mass(prior, pre.intervals):.4g}")
    return "the values of constant pieces are atoms: " + "; ".join(parts)


# -- all errata -----------------------------------------------------------------------------------
_VERIFIERS = (verify_corollary_h2, verify_remark_d1)


def verify_errata(progress=None) -> list[Erratum]:
    """Verify every erratum of paper 003 (Corollary H.2, Remark D.1) on its default
    counterexample.

    Parameters
    ----------
    progress : bool or None
        A progress bar on stderr (None: only when stderr is a terminal).

    Returns
    -------
    list of Erratum
    """
    out = []
    with progress_bar(len(_VERIFIERS), "verifying errata", progress, unit="erratum") as bar:
        for verify in _VERIFIERS:
            out.append(verify())
            bar.update(1)
    return out


def format_errata(errata, details: bool = True) -> str:
    """A plain-text table of the errata (where the claim is printed, checks passed, result),
    followed (if ``details``) by each claim, counterexample, check and note."""
    errata = list(errata)
    cells = [(e.name, e.reference, f"{sum(c.ok for c in e.checks)}/{len(e.checks)}",
              "CONFIRMED" if e.confirmed else "NOT CONFIRMED") for e in errata]
    titles = ("erratum", "claim", "checks", "result")
    widths = [max([len(t)] + [len(c[i]) for c in cells]) for i, t in enumerate(titles)]
    align = "<<><"

    def line(values):
        return "  ".join(f"{v:{a}{w}}" for v, a, w in zip(values, align, widths)).rstrip()

    header = line(titles)
    lines = [header, "-" * len(header), *(line(c) for c in cells), "-" * len(header)]
    lines.append(f"{sum(e.confirmed for e in errata)}/{len(errata)} errata confirmed (the "
                 "printed hypotheses hold and the conclusion fails, numerically and exactly)")
    for e in errata if details else ():
        lines += ["", f"{e.name}: {e.claim}", f"    counterexample: {e.counterexample}"]
        lines += [f"    [{'ok' if c.ok else 'FAIL'}] {c.check}: {c.measured}" for c in e.checks]
        lines += [f"    note: {n}" for n in e.notes]
    return "\n".join(lines)
