r"""Parameter grids and the exhaustive search for global minimizers of the NLL (paper 003, J.3.1).

A :class:`Family` describes the models searched: a Gaussian mixture prior with ``J`` components
(weights on a simplex grid that includes zeros, means and variances on uniform grids) and a
one-hidden-layer decoder :math:`f(z) = \sum_k \alpha_k\, s(\beta_k z + \pi_k)` with no output
bias (:math:`\alpha, \beta, \pi` on uniform grids), with noise :math:`\sigma` on a grid (one value
by default).  The J.3.1 family is the default.

:func:`grid_search` evaluates, at **every** grid point, either the population NLL
(cross-entropy) of a reference model,

.. math::

    H(p, q_\theta) = -\int p(x) \log q_\theta(x)\,dx = H(p) + \mathrm{KL}(p \,\|\, q_\theta),

or the sample NLL of a data set, and returns every point within ``tol`` of the minimum, the
minimum, and the gap to the best point not equivalent to the reference.

Why it is fast.  The integral uses fixed nodes: composite 21-point Gauss-Kronrod on cells no
wider than half the smallest noise standard deviation over the reference's window (the same
window as :mod:`exactid.divergence`), with the reference density folded into the weights.  The
log density of one mixture component pushed through one decoder does not depend on the weights
or the other components, so it is computed once per (decoder, component) and shared by every
grid point with that decoder; per grid point only the mixture sum and one ``log`` per node
remain (see :mod:`exactid._search_kernels`).  Grid points related by an exact symmetry
(permuting components or hidden units; the mean of a zero-weight component; the input weight
and bias of a unit with :math:`\alpha = 0`) have identical objectives, so only one canonical
representative per orbit is evaluated; orbit sizes are counted so that ``n_grid_points`` is the
size of the full grid.  Decoders are processed in chunks (bounded memory, Ctrl-C between
chunks) in parallel with numba ``prange``.

Accuracy.  Each objective comes with an error estimate: the difference between the Kronrod
result and the embedded 10-point Gauss result (a pessimistic estimate of the Kronrod rule's
error), plus a bound on the neglected tails.  A point is a global minimizer when its objective
is within ``tol`` of the minimum; the search reports ``certified = False`` if the error
estimates of the points near that boundary are too large to decide.  The best candidates are
also recomputed by the independent adaptive integrator of :func:`exactid.cross_entropy`, and the
largest difference is reported.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from . import limits
from .errors import Interrupted, LimitExceeded
from .models import GaussianMixture, LatentModel, ReluNet

__all__ = [
    "Family",
    "FamilyPoint",
    "Candidate",
    "SearchResult",
    "grid_search",
    "reference_search",
    "quadrature_rule",
]

#: Default objective tolerance defining the global minimizers.  It must exceed the quadrature
#: error (about 1e-15 here) and stay below the smallest KL divergence that separates genuinely
#: different grid models: KL values of 1e-11 occur between models that differ only by a tail
#: mass of 3e-5, so a tolerance of 1e-9 would call such models global minimizers.
DEFAULT_TOL = 1e-12
#: Number of best points kept per decoder (more are recovered by re-running a decoder).
KEEP_PER_DECODER = 16
#: Decoders per parallel chunk: small enough that Ctrl-C and the progress bar respond within
#: about a second, large enough to keep both cores busy.
DECODERS_PER_CHUNK = 64
#: Initial cells of the fixed rule are at most this many noise standard deviations wide.
MAX_CELL_SD = 2.0
#: Absolute tolerance of the probe integrals that shape the fixed rule's cells.
RULE_TOL = 1e-13
#: Refinement of the fixed rule stops beyond this many cells.
MAX_RULE_CELLS = 4096


def _as_grid(values, name: str, *, positive: bool = False, nonnegative: bool = False):
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a sequence of numbers, found {values!r}") from None
    if arr.size == 0:
        raise ValueError(f"{name}: expected at least one grid value, found none")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite grid values, found {arr.tolist()}")
    if positive and (arr <= 0).any():
        raise ValueError(f"{name}: expected positive grid values, found {arr.tolist()}")
    if nonnegative and (arr < 0).any():
        raise ValueError(f"{name}: expected non-negative grid values, found {arr.tolist()}")
    if np.unique(arr).size != arr.size:
        raise ValueError(f"{name}: expected distinct grid values, found {arr.tolist()}")
    return tuple(float(v) for v in np.sort(arr))


@dataclass(frozen=True)
class FamilyPoint:
    """One grid point of a :class:`Family`: the parameters of a 1-D model.

    Attributes
    ----------
    weights, means, variances : tuple of float, length J
    alpha, beta, pi : tuple of float, length H
        ``f(z) = sum_k alpha_k s(beta_k z + pi_k)``.
    noise_std : float
    negative_slope : float
    """

    weights: tuple
    means: tuple
    variances: tuple
    alpha: tuple
    beta: tuple
    pi: tuple
    noise_std: float
    negative_slope: float = 0.0

    def model(self) -> LatentModel:
        """The :class:`~exactid.LatentModel` of this point."""
        prior = GaussianMixture(np.array(self.weights), np.array(self.means),
                                np.array(self.variances))
        net = ReluNet([np.array(self.beta)[:, None], np.array(self.alpha)[None, :]],
                      [np.array(self.pi), np.zeros(1)], self.negative_slope)
        return LatentModel(prior, net, self.noise_std)

    def to_dict(self) -> dict:
        """JSON-ready parameters (paper notation: lambda, mu, alpha, beta, pi)."""
        return {"lambda": list(self.weights), "mu": list(self.means),
                "var": list(self.variances), "alpha": list(self.alpha), "beta": list(self.beta),
                "pi": list(self.pi), "sigma": self.noise_std,
                "negative_slope": self.negative_slope}

    @classmethod
    def from_dict(cls, data: dict) -> "FamilyPoint":
        """Inverse of :meth:`to_dict`."""
        return cls(tuple(data["lambda"]), tuple(data["mu"]), tuple(data["var"]),
                   tuple(data["alpha"]), tuple(data["beta"]), tuple(data["pi"]),
                   float(data["sigma"]), float(data.get("negative_slope", 0.0)))

    def __str__(self) -> str:
        def fmt(values):
            return "(" + ", ".join(f"{v:g}" for v in values) + ")"

        return (f"lambda={fmt(self.weights)} mu={fmt(self.means)} var={fmt(self.variances)} "
                f"alpha={fmt(self.alpha)} beta={fmt(self.beta)} pi={fmt(self.pi)} "
                f"sigma={self.noise_std:g}")


@dataclass(frozen=True)
class Family:
    r"""A grid of 1-D models: GMM prior and one-hidden-layer decoder (paper 003, J.3.1).

    Parameters
    ----------
    n_components : int
        J, the number of mixture components (weights may be 0, so fewer are allowed).
    n_hidden : int
        H, the number of hidden units.
    weight_steps : int
        The weights run over the simplex grid :math:`\{k / \text{weight\_steps}\}` (zeros
        included), ``C(weight_steps + J - 1, J - 1)`` vectors.
    means, variances : sequence of float
        Grids of the component means and variances (one variance = fixed variance).
    alphas, betas, biases : sequence of float
        Grids of the output weights :math:`\alpha_k`, input weights :math:`\beta_k` and biases
        :math:`\pi_k`.
    noise_stds : sequence of float
        Grid of the noise standard deviation (one value = fixed noise), all > 0.
    negative_slope : float
        0 for ReLU, > 0 for leaky ReLU.

    Notes
    -----
    The default grid (J = 3, weights in steps of 1/4, means in {-2, -1, 0, 1, 2}, variance
    0.25, alpha, beta, pi in {-1, -0.5, 0, 0.5, 1}, sigma = 0.25) has 29.3 million points.  The
    paper does not state its grids; these are ours.
    """

    n_components: int = 3
    n_hidden: int = 2
    weight_steps: int = 4
    means: tuple = (-2.0, -1.0, 0.0, 1.0, 2.0)
    variances: tuple = (0.25,)
    alphas: tuple = (-1.0, -0.5, 0.0, 0.5, 1.0)
    betas: tuple = (-1.0, -0.5, 0.0, 0.5, 1.0)
    biases: tuple = (-1.0, -0.5, 0.0, 0.5, 1.0)
    noise_stds: tuple = (0.25,)
    negative_slope: float = 0.0
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        for name in ("n_components", "n_hidden", "weight_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: expected an integer >= 1, found {value!r}")
        set_ = object.__setattr__
        set_(self, "means", _as_grid(self.means, "means"))
        set_(self, "variances", _as_grid(self.variances, "variances", positive=True))
        set_(self, "alphas", _as_grid(self.alphas, "alphas"))
        set_(self, "betas", _as_grid(self.betas, "betas"))
        set_(self, "biases", _as_grid(self.biases, "biases"))
        set_(self, "noise_stds", _as_grid(self.noise_stds, "noise_stds", positive=True))
        slope = self.negative_slope
        if isinstance(slope, bool) or not np.isfinite(float(slope)) or float(slope) < 0:
            raise ValueError(f"negative_slope: expected a finite number >= 0, found {slope!r}")
        set_(self, "negative_slope", float(slope))

    # -- grids -------------------------------------------------------------------------------
    def n_weight_vectors(self) -> int:
        """Number of weight vectors on the simplex grid, ``C(weight_steps + J - 1, J - 1)``."""
        return math.comb(self.weight_steps + self.n_components - 1, self.n_components - 1)

    def weight_grid(self) -> np.ndarray:
        """All weight vectors on the simplex grid, shape (S, J), lexicographic order."""
        self._check_count(self.n_weight_vectors(), limits.MAX_FAMILY_CONFIGURATIONS,
                          "weight vectors to enumerate", "MAX_FAMILY_CONFIGURATIONS")
        rows = list(_compositions(self.weight_steps, self.n_components))
        return np.array(rows, dtype=float) / self.weight_steps

    def atoms(self) -> np.ndarray:
        """Component "atoms" (mean, variance): the product grid, shape (A, 2)."""
        return np.array(list(itertools.product(self.means, self.variances)), dtype=float)

    def n_configurations(self, canonical: bool = True) -> int:
        """Number of rows of :meth:`configurations`, computed without enumerating them."""
        n_atoms = len(self.means) * len(self.variances)
        if not canonical:
            return self.n_weight_vectors() * n_atoms ** self.n_components
        total = 0
        for counts in _sorted_compositions(self.weight_steps, self.n_components):
            size = 1
            for count, run in _runs(counts):
                if count != 0:  # a run of r equal non-zero counts: sorted atom r-tuples
                    size *= math.comb(n_atoms + run - 1, run)
            total += size
        return total

    def n_decoders(self, canonical: bool = True) -> int:
        """Number of rows of :meth:`decoders`, computed without enumerating them."""
        n_units = len(self.alphas) * len(self.betas) * len(self.biases)
        if not canonical:
            return n_units ** self.n_hidden
        live = (len(self.alphas) - (0.0 in self.alphas)) * len(self.betas) * len(self.biases)
        n_canonical_units = live + (0.0 in self.alphas)
        return math.comb(n_canonical_units + self.n_hidden - 1, self.n_hidden)

    def check_size(self, canonical: bool = True) -> None:
        """Raise :class:`~exactid.errors.LimitExceeded` if enumerating the family would exceed
        :data:`exactid.limits.MAX_FAMILY_CONFIGURATIONS` mixture configurations or
        :data:`exactid.limits.MAX_FAMILY_DECODERS` decoders (checked by counting, before any
        enumeration)."""
        self._check_count(self.n_configurations(canonical), limits.MAX_FAMILY_CONFIGURATIONS,
                          "mixture configurations to enumerate", "MAX_FAMILY_CONFIGURATIONS")
        self._check_count(self.n_decoders(canonical), limits.MAX_FAMILY_DECODERS,
                          "decoders to enumerate", "MAX_FAMILY_DECODERS")
        # Orbit sizes and grid counts are 64-bit integers.
        self._check_count(self.n_grid_points, 2**62, "grid points", "n_grid_points",
                          "grid counts are 64-bit integers")

    def _check_count(self, count: int, limit: int, what: str, name: str,
                     reason: str = "") -> None:
        if count > limit:
            reason = reason or f"exactid.limits.{name}"
            raise LimitExceeded(
                f"family: n_components={self.n_components}, n_hidden={self.n_hidden}, "
                f"weight_steps={self.weight_steps} give {count:.3g} {what}, more than the "
                f"limit of {limit:.3g} ({reason}); use a smaller family", name)

    def configurations(self, canonical: bool = True):
        """Mixture configurations: J (weight, atom) pairs.

        Parameters
        ----------
        canonical : bool
            If True, one representative per orbit of the component symmetries: permutations of
            the components, and the atom of a zero-weight component (set to atom 0).

        Returns
        -------
        cfg_atoms : ndarray of int64, shape (C, J)
        cfg_w : ndarray, shape (C, J)
        orbit : ndarray of int64, shape (C,)
            Number of grid points (weight vector, atom per component) each row stands for.

        Raises
        ------
        LimitExceeded
            If C would exceed :data:`exactid.limits.MAX_FAMILY_CONFIGURATIONS`.
        """
        key = ("configurations", canonical)
        if key in self._cache:
            return self._cache[key]
        self.check_size(canonical)
        n_atoms = len(self.means) * len(self.variances)
        n_comp = self.n_components
        steps = self.weight_steps
        atoms_rows, w_rows, orbit = [], [], []
        if canonical:
            # Sorted (count, atom) pairs, zero counts with atom 0, in lexicographic order
            # (counts first): non-decreasing counts, and within a run of equal non-zero counts
            # non-decreasing atoms.  Enumerated directly, so the cost is the output's size.
            for counts in _sorted_compositions(steps, n_comp):
                runs = _runs(counts)
                choices = [[(0,) * run] if count == 0 else
                           list(itertools.combinations_with_replacement(range(n_atoms), run))
                           for count, run in runs]
                n_zero = sum(run for count, run in runs if count == 0)
                for parts in itertools.product(*choices):
                    atoms = tuple(a for part in parts for a in part)
                    pairs = tuple(zip(counts, atoms))
                    size = math.factorial(n_comp)
                    for mult in _multiplicities(pairs):
                        size //= math.factorial(mult)
                    orbit.append(size * n_atoms ** n_zero)
                    atoms_rows.append(atoms)
                    w_rows.append([c / steps for c in counts])
        else:
            for counts in _compositions(steps, n_comp):
                for atoms in itertools.product(range(n_atoms), repeat=n_comp):
                    orbit.append(1)
                    atoms_rows.append(atoms)
                    w_rows.append([c / steps for c in counts])
        out = (np.array(atoms_rows, dtype=np.int64).reshape(-1, n_comp),
               np.array(w_rows, dtype=float).reshape(-1, n_comp),
               np.array(orbit, dtype=np.int64))
        self._cache[key] = out
        return out

    def decoders(self, canonical: bool = True):
        """Decoder parameters ``(alpha, beta, pi)``.

        Parameters
        ----------
        canonical : bool
            If True, one representative per orbit of the decoder symmetries that keep every
            parameter on the grid: permutations of the hidden units, and the input weight and
            bias of a unit with alpha = 0 (set to the first grid values).

        Returns
        -------
        decoders : ndarray, shape (D, 3, H)
        orbit : ndarray of int64, shape (D,)

        Raises
        ------
        LimitExceeded
            If D would exceed :data:`exactid.limits.MAX_FAMILY_DECODERS`.
        """
        key = ("decoders", canonical)
        if key in self._cache:
            return self._cache[key]
        self.check_size(canonical)
        units = list(itertools.product(self.alphas, self.betas, self.biases))
        free = len(self.betas) * len(self.biases)
        rows, orbit = [], []
        if canonical:
            # Sorted unit tuples in which a dead unit (alpha = 0) is (0, betas[0], biases[0]):
            # combinations with replacement of the canonical units, in lexicographic order.
            canonical_units = [u for u in units
                               if u[0] != 0.0 or (u[1], u[2]) == (self.betas[0], self.biases[0])]
            for combo in itertools.combinations_with_replacement(canonical_units, self.n_hidden):
                size = math.factorial(self.n_hidden)
                for mult in _multiplicities(combo):
                    size //= math.factorial(mult)
                n_dead = sum(1 for a, _, _ in combo if a == 0.0)
                orbit.append(size * free ** n_dead)
                rows.append(np.array(combo).T)
        else:
            for combo in itertools.product(units, repeat=self.n_hidden):
                orbit.append(1)
                rows.append(np.array(combo).T)
        out = np.array(rows, dtype=float).reshape(-1, 3, self.n_hidden), np.array(
            orbit, dtype=np.int64)
        self._cache[key] = out
        return out

    @property
    def n_grid_points(self) -> int:
        """Size of the full grid (every parameter combination, before symmetry reduction)."""
        n_weights = math.comb(self.weight_steps + self.n_components - 1, self.n_components - 1)
        n_atoms = len(self.means) * len(self.variances)
        n_units = len(self.alphas) * len(self.betas) * len(self.biases)
        return (n_weights * n_atoms ** self.n_components * n_units ** self.n_hidden
                * len(self.noise_stds))

    def point(self, sigma_index: int, decoder: np.ndarray, cfg_atoms, cfg_w) -> FamilyPoint:
        """The :class:`FamilyPoint` of a decoder row and a configuration row."""
        atoms = self.atoms()
        return FamilyPoint(
            tuple(float(w) for w in cfg_w),
            tuple(float(atoms[a, 0]) for a in cfg_atoms),
            tuple(float(atoms[a, 1]) for a in cfg_atoms),
            tuple(float(v) for v in decoder[0]),
            tuple(float(v) for v in decoder[1]),
            tuple(float(v) for v in decoder[2]),
            self.noise_stds[sigma_index],
            self.negative_slope,
        )

    def canonical(self, point: FamilyPoint) -> FamilyPoint:
        """The representative evaluated by the search for a grid point of this family.

        Raises
        ------
        ValueError
            If ``point`` is not on the grid.
        """
        n_var = len(self.variances)
        if point.noise_std not in self.noise_stds:
            raise ValueError(f"point: noise_std {point.noise_std} is not on the family's grid "
                             f"{list(self.noise_stds)}")
        if point.negative_slope != self.negative_slope:
            raise ValueError(f"point: negative_slope {point.negative_slope} differs from the "
                             f"family's {self.negative_slope}")
        pairs = []
        for j, (w, mu, var) in enumerate(zip(point.weights, point.means, point.variances)):
            count = round(w * self.weight_steps)
            if (abs(count - w * self.weight_steps) > 1e-9 or mu not in self.means
                    or var not in self.variances):
                raise ValueError(f"point: component {j} (weight {w}, mean {mu}, variance {var}) "
                                 "is not on the family's grid")
            atom = self.means.index(mu) * n_var + self.variances.index(var)
            pairs.append((count, 0 if count == 0 else atom))
        units = []
        for k, (a, b, c) in enumerate(zip(point.alpha, point.beta, point.pi)):
            if a not in self.alphas or b not in self.betas or c not in self.biases:
                raise ValueError(f"point: hidden unit {k} (alpha {a}, beta {b}, pi {c}) is not "
                                 "on the family's grid")
            units.append((a, self.betas[0], self.biases[0]) if a == 0.0 else (a, b, c))
        if sum(c for c, _ in pairs) != self.weight_steps:
            raise ValueError(f"point: weights {list(point.weights)} are not on the family's grid "
                             "(they do not sum to 1)")
        if len(pairs) != self.n_components or len(units) != self.n_hidden:
            raise ValueError(f"point: expected {self.n_components} components and "
                             f"{self.n_hidden} hidden units, found {len(pairs)} and {len(units)}")
        pairs.sort()
        units.sort()
        atoms = self.atoms()
        return FamilyPoint(
            tuple(c / self.weight_steps for c, _ in pairs),
            tuple(float(atoms[a, 0]) for _, a in pairs),
            tuple(float(atoms[a, 1]) for _, a in pairs),
            tuple(u[0] for u in units), tuple(u[1] for u in units), tuple(u[2] for u in units),
            point.noise_std, self.negative_slope)

    def random_point(self, seed=None) -> FamilyPoint:
        """A grid point drawn uniformly from the full grid (J.3.1, steps 1-4).

        Parameters
        ----------
        seed : int, numpy.random.Generator or None
        """
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        # The k-th weight vector of weight_grid() (lexicographic order), without enumerating.
        k = int(rng.integers(self.n_weight_vectors()))
        w = np.array(_unrank_composition(k, self.weight_steps, self.n_components),
                     dtype=float) / self.weight_steps
        mu = rng.choice(self.means, self.n_components)
        var = rng.choice(self.variances, self.n_components)
        alpha = rng.choice(self.alphas, self.n_hidden)
        beta = rng.choice(self.betas, self.n_hidden)
        pi = rng.choice(self.biases, self.n_hidden)
        sigma = rng.choice(self.noise_stds)
        return FamilyPoint(*(tuple(float(v) for v in arr) for arr in (w, mu, var, alpha, beta,
                                                                        pi)),
                           float(sigma), self.negative_slope)

    def to_dict(self) -> dict:
        """JSON-ready description of the grid."""
        return {"n_components": self.n_components, "n_hidden": self.n_hidden,
                "weight_steps": self.weight_steps, "means": list(self.means),
                "variances": list(self.variances), "alphas": list(self.alphas),
                "betas": list(self.betas), "biases": list(self.biases),
                "noise_stds": list(self.noise_stds), "negative_slope": self.negative_slope}


def _compositions(total: int, parts: int):
    """Tuples of ``parts`` non-negative integers summing to ``total``, lexicographic order."""
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def _sorted_compositions(total: int, parts: int, low: int = 0):
    """Non-decreasing tuples of ``parts`` integers >= ``low`` summing to ``total``,
    lexicographic order."""
    if parts == 1:
        if total >= low:
            yield (total,)
        return
    for first in range(low, total // parts + 1):
        for rest in _sorted_compositions(total - first, parts - 1, first):
            yield (first, *rest)


def _runs(values) -> list[tuple]:
    """``[(value, run length), ...]`` of consecutive equal values."""
    out: list = []
    for v in values:
        if out and out[-1][0] == v:
            out[-1] = (v, out[-1][1] + 1)
        else:
            out.append((v, 1))
    return out


def _unrank_composition(k: int, total: int, parts: int) -> tuple:
    """The ``k``-th tuple of :func:`_compositions` (0-based), without enumerating."""
    out = []
    for i in range(parts - 1):
        left = parts - i - 1  # parts after this one
        for c in range(total + 1):
            count = math.comb(total - c + left - 1, left - 1)
            if k < count:
                out.append(c)
                total -= c
                break
            k -= count
    out.append(total)
    return tuple(out)


def _multiplicities(items) -> list[int]:
    counts: dict = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return list(counts.values())


# -- the fixed quadrature rule ----------------------------------------------------------------
def quadrature_rule(reference: LatentModel, min_noise_std: float | None = None):
    """Nodes and weights of the fixed rule for :math:`-\\int p \\log q`, p the reference.

    Parameters
    ----------
    reference : LatentModel
        The model p (m = n = 1, ``noise_std > 0``).
    min_noise_std : float, optional
        Smallest noise of the candidates q (cells are at most half of the smaller of this and
        p's noise wide); default p's noise.

    Returns
    -------
    x : ndarray, shape (N + 2,)
        Nodes; the last two are the window ends (weight 0, used for the tail bound).
    w_main, w_check : ndarray, shape (N + 2,)
        Kronrod and embedded Gauss weights multiplied by p(x).
    tail_coef : float
        The tail bound is ``tail_coef * (1 + max |log q| at the window ends)`` (as in
        :func:`exactid.divergence.cross_entropy`).
    """
    from scipy.special import ndtr

    from ._gauss_kronrod import gauss_kronrod
    from .density import log_pdf
    from .divergence import WINDOW_SD, _window_and_points

    sigma = reference.noise_std if min_noise_std is None else min(min_noise_std,
                                                                   reference.noise_std)
    x_min, x_max, points = _window_and_points(reference, reference)
    points = np.unique(np.concatenate([[x_min, x_max], points]))
    nodes, wk, wg = gauss_kronrod(10)
    centre = 0.5 * (x_min + x_max)

    def probes(x):
        """p times functions varying on the scale sigma (stand-ins for log q)."""
        log_p = log_pdf(reference, x)
        p = np.exp(log_p)
        u = (x - centre) / sigma
        p_log_p = np.where(p > 0, p * np.where(p > 0, log_p, 0.0), 0.0)
        return p, np.stack([p, p_log_p, p * np.sin(u), p * np.cos(u)])

    # Start from cells at most MAX_CELL_SD noise sds wide; halve every cell on which a probe's
    # Kronrod and Gauss results differ by more than its share of RULE_TOL.
    counts = np.maximum(1, np.ceil(np.diff(points) / (MAX_CELL_SD * sigma))).astype(np.int64)
    if counts.sum() > MAX_RULE_CELLS:
        raise LimitExceeded(
            f"family: the smallest noise sd {sigma:g} needs {counts.sum()} initial quadrature "
            f"cells over the reference's window [{x_min:.6g}, {x_max:.6g}], more than "
            f"{MAX_RULE_CELLS}; use larger noise_stds", "MAX_RULE_CELLS")
    edges = [points[0]]
    for a, b, n in zip(points[:-1], points[1:], counts):
        edges.extend(np.linspace(a, b, n + 1)[1:])
    lo, hi = np.asarray(edges[:-1]), np.asarray(edges[1:])
    done_lo, done_hi = [], []
    total = x_max - x_min
    for _ in range(60):
        half = 0.5 * (hi - lo)[:, None]
        x = (0.5 * (hi + lo))[:, None] + half * nodes
        _, vals = probes(x.ravel())
        vals = vals.reshape(vals.shape[0], *x.shape)
        diff = np.abs(((vals * (wk - wg)) * half).sum(axis=2))
        # Differences below the rounding of the values themselves cannot be resolved.
        floor = 64 * np.finfo(float).eps * (np.abs(vals) * wk * half).sum(axis=2)
        ok = ((diff <= RULE_TOL * (hi - lo) / total + floor).all(axis=0)
              | (hi - lo <= 1e-9 * total))
        if lo.size > MAX_RULE_CELLS:
            ok[:] = True  # bounded work; the per-candidate error estimates still apply
        done_lo.append(lo[ok])
        done_hi.append(hi[ok])
        if ok.all():
            break
        mid = 0.5 * (lo + hi)
        lo, hi = np.concatenate([lo[~ok], mid[~ok]]), np.concatenate([mid[~ok], hi[~ok]])
    lo, hi = np.concatenate(done_lo + [lo[:0]]), np.concatenate(done_hi + [hi[:0]])
    order = np.argsort(lo)
    lo, hi = lo[order], hi[order]
    half = 0.5 * (hi - lo)[:, None]
    x = ((0.5 * (hi + lo))[:, None] + half * nodes).ravel()
    p = np.exp(log_pdf(reference, x))
    w_main = (half * wk).ravel() * p
    w_check = (half * wg).ravel() * p
    # Beyond the window p has mass below 4 Phi(-WINDOW_SD); |log q| there is charged ten times
    # its value at the window ends, as in exactid.divergence.
    tail_coef = float(4.0 * ndtr(-WINDOW_SD) * 10.0)
    x = np.concatenate([x, [x_min, x_max]])
    w_main = np.concatenate([w_main, [0.0, 0.0]])
    w_check = np.concatenate([w_check, [0.0, 0.0]])
    return x, w_main, w_check, tail_coef


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A grid point with its objective.

    Attributes
    ----------
    point : FamilyPoint
    objective : float
    error : float
        Error estimate of the objective (0 for the sample NLL).
    orbit_size : int
        Grid points with the same objective by symmetry (this one included).
    """

    point: FamilyPoint
    objective: float
    error: float
    orbit_size: int


@dataclass
class SearchResult:
    """Outcome of :func:`grid_search`.

    Attributes
    ----------
    minimum : float
        Smallest objective on the grid.
    minimizers : list of Candidate
        Every evaluated (canonical) point within ``tol`` of the minimum, ascending.
    tol : float
    n_grid_points, n_evaluated : int
        Size of the full grid and number of canonical points evaluated.
    n_nodes : int
        Quadrature nodes (or data points) per evaluation.
    elapsed : float
        Seconds spent in the search (including compilation on first use).
    throughput : float
        Evaluated points x nodes per second.
    certified : bool
        False if some point's error estimate straddles the ``minimum + tol`` boundary.
    max_error : float
        Largest error estimate among the minimizers.
    crosscheck : float or None
        Largest difference between the fast objective and the adaptive
        :func:`exactid.cross_entropy` over the best points (population objective only).
    reference : FamilyPoint or None
    equivalence : list of tuple (bool, bool) or None
        For each minimizer: (prior equivalent, fully equivalent) to the reference.
    best_nonequivalent : Candidate or None
        The best point not (fully) equivalent to the reference.
    gap_to_nonequivalent : float or None
        Its objective minus the minimum.
    gap_is_lower_bound : bool
        True if the gap is only a lower bound (the best non-equivalent point was not located).
    interrupted : bool
    """

    minimum: float
    minimizers: list
    tol: float
    n_grid_points: int
    n_evaluated: int
    n_nodes: int
    elapsed: float
    throughput: float
    certified: bool
    max_error: float
    crosscheck: float | None = None
    reference: FamilyPoint | None = None
    equivalence: list | None = None
    best_nonequivalent: Candidate | None = None
    gap_to_nonequivalent: float | None = None
    gap_is_lower_bound: bool = False
    interrupted: bool = False

    @property
    def all_minimizer_priors_equivalent(self) -> bool | None:
        if self.equivalence is None:
            return None
        return all(prior for prior, _ in self.equivalence)

    @property
    def all_minimizers_equivalent(self) -> bool | None:
        if self.equivalence is None:
            return None
        return all(full for _, full in self.equivalence)

    @property
    def counterexample(self) -> Candidate | None:
        """The first global minimizer not fully equivalent to the reference, if any."""
        if self.equivalence is None:
            return None
        for cand, (_, full) in zip(self.minimizers, self.equivalence):
            if not full:
                return cand
        return None

    def summary(self) -> str:
        """A few human-readable lines."""
        lines = [
            f"grid points: {self.n_grid_points:,} ({self.n_evaluated:,} evaluated after "
            f"symmetry reduction), {self.n_nodes} nodes each, {self.elapsed:.1f} s, "
            f"{self.throughput:.3g} point-nodes/s",
            f"minimum objective {self.minimum:.12g}; {len(self.minimizers)} global "
            f"minimizer(s) within {self.tol:g} (max error estimate {self.max_error:.1e}"
            + (f", adaptive cross-check {self.crosscheck:.1e}" if self.crosscheck is not None
               else "") + ")",
        ]
        if not self.certified:
            lines.append("WARNING: error estimates straddle the tolerance boundary; the "
                         "minimizer set is not certified")
        if self.equivalence is not None:
            lines.append(
                "all global minimizers equivalent to the reference: "
                f"{self.all_minimizers_equivalent} (priors: "
                f"{self.all_minimizer_priors_equivalent})")
            cex = self.counterexample
            if cex is not None:
                lines.append(f"  non-equivalent global minimizer: {cex.point}  "
                             f"(objective {cex.objective:.12g})")
            if self.gap_to_nonequivalent is not None:
                rel = ">=" if self.gap_is_lower_bound else "="
                lines.append(f"gap to the best non-equivalent point {rel} "
                             f"{self.gap_to_nonequivalent:.3e}"
                             + (f": {self.best_nonequivalent.point}"
                                if self.best_nonequivalent is not None else ""))
        if self.interrupted:
            lines.append("INTERRUPTED: the search did not cover the whole grid")
        return "\n".join(lines)


# -- the search -------------------------------------------------------------------------------
class _Progress:
    """A minimal progress line on stderr (rewritten in place on a terminal)."""

    def __init__(self, total: int, label: str, enabled: bool):
        self.total, self.label, self.enabled = total, label, enabled
        self.start = time.perf_counter()
        self.last = -1.0
        self.tty = enabled and sys.stderr.isatty()

    def update(self, done: int, rate: float) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if done < self.total and now - self.last < (0.2 if self.tty else 5.0):
            return
        self.last = now
        frac = done / self.total if self.total else 1.0
        elapsed = now - self.start
        eta = elapsed / frac - elapsed if frac > 0 else float("nan")
        line = (f"{self.label}: {100 * frac:5.1f}% ({done}/{self.total} decoders) "
                f"{rate:.3g} point-nodes/s, eta {eta:.0f} s")
        if self.tty:
            sys.stderr.write("\r" + line + ("\n" if done >= self.total else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _check_inputs(family, reference, data):
    if not isinstance(family, Family):
        raise ValueError(f"family: expected a Family, found {type(family).__name__}")
    if reference is None and data is None:
        raise ValueError("reference: expected a FamilyPoint or LatentModel (population NLL) "
                         "or data (sample NLL), found neither")
    if reference is not None and not isinstance(reference, (FamilyPoint, LatentModel)):
        raise ValueError("reference: expected a FamilyPoint or LatentModel, found "
                         f"{type(reference).__name__}")


def _reference_model(reference):
    if reference is None:
        return None
    return reference.model() if isinstance(reference, FamilyPoint) else reference


def _nodes(family, ref_model, data):
    """Nodes and weights of the objective (population rule or sample mean)."""
    if data is None:
        if ref_model.noise_std <= 0:
            raise ValueError("reference: the population NLL needs noise_std > 0, found "
                             f"{ref_model.noise_std}")
        return quadrature_rule(ref_model, min(family.noise_stds)) + (2,)
    from ._validation import as_float_array

    x = as_float_array(data, "data", (1, 2))
    if x.ndim == 2:
        if x.shape[1] != 1:
            raise ValueError(f"data: expected shape (N,) or (N, 1), found {x.shape}")
        x = x[:, 0]
    if x.size == 0:
        raise ValueError("data: expected at least one observation, found none")
    w = np.full(x.size, 1.0 / x.size)
    return np.ascontiguousarray(x), w, w.copy(), 0.0, 0


def grid_search(family: Family | None = None, reference=None, *, data=None,
                tol: float = DEFAULT_TOL,
                canonical: bool = True, progress: bool = False, crosscheck: int = 16,
                keep: int = KEEP_PER_DECODER, equivalence_atol: float = 1e-9,
                max_minimizers: int = limits.MAX_MINIMIZERS) -> SearchResult:
    """Exhaustive search of the NLL over every point of ``family``.

    Parameters
    ----------
    family : Family, optional
        The grid (default: the J.3.1 family, ``Family()``).
    reference : FamilyPoint or LatentModel, optional
        The ground truth: the objective is its cross-entropy ``H(p, q)`` (unless ``data`` is
        given), and minimizers are classified as equivalent to it or not.
    data : array_like, shape (N,), optional
        Observations: the objective is the sample NLL ``-mean log q(x_i)`` instead.
    tol : float
        A point is a global minimizer if its objective is within ``tol`` of the minimum.  It
        must exceed the quadrature error (the error estimates are reported); see
        :data:`DEFAULT_TOL`.
    canonical : bool
        Evaluate one representative per symmetry orbit (default) or every grid point.
    progress : bool
        Print a progress line to stderr.
    crosscheck : int
        Recompute this many best points with the adaptive :func:`exactid.cross_entropy`.
    keep : int
        Best points kept per decoder before re-running it in full.
    equivalence_atol : float
        Tolerance of :func:`exactid.equivalence.models_equivalent`.
    max_minimizers : int
        Refuse (:class:`~exactid.errors.LimitExceeded`) to list more grid points within
        ``tol`` of the minimum than this (default :data:`exactid.limits.MAX_MINIMIZERS`): a
        tolerance that admits more is almost always a mistake, and classifying them all would
        take hours.

    Returns
    -------
    SearchResult

    Raises
    ------
    exactid.errors.Interrupted
        On Ctrl-C, between chunks of decoders (about a second).  It is a
        :class:`KeyboardInterrupt`, so the caller stops as for any Ctrl-C; its ``partial``
        attribute holds the incomplete result (``interrupted = True``, only the decoders done
        so far, no classification), which must not be read as a search result.
    LimitExceeded
        If the family is too large to enumerate (:meth:`Family.check_size`), or more than
        ``max_minimizers`` points lie within ``tol`` of the minimum.
    """
    from . import _search_kernels as kern

    family = Family() if family is None else family
    _check_inputs(family, reference, data)
    if isinstance(tol, bool) or not (isinstance(tol, (int, float)) and np.isfinite(tol)
                                     and tol >= 0):
        raise ValueError(f"tol: expected a finite number >= 0, found {tol!r}")
    for name, value, low in (("max_minimizers", max_minimizers, 1), ("keep", keep, 1),
                             ("crosscheck", crosscheck, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name}: expected an integer >= {low}, found {value!r}")
    if not isinstance(progress, bool):
        raise ValueError(f"progress: expected True or False, found {progress!r}")
    family.check_size(canonical)
    ref_model = _reference_model(reference)
    if ref_model is not None and (ref_model.latent_dim != 1 or ref_model.observed_dim != 1):
        raise NotImplementedError("grid_search: only m = n = 1 models are supported")
    x, w_main, w_check, tail_coef, n_edge = _nodes(family, ref_model, data)

    atoms = family.atoms()
    atom_mu = np.ascontiguousarray(atoms[:, 0])
    atom_var = np.ascontiguousarray(atoms[:, 1])
    cfg_atoms, cfg_w, cfg_orbit = family.configurations(canonical)
    with np.errstate(divide="ignore"):
        cfg_logw = np.log(cfg_w)
    decoders, dec_orbit = family.decoders(canonical)
    n_cfg, n_dec = len(cfg_atoms), len(decoders)
    n_sigma = len(family.noise_stds)
    keep = max(1, min(keep, n_cfg))

    best_obj = np.full((n_sigma, n_dec, keep), np.inf)
    best_err = np.zeros((n_sigma, n_dec, keep))
    best_idx = np.full((n_sigma, n_dec, keep), -1, dtype=np.int64)
    rest = np.full((n_sigma, n_dec), np.inf)
    total_points = int(n_cfg * n_dec * n_sigma)
    bar = _Progress(n_dec * n_sigma, "grid search", progress)
    start = time.perf_counter()
    interrupted = False
    done = 0
    n_real_nodes = x.size - n_edge
    try:
        for s, sigma in enumerate(family.noise_stds):
            for lo in range(0, n_dec, DECODERS_PER_CHUNK):
                hi = min(lo + DECODERS_PER_CHUNK, n_dec)
                kern.search_decoders(decoders[lo:hi], family.negative_slope, atom_mu, atom_var,
                                     sigma, x, w_main, w_check, n_edge, tail_coef, cfg_atoms,
                                     cfg_w, cfg_logw, lo, best_obj[s, lo:hi], best_err[s, lo:hi],
                                     best_idx[s, lo:hi], rest[s, lo:hi])
                done += hi - lo
                elapsed = time.perf_counter() - start
                bar.update(done, done * n_cfg * n_real_nodes / max(elapsed, 1e-9))
    except KeyboardInterrupt:
        interrupted = True
    elapsed = time.perf_counter() - start
    n_evaluated = done * n_cfg
    if interrupted:
        # Never a result: the partial search travels only inside the exception.
        finite = best_obj[np.isfinite(best_obj)]
        partial = SearchResult(
            minimum=float(finite.min()) if finite.size else float("inf"), minimizers=[],
            tol=float(tol), n_grid_points=family.n_grid_points if canonical else total_points,
            n_evaluated=n_evaluated, n_nodes=n_real_nodes, elapsed=elapsed,
            throughput=n_evaluated * n_real_nodes / max(elapsed, 1e-9), certified=False,
            max_error=0.0, interrupted=True)
        raise Interrupted(f"grid search stopped after {done} of {n_dec * n_sigma} decoders "
                          f"({n_evaluated:,} of {total_points:,} evaluated points); no result",
                          partial=partial)

    minimum = float(best_obj.min())
    # Decoders whose unkept points might still be minimizers: re-run them in full.
    boundary = minimum + tol
    rerun = list(zip(*np.nonzero(rest < boundary + _max_finite(best_err))))
    if len(rerun) * n_cfg > 10 * max_minimizers:
        raise LimitExceeded(
            f"tol: {len(rerun)} decoders have all their {keep} best configurations within "
            f"tol = {tol:g} of the minimum, i.e. more than max_minimizers = {max_minimizers} "
            "global minimizers; use a smaller tol", "MAX_MINIMIZERS")
    for s, d in rerun:
        full = _rerun_decoder(kern, family, decoders, d, family.noise_stds[s], atom_mu, atom_var,
                              x, w_main, w_check, n_edge, tail_coef, cfg_atoms, cfg_w, cfg_logw)
        best_obj_d, best_err_d, best_idx_d = full
        best_obj = _grow(best_obj, best_obj_d.size, np.inf)
        best_err = _grow(best_err, best_obj_d.size, 0.0)
        best_idx = _grow(best_idx, best_obj_d.size, -1)
        best_obj[s, d], best_err[s, d], best_idx[s, d] = best_obj_d, best_err_d, best_idx_d
        rest[s, d] = np.inf

    order = np.argsort(best_obj, axis=None, kind="stable")
    flat_obj = best_obj.ravel()[order]
    flat_err = best_err.ravel()[order]
    flat_idx = best_idx.ravel()[order]
    flat_sigma = np.repeat(np.arange(n_sigma), best_obj.shape[1] * best_obj.shape[2])[order]

    def candidate(k):
        s, idx = int(flat_sigma[k]), int(flat_idx[k])
        d, c = divmod(idx, n_cfg)
        point = family.point(s, decoders[d], cfg_atoms[c], cfg_w[c])
        return Candidate(point, float(flat_obj[k]), float(flat_err[k]),
                         int(dec_orbit[d] * cfg_orbit[c]))

    inside = np.nonzero((flat_obj <= boundary) & (flat_idx >= 0))[0]
    if inside.size > max_minimizers:
        raise LimitExceeded(
            f"tol: {inside.size} grid points lie within tol = {tol:g} of the minimum, more than "
            f"max_minimizers = {max_minimizers}; use a smaller tol", "MAX_MINIMIZERS")
    minimizers = [candidate(k) for k in inside]
    max_err_min = float(flat_err[inside].max()) if inside.size else 0.0
    # Certified when no point's error interval straddles the boundary.
    straddle = (np.abs(flat_obj - boundary) <= flat_err + max_err_min) & (flat_idx >= 0)
    certified = not straddle.any() and not interrupted

    result = SearchResult(
        minimum=minimum, minimizers=minimizers, tol=float(tol), n_grid_points=family.n_grid_points
        if canonical else total_points, n_evaluated=n_evaluated, n_nodes=n_real_nodes,
        elapsed=elapsed, throughput=n_evaluated * n_real_nodes / max(elapsed, 1e-9),
        certified=certified, max_error=max_err_min, interrupted=interrupted,
        reference=reference if isinstance(reference, FamilyPoint) else None)

    if data is None and crosscheck > 0 and ref_model is not None:
        from .divergence import cross_entropy

        diffs = []
        for k in range(min(crosscheck, flat_obj.size)):
            if flat_idx[k] < 0 or not np.isfinite(flat_obj[k]):
                break
            ref_val = cross_entropy(ref_model, candidate(k).point.model(), tol=1e-12)
            diffs.append(abs(ref_val.value - flat_obj[k]))
        result.crosscheck = float(max(diffs)) if diffs else None

    if ref_model is not None:
        _classify(result, ref_model, flat_obj, flat_idx, best_obj, best_err, rest, candidate,
                  minimum, equivalence_atol)
    return result


def _max_finite(arr) -> float:
    finite = arr[np.isfinite(arr)]
    return float(finite.max()) if finite.size else 0.0


def _grow(arr, size, fill):
    if arr.shape[-1] >= size:
        return arr
    out = np.full(arr.shape[:-1] + (size,), fill, dtype=arr.dtype)
    out[..., : arr.shape[-1]] = arr
    return out


def _rerun_decoder(kern, family, decoders, d, sigma, atom_mu, atom_var, x, w_main, w_check,
                   n_edge, tail_coef, cfg_atoms, cfg_w, cfg_logw):
    n_cfg = len(cfg_atoms)
    obj = np.full((1, n_cfg), np.inf)
    err = np.zeros((1, n_cfg))
    idx = np.full((1, n_cfg), -1, dtype=np.int64)
    rest = np.full(1, np.inf)
    kern.search_decoders(decoders[d:d + 1], family.negative_slope, atom_mu, atom_var, sigma, x,
                         w_main, w_check, n_edge, tail_coef, cfg_atoms, cfg_w, cfg_logw, d, obj,
                         err, idx, rest)
    return obj[0], err[0], idx[0]


def _classify(result, ref_model, flat_obj, flat_idx, best_obj, best_err, rest, candidate,
              minimum, atol):
    """Equivalence of the minimizers to the reference and the gap to non-equivalent points."""
    from .equivalence import models_equivalent

    equiv = []
    for cand in result.minimizers:
        e = models_equivalent(ref_model, cand.point.model(), atol=atol)
        equiv.append((bool(e.priors), bool(e.full)))
    result.equivalence = equiv
    # Walk the kept points in ascending order until the first non-equivalent one.  Points not
    # kept have objective >= their decoder's last kept value, so a decoder whose kept points
    # are all equivalent bounds the unseen ones by that value.
    for k in range(flat_obj.size):
        if flat_idx[k] < 0 or not np.isfinite(flat_obj[k]):
            break
        cand = candidate(k)
        if k < len(result.minimizers):
            full = equiv[k][1]
        else:
            full = bool(models_equivalent(ref_model, cand.point.model(), atol=atol).full)
        if not full:
            result.best_nonequivalent = cand
            result.gap_to_nonequivalent = float(cand.objective - minimum)
            break
    # A decoder whose every kept point is at most as good as the best non-equivalent one might
    # hide a better non-equivalent point beyond its kept list.
    hidden = float(np.min(rest)) if rest.size else np.inf
    threshold = (result.best_nonequivalent.objective if result.best_nonequivalent is not None
                 else np.inf)
    if hidden < threshold:
        # Including the case where every kept point is equivalent but some were not kept.
        result.gap_is_lower_bound = True
        result.gap_to_nonequivalent = float(max(hidden - minimum, 0.0))


def reference_search(family: Family, reference, *, tol: float = DEFAULT_TOL,
                     adaptive: bool = True):
    """Slow, obviously correct search: every grid point built as a model and evaluated alone.

    Parameters
    ----------
    family : Family
    reference : FamilyPoint or LatentModel
    tol : float
    adaptive : bool
        True: each objective by the adaptive :func:`exactid.cross_entropy` (independent
        quadrature); False: by :func:`exactid.log_pdf` at the fixed nodes of the fast search
        (the plain per-point path).

    Returns
    -------
    points : list of FamilyPoint
        Every grid point, in the order of ``Family.configurations(False)`` within
        ``Family.decoders(False)`` within the noise grid.
    objectives : ndarray, shape (len(points),)
    minimizer_indices : ndarray of int
        Indices of the points within ``tol`` of the minimum.
    """
    from .density import log_pdf
    from .divergence import cross_entropy

    ref_model = _reference_model(reference)
    cfg_atoms, cfg_w, _ = family.configurations(False)
    decoders, _ = family.decoders(False)
    if not adaptive:
        x, w_main, _, _, n_edge = _nodes(family, ref_model, None)
        x, w_main = x[: x.size - n_edge], w_main[: x.size - n_edge]
    points, values = [], []
    for s in range(len(family.noise_stds)):
        for dec in decoders:
            for atoms, w in zip(cfg_atoms, cfg_w):
                point = family.point(s, dec, atoms, w)
                model = point.model()
                if adaptive:
                    value = cross_entropy(ref_model, model, tol=1e-12).value
                else:
                    value = -float(np.dot(w_main, log_pdf(model, x)))
                points.append(point)
                values.append(value)
    values = np.array(values)
    return points, values, np.nonzero(values <= values.min() + tol)[0]
