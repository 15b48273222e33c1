r"""Symbolic verification of the constructions with sympy, independent of the engine.

Each network is written as a sympy Max/Min expression, folded into a Piecewise whose linear
branches are read off with ``as_expr_set_pairs``; the pushforward of the prior
(:math:`\sigma = 0`, which decides every :math:`\sigma`, convolution being injective) is a
Piecewise density with exact rational parameters plus atoms written with ``erf``.  Two laws
are equal when the difference of their densities simplifies to 0 on every elementary interval
and the atom masses agree; two functions likewise.  (F2)/(F3)/(F4) are re-derived from the
same branches.  Exact, and shares nothing with :mod:`exactid.regions` but the float
parameters, but only feasible for the paper's small networks (sympy's piecewise folding grows
exponentially with depth).  sympy is imported on first use (it takes seconds to import).
"""

from __future__ import annotations

from fractions import Fraction

from ..models import GaussianMixture, LatentModel, ReluNet
from ..regions import pieces_1d
from .constructions import Construction
from .numeric import Checks, verdict_text

__all__ = ["Symbolic", "run_symbolic", "sympy_module", "symbol_x", "rational", "net_layers",
           "net_expression", "linear_branches", "compose_affine_branches", "table_branches",
           "branches_match_pieces", "prior_components", "gaussian", "phi", "pushforward_law",
           "laws_equal", "functions_equal", "injectivity_from_branches", "affine_maps_exact"]



def sympy_module():
    import sympy  # slow to import, and only the symbolic checks need it

    return sympy



def symbol_x():
    sp = sympy_module()
    return sp.Symbol("x", real=True)



def rational(value):
    """Exact sympy Rational of a float or Fraction."""
    sp = sympy_module()
    fr = Fraction(value) if not isinstance(value, Fraction) else value
    return sp.Rational(fr.numerator, fr.denominator)



def net_layers(net: ReluNet, x) -> list[list]:
    """sympy expressions of every layer's output (after the activation for hidden layers)."""
    sp = sympy_module()
    a = rational(net.negative_slope)

    def act(t):
        # max(t, a t) is the leaky ReLU for a <= 1, min(t, a t) for a > 1 (both are
        # ReluNet.activation, t if t > 0 else a t).
        return sp.Max(t, a * t) if a <= 1 else sp.Min(t, a * t)

    h = [x]
    layers = []
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        pre = [sum((rational(w[r, k]) * h[k] for k in range(w.shape[1])), sp.Integer(0))
               + rational(b[r]) for r in range(w.shape[0])]
        h = [act(t) for t in pre] if i < net.n_layers - 1 else pre
        layers.append(h)
    return layers



def net_expression(net: ReluNet, x):
    return net_layers(net, x)[-1][0]



def linear_branches(expr, x) -> list[tuple]:
    """The linear branches of a continuous piecewise-linear sympy expression in x.

    Returns a sorted list of ``(lo, hi, slope, intercept)`` (sympy numbers, ``lo``/``hi``
    possibly infinite) covering the real line up to finitely many points, with adjacent
    equal branches merged.
    """
    sp = sympy_module()
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



def compose_affine_branches(branches, s, u) -> list[tuple]:
    """Branches of ``x -> g(s x + u)`` from the branches of g (s != 0, exact)."""
    sp = sympy_module()
    out = []
    for lo, hi, a, b in branches:
        ends = sorted([(lo - u) / s, (hi - u) / s], key=lambda v: float(v))
        out.append((ends[0], ends[1], sp.expand(a * s), sp.expand(a * u + b)))
    return sorted(out, key=lambda r: float(r[0]))



def table_branches(pieces) -> list[tuple]:
    """Branches (sympy) from a Fraction piece table (``None`` = infinite end)."""
    sp = sympy_module()
    return [(-sp.oo if lo is None else rational(lo), sp.oo if hi is None else rational(hi),
             rational(a), rational(b)) for lo, hi, a, b in pieces]



def branches_match_pieces(branches, pieces) -> bool:
    """The sympy branches equal the exact pieces of :func:`exactid.regions.pieces_1d`."""
    if len(branches) != pieces.n_pieces:
        return False
    breaks = [br[1] for br in branches[:-1]]
    return (all(rational(t) == s for t, s in zip(pieces.breakpoints, breaks))
            and all(rational(pieces.slopes[k, 0]) == branches[k][2]
                    and rational(pieces.intercepts[k, 0]) == branches[k][3]
                    for k in range(len(branches))))



def prior_components(prior: GaussianMixture) -> list[tuple]:
    return [(rational(w), rational(m), rational(v)) for w, m, v in
            zip(prior.weights, prior.means[:, 0], prior.variances) if w > 0]



def gaussian(x, mean, var):
    sp = sympy_module()
    return sp.exp(-(x - mean) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)



def phi(t):
    sp = sympy_module()
    return (1 + sp.erf(t / sp.sqrt(2))) / 2



def open_image(lo, hi, a, b):
    ends = sorted([a * lo + b, a * hi + b], key=lambda v: float(v))
    return ends[0], ends[1]



def elementary_cells(cuts):
    """Elementary open intervals between sorted sympy cut points, with a probe inside each."""
    sp = sympy_module()
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



def pushforward_law(branches, prior_comps, x):
    """The pushforward of the prior by the branches: (Piecewise density, {atom: mass})."""
    sp = sympy_module()
    moving = []
    atoms: dict = {}
    for lo, hi, a, b in branches:
        if a == 0:
            mass = sum((w * (phi((hi - mu) / sp.sqrt(v)) - phi((lo - mu) / sp.sqrt(v)))
                        for w, mu, v in prior_comps), sp.Integer(0))
            atoms[b] = atoms.get(b, sp.Integer(0)) + mass
            continue
        # x = a z + b with z ~ w N(mu, v) has density w N(x; a mu + b, a^2 v) on the image.
        term = sum((w * gaussian(x, a * mu + b, a * a * v) for w, mu, v in prior_comps),
                   sp.Integer(0))
        moving.append((*open_image(lo, hi, a, b), term))
    cuts = sorted({v for lo, hi, _ in moving for v in (lo, hi) if v.is_finite},
                  key=lambda v: float(v))
    branches_out = []
    for lo, hi, probe in elementary_cells(cuts):
        active = [t for l_, h_, t in moving if l_ < probe < h_]
        if active:
            cond = sp.And(x > lo, x < hi) if lo.is_finite and hi.is_finite else (
                x > lo if lo.is_finite else (x < hi if hi.is_finite else sp.true))
            branches_out.append((sp.Add(*active), cond))
    density = sp.Piecewise(*branches_out, (0, True))
    return density, atoms



def expr_set_pairs(expr):
    sp = sympy_module()
    if isinstance(expr, sp.Piecewise):
        return expr.as_expr_set_pairs()
    return [(expr, sp.S.Reals)]



def is_zero(expr) -> bool:
    sp = sympy_module()
    return expr == 0 or sp.simplify(expr) == 0



def laws_equal(law_a, law_b) -> tuple[bool, str]:
    """Densities equal on every elementary interval and equal atom masses."""
    dens_a, atoms_a = law_a
    dens_b, atoms_b = law_b
    for ea, sa in expr_set_pairs(dens_a):
        for eb, sb in expr_set_pairs(dens_b):
            cell = sa.intersect(sb)
            if cell.measure > 0 and not is_zero(ea - eb):
                return False, f"densities differ on {cell}"
    for loc in set(atoms_a) | set(atoms_b):
        if not is_zero(atoms_a.get(loc, 0) - atoms_b.get(loc, 0)):
            return False, f"atom masses differ at x = {loc}"
    return True, ""



def functions_equal(branches_a, branches_b, x) -> tuple[bool, str]:
    """Two branch lists define the same function: the difference is 0 on every elementary
    interval of the common refinement."""
    sp = sympy_module()
    for lo_a, hi_a, a1, b1 in branches_a:
        for lo_b, hi_b, a2, b2 in branches_b:
            lo, hi = sp.Max(lo_a, lo_b), sp.Min(hi_a, hi_b)
            if lo < hi and not is_zero((a1 * x + b1) - (a2 * x + b2)):
                return False, f"differ on ({lo}, {hi}): {a1 * x + b1} vs {a2 * x + b2}"
    return True, ""



def injectivity_from_branches(branches) -> dict:
    """(F2)/(F3)/(F4) from linear branches, by counting preimages on elementary x-cells."""
    moving = [open_image(lo, hi, a, b) for lo, hi, a, b in branches if a != 0]
    if not moving:
        return {"F2": False, "F3": False, "F4": False}
    cuts = sorted({v for im in moving for v in im if v.is_finite}, key=lambda v: float(v))
    counts = [sum(1 for lo, hi in moving if lo < probe < hi)
              for _, _, probe in elementary_cells(cuts)]
    slopes = [a for _, _, a, _ in branches]
    return {
        "F2": any(c == 1 for c in counts),
        "F3": all(c <= 1 for c in counts),
        "F4": all(a > 0 for a in slopes) or all(a < 0 for a in slopes),
    }



def affine_maps_exact(prior_a: GaussianMixture, prior_b: GaussianMixture) -> list[tuple]:
    """All (s, u) with h#P_a = P_b, h(z) = s z + u, in exact arithmetic (m = 1): component 0 of
    P_a must go to some component k of P_b, which fixes s = +-sqrt(v_k / v_0), u = mu_k - s
    mu_0; accepted when the mapped components equal P_b's as a multiset."""
    sp = sympy_module()
    ca, cb = prior_components(prior_a), prior_components(prior_b)
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



class Symbolic:
    """Caches sympy work on the nets of one construction."""

    def __init__(self, checks: Checks):
        self.x = symbol_x()
        self.checks = checks
        self._branches: dict = {}

    def branches(self, net: ReluNet):
        key = id(net)
        if key not in self._branches:
            self._branches[key] = (net, linear_branches(net_expression(net, self.x), self.x))
        return self._branches[key][1]

    def law(self, model: LatentModel):
        return pushforward_law(self.branches(model.net), prior_components(model.prior), self.x)

    def pairs(self, pairs) -> None:
        for label, a, b in pairs:
            ok, where = laws_equal(self.law(a), self.law(b))
            self.checks.add(f"sympy: {label} densities and atoms equal", ok, where)

    def pieces(self, c: Construction) -> None:
        """The sympy branches of every net equal the library's exact pieces."""

        for label, net in c.nets.items():
            self.checks.add(f"sympy: branches of {label} = pieces_1d(exact=True)",
                            branches_match_pieces(self.branches(net),
                                                   pieces_1d(net, exact=True)))

    def injectivity(self, c: Construction, library: dict) -> None:
        for label, net in c.nets.items():
            got = injectivity_from_branches(self.branches(net))
            self.checks.add(f"sympy: injectivity of {label} = library", got == library[label],
                            verdict_text(got))



def run_symbolic(c: Construction, library_injectivity: dict, extra=None) -> tuple[bool, str]:
    """The common symbolic checks (pieces, laws of the pairs, injectivity) plus ``extra``."""
    checks = Checks()
    sym = Symbolic(checks)
    sym.pieces(c)
    sym.pairs(c.pairs)
    sym.injectivity(c, library_injectivity)
    if extra is not None:
        extra(sym, checks)
    return checks.ok, checks.summary()
