r"""Injectivity conditions (F2), (F3), (F4) of paper 003, Definition 3.1.

For a continuous piecewise-affine :math:`f: \mathbb R \to \mathbb R` the three conditions are
decided exactly from the pieces: each non-constant piece maps its interval one-to-one onto an
interval of x, and each constant piece maps onto a single point (a null set of the image unless
f is constant).  Counting, on every elementary x-interval between image endpoints, how many
non-constant pieces cover it gives the number of preimages of almost every x:

* (F4) injective: every x of the image has one preimage, i.e. f is strictly monotone (all
  slopes non-zero with one sign).
* (F3) observably injective: almost every x of the image has one preimage: every elementary
  interval of the image is covered exactly once (and f is not constant).
* (F2) weakly injective: some open interval of the image has unique preimages (an elementary
  interval covered once), and the set of x with infinitely many preimages (values of constant
  pieces) is null in the image, which holds unless f is constant.  The ball of
  Definition 3.1 (i) is taken centred in the image, so that a constant f is not weakly
  injective (paper 003, Example 1).
"""

from __future__ import annotations

import math

import numpy as np

from ..models import ReluNet
from ..regions import interior_point, pieces_1d
from .verdicts import InjectivityReport, Verdict

__all__ = ["injectivity_1d"]


def injectivity_1d(net: ReluNet) -> InjectivityReport:
    """Decide (F2), (F3) and (F4) for a network ``R -> R`` from its exact rational pieces.

    Parameters
    ----------
    net : ReluNet
        Input and output dimension 1.

    Returns
    -------
    InjectivityReport
        ``method = "exact rational arithmetic"``; the witnesses are ``unique_interval``
        (F2), ``multiple_interval`` (F3) and ``collision`` (F4), also available as properties
        of the report.
    """
    if not isinstance(net, ReluNet):
        raise ValueError(f"net: expected a ReluNet, found {type(net).__name__}")
    # Dimensions are >= 1, so '> 1' here would be an equivalent mutant.
    if net.input_dim != 1 or net.output_dim != 1:  # pragma: no mutate
        raise NotImplementedError(
            f"injectivity_1d needs a map R -> R, found R^{net.input_dim} -> R^{net.output_dim}")
    pieces = pieces_1d(net, exact=True)
    # n = 1: column 0 is also column -1 (an equivalent mutant).
    slopes = pieces.slopes[:, 0]  # pragma: no mutate
    intercepts = pieces.intercepts[:, 0]  # pragma: no mutate
    breaks = list(pieces.breakpoints)
    n = len(slopes)
    # Image of piece k as (low, high) with None for infinite ends (exact rationals); a flat
    # piece's image is a point, which only its z-interval describes here.
    images = []
    for k, (lo, hi) in enumerate(zip([None] + breaks, breaks + [None])):
        if slopes[k] == 0:
            images.append(("const", None, None, lo, hi))
            continue
        ends = [None if z is None else slopes[k] * z + intercepts[k] for z in (lo, hi)]
        # Oriented so that low <= high (an infinite end stays None on its side).
        rising = slopes[k] > 0  # pragma: no mutate (slopes[k] != 0 here: '>=' is equivalent)
        low, high = (ends[0], ends[1]) if rising else (ends[1], ends[0])
        images.append(("line", low, high, lo, hi))

    # Kinds are "const" and "line": '>=' for '==' would be an equivalent mutant.
    moving = [im for im in images if im[0] == "line"]  # pragma: no mutate
    if not moving:
        # A constant map: every image point has infinitely many preimages.
        # Any two distinct points are a witness (changing them: an equivalent mutant).
        return _report(n, False, False, False, None, None, (0.0, 1.0))  # pragma: no mutate

    finite = sorted({v for im in moving for v in im[1:3] if v is not None})
    # Elementary intervals between consecutive finite endpoints (and the two unbounded ones).
    cells = []
    cuts = [None] + finite + [None]
    for a, b in zip(cuts[:-1], cuts[1:]):
        probe = interior_point(a, b)
        # The probe is strictly between two consecutive endpoints, never on one: '<=' here
        # would be an equivalent mutant.
        count = sum(1 for im in moving
                    if (im[1] is None or im[1] < probe)  # pragma: no mutate
                    and (im[2] is None or probe < im[2]))  # pragma: no mutate
        cells.append((a, b, count))
    unique = next(((a, b) for a, b, c in cells if c == 1), None)
    multiple = next(((a, b) for a, b, c in cells if c >= 2), None)
    monotone = all(s > 0 for s in slopes) or all(s < 0 for s in slopes)

    def as_float(interval):
        if interval is None:
            return None
        a, b = interval
        return (-np.inf if a is None else _float(a), np.inf if b is None else _float(b))

    collision = None
    if not monotone:
        collision = _collision(images, multiple, slopes, intercepts)
    return _report(n, unique is not None, multiple is None, monotone, as_float(unique),
                   as_float(multiple), collision)


def _report(n_pieces, weak, observable, injective, unique, multiple, collision):
    """The verdicts as an :class:`InjectivityReport` (witnesses keyed as its properties)."""
    f2 = Verdict(weak, "an interval of the image has unique preimages" if weak else
                 "no interval of the image has a unique preimage",
                 {"unique_interval": unique} if unique is not None else {})
    f3 = Verdict(observable, "almost every point of the image has one preimage" if observable
                 else "an interval of the image has two or more preimages",
                 {"multiple_interval": multiple} if multiple is not None else {})
    f4 = Verdict(injective, "f is strictly monotone" if injective else
                 "two distinct points have the same image",
                 {"collision": collision} if collision is not None else {})
    return InjectivityReport(m=1, n=1, n_cells=n_pieces, n_regions=n_pieces, box=math.inf,
                             F2=f2, F3=f3, F4=f4, appendix_h={},
                             method="exact rational arithmetic")


def _collision(images, multiple, slopes, intercepts):
    """Two distinct points with the same image (f is not strictly monotone)."""
    # Kinds are "const" and "line", so '<=' for '==' would be an equivalent mutant, and so
    # would another step below: any two distinct points of a flat piece are a witness.
    for kind, _, _, lo, hi in images:
        if kind == "const":  # pragma: no mutate
            # A flat piece: any two points of it (a step of max(1, |end|) keeps two distinct
            # floats even beyond 2**53).
            if lo is None and hi is None:
                return (0.0, 1.0)  # pragma: no mutate
            if lo is None:
                return (_float(hi - max(1, abs(hi))), _float(hi))  # pragma: no mutate
            if hi is None:
                return (_float(lo), _float(lo + max(1, abs(lo))))  # pragma: no mutate
            return (_float(lo), _float(hi))
    # Otherwise two pieces overlap on the interval ``multiple``: pull back its midpoint.
    x = interior_point(*multiple)
    zs = []
    for k, (kind, low, high, _, _) in enumerate(images):
        # x lies strictly inside an elementary interval between image endpoints, never on
        # low or high, and kind is "const" or "line": '<=' or '>=' here would be equivalent
        # mutants.
        moving = kind == "line"  # pragma: no mutate
        above = low is None or low < x  # pragma: no mutate
        below = high is None or x < high  # pragma: no mutate
        if moving and above and below:
            zs.append(_float((x - intercepts[k]) / slopes[k]))
    return (zs[0], zs[1])


def _float(value) -> float:
    """``float(value)`` for an exact rational, saturating to +-inf beyond the float range."""
    try:
        return float(value)
    except OverflowError:  # |value| > 1.8e308: equivalent mutants '>= 0', '> -1', '> 1'
        return np.inf if value > 0 else -np.inf
