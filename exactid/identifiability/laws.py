r"""Are two models' laws of x equal?  Exactly (rational pieces) or by KL divergence (quadrature).

* :func:`same_pushforward` decides equality of the laws of two 1-D models exactly: it compares
  the Gaussian terms of :math:`f_\# P` interval by interval in rational arithmetic (and the
  atoms of noiseless models in 50 digits), so it recognises non-affine coincidences such as
  Remark 3.6 and separates laws that differ far below double-precision resolution.
* :func:`same_distribution` is the numerical check: KL divergence in both directions, within
  a tolerance, by adaptive quadrature for m = n = 1 and by adaptive cubature
  (:mod:`exactid.divergence.cubature_2d`, with a proven tail bound) for m = n = 2; it is
  independent of the piece structure.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..divergence import kl_divergence, kl_divergence_2d
from ..divergence.cubature_2d import MIN_TOL as MIN_TOL_2D
from ..models import LatentModel
from ..regions import interior_point, pieces_1d
from ..validation import check_instance
from .checks import check_real

__all__ = ["DistributionCheck", "same_distribution", "PushforwardComparison",
           "same_pushforward", "MAX_KL_TOL"]



@dataclass(frozen=True)
class DistributionCheck:
    """Result of :func:`same_distribution`; ``bool(result)`` is ``result.same``.

    Attributes
    ----------
    kl_ab, kl_ba : float
        :math:`\\mathrm{KL}(p_a \\| p_b)` and :math:`\\mathrm{KL}(p_b \\| p_a)`.
    error_ab, error_ba : float
        Their estimated quadrature errors.
    same : bool
        Both ``|KL| <= tol + error``.
    method : str
        ``"1-D quadrature"`` (m = n = 1) or ``"2-D adaptive cubature"`` (m = n = 2).
    """

    kl_ab: float
    kl_ba: float
    error_ab: float
    error_ba: float
    same: bool
    method: str = "1-D quadrature"

    def __bool__(self) -> bool:
        return self.same


#: Largest KL tolerance of :func:`same_distribution`.
MAX_KL_TOL = 1e-3



def same_distribution(model_a: LatentModel, model_b: LatentModel,
                      tol: float = 1e-9) -> DistributionCheck:
    """Decide whether two models give the same law of x, from the KL divergences in both
    directions (:func:`exactid.divergence.kl_divergence` for m = n = 1,
    :func:`exactid.divergence.kl_divergence_2d` for m = n = 2).

    Independent of the parameters: it also recognises non-affine coincidences such as
    Remark 3.6 of paper 003, and it is the reference against which
    :func:`models_equivalent` is tested.

    Parameters
    ----------
    model_a, model_b : LatentModel
        Both ``m = n = 1`` or both ``m = n = 2``; ``noise_std > 0``.
    tol : float
        Threshold on each KL (beyond its quadrature error), in ``(0, 1e-3]`` (for m = n = 2
        at least ``1e-9``, ten times the cubature's smallest tolerance); the quadrature
        itself runs with tolerance ``tol / 10``.

    Returns
    -------
    DistributionCheck

    Raises
    ------
    NotImplementedError
        If a model has ``noise_std == 0`` (the law of x may have atoms and KL is then not an
        integral of densities) or the dimensions are not m = n = 1 or m = n = 2 for both.
    """
    check_instance(model_a, "model_a", LatentModel)
    check_instance(model_b, "model_b", LatentModel)
    tol = check_real(tol, "tol", positive=True)
    if tol > MAX_KL_TOL:
        raise ValueError(f"tol: expected at most {MAX_KL_TOL:g} (a numerical allowance for "
                         f"equal laws, not a closeness threshold), found {tol!r}")
    for name, model in (("model_a", model_a), ("model_b", model_b)):
        # noise_std >= 0 is validated by LatentModel, so '<= 0' would be an equivalent mutant.
        if model.noise_std == 0:  # pragma: no mutate
            raise NotImplementedError(
                f"{name}: same_distribution needs noise_std > 0, found 0; without noise the "
                "law of x may have atoms, which the density-based KL cannot compare"
            )
    dims = [(model.latent_dim, model.observed_dim) for model in (model_a, model_b)]
    if dims == [(1, 1), (1, 1)]:
        kl, method = kl_divergence, "1-D quadrature"
    elif dims == [(2, 2), (2, 2)]:
        if tol < 10 * MIN_TOL_2D:
            raise ValueError(f"tol: expected at least {10 * MIN_TOL_2D:g} for m = n = 2 (the "
                             f"2-D cubature's accuracy), found {tol!r}")
        kl, method = kl_divergence_2d, "2-D adaptive cubature"
    else:
        raise NotImplementedError(
            "same_distribution supports m = n = 1 (1-D quadrature) and m = n = 2 (2-D "
            f"adaptive cubature), found (m, n) = {dims[0]} for model_a and {dims[1]} for "
            "model_b")
    ab = kl(model_a, model_b, tol=tol / 10)
    ba = kl(model_b, model_a, tol=tol / 10)
    same = abs(ab.value) <= tol + ab.error and abs(ba.value) <= tol + ba.error
    return DistributionCheck(kl_ab=ab.value, kl_ba=ba.value, error_ab=ab.error,
                             error_ba=ba.error, same=bool(same), method=method)



@dataclass(frozen=True)
class PushforwardComparison:
    """Result of :func:`same_pushforward`.

    Attributes
    ----------
    same : bool
        True if the laws of x are equal.
    witness : str
        Where they differ (an x-interval with different Gaussian terms, or an atom), or ``""``.
    """

    same: bool
    witness: str = ""

    def __bool__(self) -> bool:
        return self.same



def _pushforward_parts(model: LatentModel):
    """Exact description of :math:`f_\\# P`: Gaussian pieces on x-intervals and atoms.

    Returns ``(lines, atoms)``: ``lines`` is a list of ``(low, high, terms)`` with ``low,
    high`` Fractions or None (infinite) and ``terms`` a list of ``(coef, mean, var)``
    Fractions (the density on ``(low, high)`` is ``sum coef N(x; mean, var)``); ``atoms`` is a
    list of ``(location, lo, hi)``: a flat piece on ``[lo, hi]`` (None = infinite) at
    ``location``.
    """


    pieces = pieces_1d(model.net, exact=True)
    prior = model.prior
    means = prior.means[:, 0]  # pragma: no mutate (m = 1: column 0 is column -1)
    comps = [(Fraction(float(w)), Fraction(float(m)), Fraction(float(v)))
             for w, m, v in zip(prior.weights, means, prior.variances)
             if w]  # weights are >= 0: a truthy weight is a positive one
    breaks = list(pieces.breakpoints)
    lines, atoms = [], []
    # n = 1: column 0 is also column -1, so changing it would be an equivalent mutant.
    maps = zip(pieces.slopes[:, 0], pieces.intercepts[:, 0])  # pragma: no mutate
    for (a, b), lo, hi in zip(maps, [None] + breaks, breaks + [None]):
        if a == 0:
            atoms.append((b, lo, hi))
            continue
        ends = [None if z is None else a * z + b for z in (lo, hi)]
        # a == 0 (a flat piece) was handled above, so '>=' would be an equivalent mutant.
        rising = a > 0  # pragma: no mutate
        low, high = (ends[0], ends[1]) if rising else (ends[1], ends[0])
        # x = a z + b with z ~ w N(mu, v) has density w N(x; a mu + b, a^2 v) on the image
        # (the Jacobian 1/|a| is part of that normal density).
        terms = [(w, a * mu + b, a * a * v) for w, mu, v in comps]
        lines.append((low, high, terms))
    return lines, atoms



def same_pushforward(model_a: LatentModel, model_b: LatentModel) -> PushforwardComparison:
    r"""Decide exactly whether two 1-D models with the same noise give the same law of x.

    Convolution with :math:`\mathcal N(0, \sigma^2)` is injective, so equal noise reduces the
    question to :math:`f_\# P = g_\# P'`.  Each side is a finite sum of Gaussian densities
    restricted to x-intervals (one per non-flat piece and component) plus atoms (flat pieces).
    On every elementary interval between image endpoints of both models, the two densities are
    finite sums of Gaussians, which are equal on an open interval only if their merged
    (mean, variance) -> coefficient tables are identical (distinct Gaussians are linearly
    independent); these tables are compared in exact rational arithmetic.  Atom masses are
    differences of normal CDFs, compared in 50-digit arithmetic (relative 1e-40).

    Unlike :func:`same_distribution` this does not integrate anything, so it separates laws
    whose KL divergence is far below double-precision resolution (e.g. 1e-20 for models that
    differ only in a far tail), and it proves equality rather than bounding a KL.

    Parameters
    ----------
    model_a, model_b : LatentModel
        ``m = n = 1``; equal ``noise_std`` (otherwise NotImplementedError).

    Returns
    -------
    PushforwardComparison
    """
    import mpmath as mp  # only for the exact comparison, not at import

    check_instance(model_a, "model_a", LatentModel)
    check_instance(model_b, "model_b", LatentModel)
    for name, model in (("model_a", model_a), ("model_b", model_b)):
        # Dimensions are >= 1, so '> 1' would be an equivalent mutant.
        if model.latent_dim != 1 or model.observed_dim != 1:  # pragma: no mutate
            raise NotImplementedError(f"{name}: same_pushforward supports m = n = 1 only")
    if model_a.noise_std != model_b.noise_std:
        raise NotImplementedError(
            "same_pushforward compares pushforwards and needs equal noise_std, found "
            f"{model_a.noise_std} and {model_b.noise_std}; use same_distribution")
    parts = [_pushforward_parts(m) for m in (model_a, model_b)]
    differs = _first_different_interval(parts)
    if differs is not None:
        return PushforwardComparison(False, f"different Gaussian terms on x in {differs}")
    with mp.workdps(50):  # pragma: no mutate (more digits change nothing)
        differs = _first_different_atom(_atom_masses(model_a, parts[0][1]),
                                        _atom_masses(model_b, parts[1][1]))
    if differs is not None:
        return PushforwardComparison(False, differs)
    return PushforwardComparison(True, "")


def _first_different_atom(masses_a: dict, masses_b: dict) -> str | None:
    """The first atom location (in increasing order) whose masses differ by more than 1e-40
    relative, as text, or None; ``masses_*`` map location -> mass (mpmath, 50 digits), a
    missing location meaning mass 0."""
    import mpmath as mp  # only for the exact comparison, not at import

    resolution = mp.mpf(10) ** -40
    # The floor only keeps two zero masses equal; masses are never 0 otherwise, so its value
    # is not observable (an equivalent mutant).
    floor = mp.mpf(10) ** -300  # pragma: no mutate
    for loc in sorted(set(masses_a) | set(masses_b)):
        a, b = masses_a.get(loc, mp.mpf(0)), masses_b.get(loc, mp.mpf(0))
        gap, allowed = abs(a - b), resolution * max(abs(a), abs(b), floor)
        # A gap of exactly the allowance cannot be constructed, so '>=' here would be an
        # equivalent mutant.
        if gap > allowed:  # pragma: no mutate
            return f"atom at x = {float(loc):g}: masses {mp.nstr(a, 8)} and {mp.nstr(b, 8)}"
    return None


def _first_different_interval(parts) -> str | None:
    """The first elementary x-interval (between the image endpoints of both models) on which
    the merged Gaussian-term tables differ, as text, or None."""
    cuts = sorted({v for lines, _ in parts for lo, hi, _ in lines for v in (lo, hi)
                   if v is not None})
    bounds = [None] + cuts + [None]
    for left, right in zip(bounds[:-1], bounds[1:]):
        probe = interior_point(left, right)
        tables = []
        for lines, _ in parts:
            table: dict = {}
            for lo, hi, terms in lines:
                # The probe lies strictly between two cut points, never on lo or hi, so '<='
                # here would be an equivalent mutant.
                above = lo is None or lo < probe  # pragma: no mutate
                below = hi is None or probe < hi  # pragma: no mutate
                if above and below:
                    for coef, mean, var in terms:
                        # ('-' would negate every table alike: an equivalent mutant.)
                        table[(mean, var)] = table.get((mean, var), 0) + coef  # pragma: no mutate
            tables.append(table)  # coefficients are sums of positive weights, never 0
        if tables[0] != tables[1]:
            return (f"({'-inf' if left is None else format(float(left), 'g')}, "
                    f"{'inf' if right is None else format(float(right), 'g')})")
    return None


def _atom_masses(model, atoms) -> dict:
    """Atom location -> mass (mpmath, at the caller's working precision) of the flat pieces
    ``atoms = [(location, lo, hi), ...]``."""
    import mpmath as mp  # only for the exact comparison, not at import

    masses: dict = {}
    prior = model.prior
    means = prior.means[:, 0]  # pragma: no mutate (m = 1: column 0 is column -1)
    for loc, lo, hi in atoms:
        total = mp.mpf(0)
        for w, mu, v in zip(prior.weights, means, prior.variances):
            sd = mp.sqrt(mp.mpf(float(v)))
            a = mp.ninf if lo is None else (mp.mpf(lo.numerator) / lo.denominator
                                            - float(mu)) / sd
            b = mp.inf if hi is None else (mp.mpf(hi.numerator) / hi.denominator
                                           - float(mu)) / sd
            # Take the difference in the tail where both probabilities are small, so no
            # digits cancel (Phi(b) - Phi(a) = Phi(-a) - Phi(-b)).
            # Either formula is exact to 50 digits near a = 0; the threshold only matters in a
            # far tail, so moving it a little is not observable (an equivalent mutant).
            upper = a > 0  # pragma: no mutate
            mass = mp.ncdf(-a) - mp.ncdf(-b) if upper else mp.ncdf(b) - mp.ncdf(a)
            total += mp.mpf(float(w)) * mass
        masses[loc] = masses.get(loc, mp.mpf(0)) + total
    return masses
