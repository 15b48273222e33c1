r"""The grids of models searched: :class:`Family` (paper 003, J.3.1) and its points.

A :class:`Family` describes the models searched: a Gaussian mixture prior with ``J`` components
(weights on a simplex grid that includes zeros, means and variances on uniform grids) and a
one-hidden-layer decoder :math:`f(z) = \sum_k \alpha_k\, s(\beta_k z + \pi_k)` with no output
bias (:math:`\alpha, \beta, \pi` on uniform grids), with noise :math:`\sigma` on a grid (one
value by default).  The J.3.1 family is the default.

Grid points related by an exact symmetry (permuting components or hidden units; the mean of a
zero-weight component; the input weight and bias of a unit with :math:`\alpha = 0`) have
identical objectives, so the search evaluates one canonical representative per orbit
(:meth:`Family.configurations`, :meth:`Family.decoders`), enumerated directly in lexicographic
order at a cost proportional to the output, and counted (:meth:`Family.n_configurations`,
:meth:`Family.check_size`) before any enumeration, so an oversized family fails at once.  With
``symmetry="functions"`` the decoders are further merged by the function they compute, decided
exactly (:mod:`exactid.search.functions`: dead units with :math:`\beta = 0`, constant units,
cancelling units, rescalings that stay on the grid).

What to use when: the J.3.1 family of the paper is ``Family()`` (or ``Family(n_components=2)``);
bigger families (three or four hidden units, finer grids, leaky ReLU) are named in
:data:`exactid.search.presets.FAMILIES` and are best searched with ``symmetry="functions"``,
which their presets set.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from .. import limits
from ..errors import LimitExceeded
from ..models import GaussianMixture, LatentModel, ReluNet
from ..validation import as_generator
from .functions import function_classes

__all__ = ["Family", "FamilyPoint", "SYMMETRIES"]

#: The decoder symmetry reductions of :class:`Family` (its ``symmetry`` argument).
SYMMETRIES = ("units", "functions")



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
    symmetry : {"units", "functions"}
        The decoder symmetries reduced (:meth:`decoders`): ``"units"`` (default) permutations
        of the hidden units and units with alpha = 0; ``"functions"`` also merges every two
        decoders that compute the same function (decided exactly,
        :mod:`exactid.search.functions`).  The search result is the same up to which member of
        an orbit represents it; ``"functions"`` evaluates fewer decoders.

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
    symmetry: str = "units"
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
        if self.symmetry not in SYMMETRIES:
            raise ValueError(f"symmetry: expected one of {', '.join(SYMMETRIES)}, found "
                             f"{self.symmetry!r}")

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
        """Number of rows of :meth:`decoders`: computed without enumerating them, except with
        ``symmetry="functions"`` (the decoders are enumerated and merged, once)."""
        if canonical and self.symmetry == "functions":
            return len(self.decoders()[0])
        return self._n_unit_decoders(canonical)

    def _n_unit_decoders(self, canonical: bool) -> int:
        """Number of decoders after the unit symmetries (the enumeration's size)."""
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
        self._check_count(self._n_unit_decoders(canonical), limits.MAX_FAMILY_DECODERS,
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
            bias of a unit with alpha = 0 (set to the first grid values); with
            ``symmetry="functions"``, one per function (the first in the order below).

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
        if canonical and self.symmetry == "functions":
            decoders, orbit = self._unit_decoders(True)
            labels = self._function_labels()
            first = np.unique(labels, return_index=True)[1]
            merged = np.zeros(first.size, dtype=np.int64)
            np.add.at(merged, labels, orbit)
            self._cache[key] = decoders[first], merged
            return self._cache[key]
        self._cache[key] = self._unit_decoders(canonical)
        return self._cache[key]

    def _function_labels(self) -> np.ndarray:
        """The function class of each unit-canonical decoder, shape (D_units,)."""
        if "labels" not in self._cache:
            self._cache["labels"] = function_classes(self._unit_decoders(True)[0],
                                                     self.negative_slope, self.betas,
                                                     self.biases)
        return self._cache["labels"]

    def _unit_decoders(self, canonical: bool):
        """:meth:`decoders` after the unit symmetries only (cached)."""
        key = ("unit decoders", canonical)
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
        if self.symmetry == "functions":
            units = self._function_representative(units)
        atoms = self.atoms()
        return FamilyPoint(
            tuple(c / self.weight_steps for c, _ in pairs),
            tuple(float(atoms[a, 0]) for _, a in pairs),
            tuple(float(atoms[a, 1]) for _, a in pairs),
            tuple(u[0] for u in units), tuple(u[1] for u in units), tuple(u[2] for u in units),
            point.noise_std, self.negative_slope)

    def _function_representative(self, units: list) -> list:
        """The units of the decoder representing the function of the unit-canonical
        ``units`` (sorted (alpha, beta, pi) tuples)."""
        decoders = self._unit_decoders(True)[0]
        row = np.flatnonzero(np.all(decoders == np.array(units, dtype=float).T, axis=(1, 2)))
        labels = self._function_labels()
        first = int(np.flatnonzero(labels == labels[row[0]])[0])
        return [tuple(float(v) for v in unit) for unit in decoders[first].T]

    def random_point(self, seed=None) -> FamilyPoint:
        """A grid point drawn uniformly from the full grid (J.3.1, steps 1-4).

        Parameters
        ----------
        seed : int, numpy.random.Generator or None
        """
        rng = as_generator(seed)
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
                "noise_stds": list(self.noise_stds), "negative_slope": self.negative_slope,
                "symmetry": self.symmetry}



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
