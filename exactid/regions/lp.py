"""The linear programs of the region code: one HiGHS call, Chebyshev balls, certified radii.

Every region and injectivity decision ends in a small linear program.  They all go through
:func:`linprog` (HiGHS with tight feasibility tolerances, retried with the defaults on numerical
trouble; variables are free unless bounds are given), so a change of solver settings happens
in one place.  A Chebyshev radius from the LP is never trusted alone: :func:`certified_radius`
recomputes it at the LP's centre, a true lower bound up to the rounding of one dot product.
"""

from __future__ import annotations

import numpy as np

from ..errors import NumericalError

__all__ = ["LP_FEAS_TOL", "linprog", "certified_radius", "chebyshev_ball", "largest_ball"]

#: Primal and dual feasibility tolerances requested from HiGHS.
LP_FEAS_TOL = 1e-10

_LP_OPTIONS = {
    "primal_feasibility_tolerance": LP_FEAS_TOL,
    "dual_feasibility_tolerance": LP_FEAS_TOL,
}


def linprog(c, a_ub=None, b_ub=None, a_eq=None, b_eq=None, bounds=None):
    """``scipy.optimize.linprog`` with HiGHS at tight tolerances (retried with the defaults if
    that fails); ``bounds=None`` means free variables (scipy's default is ``x >= 0``)."""
    from scipy.optimize import linprog as solve  # scipy.optimize: ~0.4 s, only for an LP

    bounds = bounds if bounds is not None else [(None, None)] * len(c)
    res = solve(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs",
                options=_LP_OPTIONS)
    if res.status != 0:  # numerical trouble at the tight tolerances: retry with the defaults
        res = solve(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds,
                    method="highs")
    return res


def certified_radius(N, d, x, cap) -> float:
    """Radius of the largest ball about ``x`` inside ``{N z <= d}`` (unit rows), capped."""
    if N.shape[0] == 0:
        return cap
    return float(min(cap, np.min(d - N @ x)))


def chebyshev_ball(N, d, cap):
    """Chebyshev ball of ``{N z <= d}`` (unit rows), radius capped at ``cap``.

    Returns ``(x, r_lp, r_cert)``: the LP centre, the LP radius (negative when the set is
    empty) and the certified radius at ``x``.
    """
    k, m = N.shape
    if k == 0:
        return np.zeros(m), cap, cap
    c = np.zeros(m + 1)
    c[-1] = -1.0
    res = linprog(c, np.hstack([N, np.ones((k, 1))]), d, bounds=[(None, None)] * m + [(None, cap)])
    if res.status != 0:
        raise NumericalError(f"the Chebyshev-ball linear program failed ({res.message}); try "
                             "a smaller box or a larger tol")
    x = res.x[:m]
    return x, float(res.x[m]), certified_radius(N, d, x, cap)


def largest_ball(H, h, r_max=1.0, z_max=None):
    """Centre and radius of the largest ball (radius capped at ``r_max``, centre within
    ``[-z_max, z_max]^m`` if given) in ``{H z <= h}`` (rows of any norm); ``(None, -inf)`` if
    the LP fails (an empty set)."""
    m = H.shape[1]
    if H.shape[0] == 0:
        return np.zeros(m), float(r_max)
    norms = np.linalg.norm(H, axis=1)
    c = np.zeros(m + 1)
    c[-1] = -1.0
    a = np.hstack([H, norms[:, None]])
    zb = (None, None) if z_max is None else (-z_max, z_max)
    res = linprog(c, a, h, bounds=[zb] * m + [(0.0, r_max)])
    if res.status != 0:
        return None, -np.inf
    return res.x[:m], float(res.x[-1])
