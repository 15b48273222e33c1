r"""The truths of the 2-D hierarchy study: random draws from a small family, and constructed
cases whose level of equivalence is known in advance.

The random family (the 2-D analogue of paper 003, Appendix J.3.1): ``J`` in {2, 3} components
in :math:`\mathbb R^2`, diagonal or full covariances, a ``2 -> H -> 2`` decoder with ``H`` in
{2, 3}, ReLU or leaky ReLU (slope 1/4), weights on a grid (:data:`WEIGHT_GRID`), noise
:data:`NOISE_STD`.  Every value is a short dyadic number, so the exact (rational) decisions of
the identifiability checks apply to them as they are.

Each truth comes with the axes of its neighbourhood grid
(:class:`~exactid.search.family_2d.Grid2D`): a few of its scalar parameters at the truth and
one grid step either side, and two Remark 3.7 moves, a reflection ``scale1 = -1`` and a
rotation by 45 degrees, which place models with the truth's law (but a reflected or rotated
prior) on the grid.  The study must find them among the global minimizers and classify them:
the reflection is a permutation-scaling image, the rotation only an affine one.

The constructed cases (:func:`constructed_cases`):

* ``rotated-P2``: a (P2) prior and an (F4) leaky decoder; rotations by 30, 45 and 90 degrees
  and a rescaling.  Rotations by 30 and 45 degrees are affine images whose priors violate (P2)
  (so Theorem 3.2(b) does not apply to them); 90 degrees and the rescaling are
  permutation-scaling images.
* ``fold``: the decoder :math:`f(z) = (|z_1|, \mathrm{LReLU}(z_2))` is not (F2); mirroring
  one component in :math:`z_1` keeps the law but the prior is no affine image of the truth's:
  non-identifiability must show up as a global minimizer that is not equivalent to the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..models import GaussianMixture, LatentModel, ReluNet
from .family_2d import model_parameters

__all__ = ["Case2D", "draw_case", "constructed_cases", "WEIGHT_GRID", "NOISE_STD",
           "LEAKY_SLOPE"]

#: Values of the decoder weights in the random family.
WEIGHT_GRID = (-1.0, -0.5, 0.5, 1.0)
#: Values of the first-layer biases.
BIAS_GRID = (-0.5, 0.0, 0.5)
#: Mean coordinates, variances and off-diagonal covariances of the random priors.
MEAN_GRID = (-1.0, -0.5, 0.0, 0.5, 1.0)
VAR_GRID = (0.25, 0.5, 1.0)
COV_GRID = (-0.125, 0.125)
#: Noise standard deviation of every truth (fixed, not searched).
NOISE_STD = 0.25
#: Negative slope of the leaky decoders.
LEAKY_SLOPE = 0.25
#: Grid step of each kind of parameter, for the neighbourhood axes.
STEPS = {"lambda": 0.125, "mu": 0.25, "var": 0.125, "cov": 0.0625, "W": 0.25, "b": 0.25}


@dataclass(frozen=True)
class Case2D:
    """One truth of the study and its neighbourhood grid.

    Attributes
    ----------
    name : str
        ``seed-<n>`` for random truths, or the name of a constructed case.
    truth : LatentModel
        ``m = n = 2``.
    axes : tuple of (str, tuple of float)
        The neighbourhood grid (:class:`~exactid.search.family_2d.Grid2D`).
    description : str
        What the truth is, in a few words.
    expect : dict
        For constructed cases, what the study must find: ``"levels"`` (prior levels that must
        occur among the global minimizers) and ``"nonequivalent_same_law"`` (bool).
    """

    name: str
    truth: LatentModel
    axes: tuple
    description: str
    expect: dict = field(default_factory=dict)


def _prior(rng: np.random.Generator, J: int, full: bool) -> GaussianMixture:
    weights = {2: [(0.25, 0.75), (0.375, 0.625), (0.5, 0.5)],
               3: [(0.25, 0.25, 0.5), (0.25, 0.375, 0.375)]}[J]
    w = np.array(weights[rng.integers(len(weights))])
    # Distinct means (a repeated mean with equal covariances would merge components).
    cells = rng.choice(len(MEAN_GRID) ** 2, size=J, replace=False)
    means = np.array([[MEAN_GRID[c // len(MEAN_GRID)], MEAN_GRID[c % len(MEAN_GRID)]]
                      for c in cells])
    covs = np.zeros((J, 2, 2))
    for j in range(J):
        covs[j, 0, 0], covs[j, 1, 1] = rng.choice(VAR_GRID, size=2)
        if full:
            covs[j, 0, 1] = covs[j, 1, 0] = rng.choice(COV_GRID)
    return GaussianMixture(w, means, covs)


def _net(rng: np.random.Generator, H: int, leaky: bool) -> ReluNet:
    w1 = rng.choice(WEIGHT_GRID, size=(H, 2))
    b1 = rng.choice(BIAS_GRID, size=H)
    w2 = rng.choice(WEIGHT_GRID, size=(2, H))
    return ReluNet([w1, w2], [b1, np.zeros(2)], LEAKY_SLOPE if leaky else 0.0)


def _neighbourhood_axes(rng: np.random.Generator, truth: LatentModel, k: int) -> tuple:
    """k random scalar parameters at the truth and one step either side, plus two moves."""
    params = model_parameters(truth)
    names = sorted(params)
    chosen = sorted(rng.choice(len(names), size=min(k, len(names)), replace=False))
    axes = []
    for i in chosen:
        name = names[i]
        kind = next(key for key in STEPS if name.startswith(key))
        step, value = STEPS[kind], params[name]
        axes.append((name, (value - step, value, value + step)))
    axes.append(("scale1", (1.0, -1.0)))
    axes.append(("rotate", (0.0, 45.0)))
    return tuple(axes)


def draw_case(seed: int, *, k: int = 3) -> Case2D:
    """A random truth from the small 2-D family, with ``k`` scalar axes in its grid.

    Parameters
    ----------
    seed : int
        Seeds everything: J, covariance type, H, activation, values, and the axes.
    k : int
        Number of scalar parameters with three values each; the grid has ``4 * 3**k``
        points (times two moves of two values).

    Returns
    -------
    Case2D
    """
    rng = np.random.default_rng(seed)
    J = int(rng.choice((2, 3)))
    full = bool(rng.integers(2))
    H = int(rng.choice((2, 3)))
    leaky = bool(rng.integers(2))
    truth = LatentModel(_prior(rng, J, full), _net(rng, H, leaky), NOISE_STD)
    description = (f"J = {J}, {'full' if full else 'diagonal'} covariances, 2 -> {H} -> 2 "
                   f"{'leaky ReLU' if leaky else 'ReLU'}")
    return Case2D(f"seed-{seed}", truth, _neighbourhood_axes(rng, truth, k), description)


def constructed_cases(*, quick: bool = False) -> list[Case2D]:
    """The cases with a known level of equivalence (see the module docstring).

    Parameters
    ----------
    quick : bool
        Fewer grid values (the moves are kept: they carry the known levels).

    Returns
    -------
    list of Case2D
    """
    p2_prior = GaussianMixture([0.375, 0.625], [[-0.5, 0.0], [0.5, 0.5]],
                               [np.diag([0.25, 1.0]), np.diag([0.5, 0.25])])
    # Square invertible leaky layers (Corollary H.4 conditions): (F4).
    leaky = ReluNet([[[1.0, 0.5], [-0.5, 1.0]], [[1.0, -0.5], [0.5, 1.0]]],
                    [[0.0, 0.25], [0.0, 0.0]], LEAKY_SLOPE)
    rot_angles = (0.0, 45.0, 90.0) if quick else (0.0, 30.0, 45.0, 90.0)
    rotated = Case2D(
        "rotated-P2", LatentModel(p2_prior, leaky, NOISE_STD),
        (("mu1[0]", (-0.75, -0.5, -0.25)), ("scale2", (1.0, 2.0)), ("rotate", rot_angles)),
        "(P2) prior, invertible leaky decoder (F4); rotations and a rescaling of z",
        {"levels": ("identity", "permutation_scaling_translation", "affine"),
         "nonequivalent_same_law": False})
    fold_prior = GaussianMixture([0.375, 0.625], [[0.75, 0.0], [1.5, 0.75]],
                                 [np.diag([0.25, 0.5]), np.diag([0.5, 0.25])])
    # Units LReLU(z1), LReLU(-z1), LReLU(z2): (LReLU(z1) + LReLU(-z1)) / (1 - a) = |z1|.
    a = LEAKY_SLOPE
    fold = ReluNet([[[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]],
                    [[1.0 / (1.0 - a), 1.0 / (1.0 - a), 0.0], [0.0, 0.0, 1.0]]],
                   [[0.0, 0.0, 0.0], [0.0, 0.0]], a)
    mirror_axes = (("mu1[0]", (-0.75, 0.75)), ("mu2[0]", (-1.5, 1.5)))
    if not quick:
        mirror_axes += (("mu2[1]", (0.5, 0.75, 1.0)),)
    folded = Case2D(
        "fold", LatentModel(fold_prior, fold, NOISE_STD), mirror_axes,
        "decoder (|z1|, LReLU(z2)) (not F2); components mirrored in z1",
        {"levels": ("identity", "permutation_scaling_translation", None),
         "nonequivalent_same_law": True})
    return [rotated, folded]
