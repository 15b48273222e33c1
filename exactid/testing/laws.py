r"""Assertions on the law of :math:`x = f(z) + \varepsilon`: :func:`assert_same_law` and
:func:`assert_different_law`.

Two decision methods, chosen by ``method="auto"``:

* ``"exact"`` -- :func:`exactid.identifiability.same_pushforward` for ``m = n = 1`` and equal
  noise: convolution with :math:`\mathcal N(0, \sigma^2)` is injective, so equal noise and
  equal pushforwards :math:`f_\# P = g_\# P'` (compared in rational arithmetic) are the same
  thing as equal laws.  A proof either way, noiseless models included.
* ``"kl"`` -- :func:`exactid.same_distribution`: the KL divergence in both directions by 1-D
  adaptive quadrature (``m = n = 1``) or 2-D adaptive cubature (``m = n = 2``), each with an
  error estimate.  Used whenever the noise levels differ: different noise can still give the
  same law (:math:`\mathcal N(0, 1)` through the identity with :math:`\sigma = 1` and
  :math:`\mathcal N(0, 1.5)` with :math:`\sigma = \sqrt{0.5}` are both
  :math:`\mathcal N(0, 2)`), so the noise alone decides nothing.

The two assertions are honest converses: with the KL method "same" needs both
:math:`|\mathrm{KL}| \le \mathrm{tol} + \mathrm{error}` and "different" needs some
:math:`\mathrm{KL} > \mathrm{tol} + \mathrm{error}`, so they never both pass; a negative KL
beyond its bound is a numerical failure, and both assertions then fail as undecided.
"""

from __future__ import annotations

from ..identifiability import same_distribution, same_pushforward
from ..validation import check_number
from .common import CheckResult, check_choice, check_model, fail

__all__ = ["assert_same_law", "assert_different_law", "LAW_METHODS", "DEFAULT_KL_TOL"]

#: Accepted values of ``method``.
LAW_METHODS = ("auto", "exact", "kl")
#: Default threshold on each KL divergence (that of :func:`exactid.same_distribution`; also
#: the smallest accepted for m = n = 2, ten times the 2-D cubature's smallest tolerance).
DEFAULT_KL_TOL = 1e-9
#: Dimensions (m, n) supported by the KL method.
_KL_DIMS = ((1, 1), (2, 2))
_EXACT = "exact (same_pushforward)"


def _checked(model1, model2, tol, method):
    check_model(model1, "model1")
    check_model(model2, "model2")
    tol = check_number(tol, "tol", "a finite number > 0", lambda v: v > 0)
    method = check_choice(method, "method", LAW_METHODS)
    dims = [(m.latent_dim, m.observed_dim) for m in (model1, model2)]
    one_d = dims == [(1, 1), (1, 1)]
    if method == "exact" or (method == "auto" and one_d and model1.noise_std == model2.noise_std):
        if not one_d:
            raise NotImplementedError(
                f"method: 'exact' compares pushforwards of m = n = 1 models only, found "
                f"(m, n) = {dims[0]} for model1 and {dims[1]} for model2")
        if model1.noise_std != model2.noise_std:
            raise ValueError(
                f"method: 'exact' needs equal noise_std (then equal pushforwards are equal "
                f"laws), found {model1.noise_std!r} and {model2.noise_std!r}; use 'kl' or "
                "'auto'")
        return tol, "exact"
    if dims[0] != dims[1] or dims[0] not in _KL_DIMS:
        raise NotImplementedError(
            f"laws are compared for (m, n) = (1, 1) (exactly with equal noise, else by KL) "
            f"and (2, 2) (KL by cubature), found (m, n) = {dims[0]} for model1 and {dims[1]} "
            "for model2")
    why = ("method='kl'" if method == "kl" else "m = n = 2" if dims[0] == (2, 2)
           else "the noise levels differ")
    for name, model in (("model1", model1), ("model2", model2)):
        if model.noise_std == 0:
            raise NotImplementedError(
                f"{name}: noise_std = 0, and the KL method ({why}) needs noise_std > 0 (without "
                "noise the law of x may have atoms)")
    return tol, "kl"


def _kl_lines(report, tol: float) -> tuple[list[str], float, str]:
    """Evidence lines of a KL check, the largest ``KL - (tol + error)`` and a short method."""
    lines, margins = [], []
    for label, kl, err in (("KL(p1 || p2)", report.kl_ab, report.error_ab),
                           ("KL(p2 || p1)", report.kl_ba, report.error_ba)):
        bound = tol + err
        margins.append(kl - bound)
        lines.append(f"{label} = {kl:.6g} (error estimate {err:.3g}; bound tol + error = "
                     f"{bound:.6g})")
    method = f"KL by quadrature ({report.method}), bound tol + error with tol = {tol:g}"
    return lines, max(margins), method


def _negative(report, tol: float) -> bool:
    """A KL below minus its bound: the quadrature failed, nothing is decided."""
    return (report.kl_ab < -(tol + report.error_ab)) or (report.kl_ba < -(tol + report.error_ba))


def _decide(model1, model2, tol, method):
    """(verdict, method text, evidence lines, report): verdict True (same), False (different)
    or None (undecided)."""
    if method == "exact":
        report = same_pushforward(model1, model2)
        lines = ([f"f1#P1 = f2#P2 exactly and the noise levels are equal "
                  f"(sigma = {model1.noise_std:g})"] if report.same else
                 [f"f1#P1 != f2#P2 with equal noise (sigma = {model1.noise_std:g}): "
                  f"{report.witness}"])
        return report.same, _EXACT, lines, report
    report = same_distribution(model1, model2, tol=tol)
    lines, margin, text = _kl_lines(report, tol)
    if report.same:
        return True, text, lines, report
    if _negative(report, tol):
        lines.append("a KL divergence is negative beyond its bound: the quadrature is not "
                     "accurate enough to decide")
        return None, text, lines, report
    lines.append(f"margin: the larger KL exceeds its bound by {margin:.6g}")
    return False, text, lines, report


def assert_same_law(model1, model2, *, tol: float = DEFAULT_KL_TOL,
                    method: str = "auto") -> CheckResult:
    r"""Assert that two models give the same law of :math:`x = f(z) + \varepsilon`.

    Parameters
    ----------
    model1, model2 : LatentModel
        ``m = n = 1`` (exact with equal noise, KL otherwise) or ``m = n = 2`` (KL).
    tol : float
        KL method only: threshold on each KL divergence beyond its error estimate, in
        ``(0, 1e-3]``, at least ``1e-9`` for ``m = n = 2`` (see
        :func:`exactid.same_distribution`; the cubature costs about 0.2 s per pair at
        ``1e-6`` and 1 s at ``1e-9``, measured).
    method : {"auto", "exact", "kl"}
        ``"auto"``: exact when ``m = n = 1`` and the noise levels are equal, KL otherwise.

    Returns
    -------
    CheckResult
        ``report``: a :class:`~exactid.identifiability.PushforwardComparison` (exact) or
        :class:`~exactid.identifiability.DistributionCheck` (KL); ``method`` says which.

    Raises
    ------
    AssertionError
        If the laws differ (with the exact witness, or both KL divergences and their bounds),
        or the KL method cannot decide.
    ValueError
        On a bad argument, or ``method="exact"`` with different noise levels.
    NotImplementedError
        For dimensions other than ``m = n = 1`` or ``m = n = 2`` (for both models), or a
        noiseless model where only the KL method applies.

    Examples
    --------
    >>> from exactid.counterexamples import remark_3_6
    >>> _, a, b = remark_3_6().pairs[0]           # |z| with two priors (Remark 3.6)
    >>> assert_same_law(a, b).method
    'exact (same_pushforward)'
    """
    tol, method = _checked(model1, model2, tol, method)
    verdict, text, lines, report = _decide(model1, model2, tol, method)
    if verdict is None:
        fail(f"assert_same_law: undecided by {text}", lines)
    if not verdict:
        fail(f"assert_same_law: the laws differ ({text})", lines)
    return CheckResult(text, "\n".join(["the laws are equal (" + text + ")"] + lines), report)


def assert_different_law(model1, model2, *, tol: float = DEFAULT_KL_TOL,
                         method: str = "auto") -> CheckResult:
    r"""Assert that two models give different laws of :math:`x = f(z) + \varepsilon`.

    The converse of :func:`assert_same_law`, with the same methods.  The exact method decides
    both ways.  The KL method passes only when some KL divergence exceeds ``tol`` plus its
    error estimate (the margin is reported); when both lie within their bounds the laws are
    equal as far as the quadrature can tell, and the assertion fails as undecided.

    Parameters
    ----------
    model1, model2 : LatentModel
        As in :func:`assert_same_law`.
    tol : float
        KL method only: the resolution -- a KL divergence must exceed ``tol + error``.
    method : {"auto", "exact", "kl"}

    Returns
    -------
    CheckResult
        With the witness (exact) or both KL divergences and the margin (KL).

    Raises
    ------
    AssertionError
        If the laws are equal, or equal within the error bound (undecided).
    ValueError, NotImplementedError
        As in :func:`assert_same_law`.
    """
    tol, method = _checked(model1, model2, tol, method)
    verdict, text, lines, report = _decide(model1, model2, tol, method)
    if verdict is None:
        fail(f"assert_different_law: undecided by {text}", lines)
    if verdict:
        if method == "exact":
            fail(f"assert_different_law: the laws are equal ({text})", lines)
        fail(f"assert_different_law: undecided, the laws are equal within the error bound "
             f"({text}): no KL divergence exceeds tol + error", lines)
    return CheckResult(text, "\n".join(["the laws differ (" + text + ")"] + lines), report)
