"""The random parallelograms data sets #1-#3 (paper 003, J.3.2): fixed geometries, uniform points,
an isometric embedding and Gaussian noise."""

from __future__ import annotations

import math

import numpy as np

from .common import (
    Dataset,
    balanced_counts,
    check_count,
    check_real,
    finish,
    haar_orthonormal,
    seed_and_record,
)

__all__ = ["parallelograms"]

# Offset of the geometry seed of the parallelogram data sets: variant k uses 1000 + k, which
# keeps the geometry streams apart from the small sampling seeds (0, 1, 2, ...) people use.
_GEOMETRY_SEED_OFFSET = 1000
# Parallelogram geometry: centres uniform in [-_BOX, _BOX]^2, edge lengths uniform in
# _EDGE_LENGTHS, and the angle between the two edges uniform in [_MIN_ANGLE, pi - _MIN_ANGLE],
# so that no parallelogram is close to a segment (area >= 1 * 1 * sin 30 deg = 1/2).
_BOX = 3.0
# Parallelogram geometry: centres uniform in [-_BOX, _BOX]^2, edge lengths uniform in
# _EDGE_LENGTHS, and the angle between the two edges uniform in [_MIN_ANGLE, pi - _MIN_ANGLE],
# so that no parallelogram is close to a segment (area >= 1 * 1 * sin 30 deg = 1/2).
_BOX = 3.0
_EDGE_LENGTHS = (1.0, 3.0)
_EDGE_LENGTHS = (1.0, 3.0)
_MIN_ANGLE = math.pi / 6
# Smallest distance between two parallelograms (5 noise standard deviations at the default
# noise_std = 0.05), so that clusters are disjoint in z and barely touch in x; and the number of
# draws allowed to place one parallelogram.
_MIN_GAP = 0.25
# Smallest distance between two parallelograms (5 noise standard deviations at the default
# noise_std = 0.05), so that clusters are disjoint in z and barely touch in x; and the number of
# draws allowed to place one parallelogram.
_MIN_GAP = 0.25
_MAX_PLACEMENT_DRAWS = 100_000



def _corners(centre: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Corners, shape (4, 2), in order around ``centre + a u + b v``, ``|a|, |b| <= 1/2``."""
    signs = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]])
    return centre + signs @ edges



def _separated(corners_a: np.ndarray, corners_b: np.ndarray, gap: float) -> bool:
    """Whether two convex quadrilaterals are at distance >= ``gap`` (separating-axis test).

    Two disjoint convex polygons are separated along the normal of one of their edges, and the
    gap between the projections onto a unit normal is a lower bound on their distance, so
    "some edge normal shows a gap >= ``gap``" implies distance >= ``gap`` (conservatively).
    """
    for corners in (corners_a, corners_b):
        sides = np.roll(corners, -1, axis=0) - corners
        normals = np.stack([-sides[:, 1], sides[:, 0]], axis=1)
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        pa, pb = corners_a @ normals.T, corners_b @ normals.T  # (4, 4): corner x axis
        if np.any((pb.min(axis=0) - pa.max(axis=0) >= gap)
                  | (pa.min(axis=0) - pb.max(axis=0) >= gap)):
            return True
    return False



def _parallelogram_geometry(variant: int, n_parallelograms: int, n_dim: int):
    """Centres (K, 2), edge angles (K, 2), edge lengths (K, 2), edges (K, 2, 2), embedding Q.

    Two independent child streams of ``SeedSequence(1000 + variant)``: one for the planar shapes,
    one for the embedding (so the planar shapes do not depend on ``n_dim``).  Parallelogram k is
    redrawn until it keeps a gap of at least ``_MIN_GAP`` to parallelograms 0..k-1.
    """
    planar_ss, embed_ss = np.random.SeedSequence(_GEOMETRY_SEED_OFFSET + variant).spawn(2)
    planar = np.random.default_rng(planar_ss)
    # Keep the area per parallelogram of the paper's setting (3 in [-3, 3]^2) for larger K,
    # so the rejection below succeeds quickly whatever K.
    half_width = _BOX * max(1.0, math.sqrt(n_parallelograms / 3.0))
    centres = np.empty((n_parallelograms, 2))
    angles = np.empty((n_parallelograms, 2))
    lengths = np.empty((n_parallelograms, 2))
    edges = np.empty((n_parallelograms, 2, 2))
    placed = []
    for k in range(n_parallelograms):
        for _ in range(_MAX_PLACEMENT_DRAWS):
            centre = planar.uniform(-half_width, half_width, size=2)
            first = planar.uniform(0.0, 2.0 * np.pi)
            between = planar.uniform(_MIN_ANGLE, np.pi - _MIN_ANGLE)
            angle = np.array([first, first + between])
            length = planar.uniform(*_EDGE_LENGTHS, size=2)
            edge = length[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
            corners = _corners(centre, edge)
            if all(_separated(corners, other, _MIN_GAP) for other in placed):
                break
        else:  # measured: < 3000 draws in all for K = 40 (variants 1-30), so never in practice
            raise RuntimeError(
                f"could not place parallelogram {k} of variant {variant} disjointly after "
                f"{_MAX_PLACEMENT_DRAWS} draws"
            )
        placed.append(corners)
        centres[k], angles[k], lengths[k], edges[k] = centre, angle, length, edge
    embedding = haar_orthonormal(np.random.default_rng(embed_ss), n_dim, 2)
    return centres, angles, lengths, edges, embedding



def parallelograms(variant: int = 1, n_samples: int = 5000, n_dim: int = 2,
                   noise_std: float = 0.05, n_parallelograms: int = 3, seed=0) -> Dataset:
    r"""The "random parallelograms" data of paper 003, Appendix J.3.2 (copies #1-#3).

    Parallelogram k has centre :math:`c_k` and edge vectors :math:`u_k, v_k`; its points are
    :math:`z = c_k + a u_k + b v_k` with :math:`a, b \sim U(-1/2, 1/2)` independent, which is
    uniform on the parallelogram (the map (a, b) -> z is affine).  The plane is embedded
    isometrically in :math:`\mathbb R^n`: :math:`x = Q z + \varepsilon`,
    :math:`\varepsilon \sim \mathcal N(0, \sigma^2 I_n)`, Q with orthonormal columns.

    Parameters
    ----------
    variant : int
        Data set number >= 1 (the paper has #1, #2, #3).  It alone fixes the geometry
        (centres, edges, embedding); see Notes.
    n_samples : int
        N >= n_parallelograms; parallelogram sizes differ by at most one (remainder to the
        first), i.e. each parallelogram is chosen with equal probability.
    n_dim : int
        Observed dimension n >= 2.
    noise_std : float
        :math:`\sigma >= 0`.
    n_parallelograms : int
        Number of parallelograms (clusters) K >= 1; 3 in the paper.
    seed : int or numpy.random.Generator
        Drives the sampling (positions, noise, row order) only.

    Returns
    -------
    Dataset
        ``x`` of shape (N, n_dim), ``z`` of shape (N, 2) (the planar points), ``labels`` =
        parallelogram index, rows shuffled.  ``params`` also holds ``centres`` (K, 2),
        ``edges`` (K, 2, 2) with ``edges[k][0] = u_k`` and ``edges[k][1] = v_k``,
        ``edge_angles`` (K, 2) in radians, ``edge_lengths`` (K, 2), ``embedding`` Q
        (n_dim, 2) and ``counts`` (K,).

    Notes
    -----
    The geometry comes from ``SeedSequence(1000 + variant)``, so #1-#3 are fixed, distinct data
    sets whatever the sampling seed.  Centres are uniform in :math:`[-3, 3]^2`, edge lengths
    uniform in [1, 3], the first edge direction uniform on the circle and the angle between the
    edges uniform in [30, 150] degrees, so every parallelogram has area >= 1/2.  The paper does
    not say whether the parallelograms may overlap; here each one is redrawn until it is at
    distance >= 0.25 from the earlier ones, so that every latent point belongs to exactly one
    parallelogram and the labels are unambiguous (without this, 7 of the first 10 variants
    overlapped, and in one of them 62 % of the points lay in two parallelograms).  For K > 3
    the box grows as :math:`3\sqrt{K/3}` to keep the covered fraction of the paper's setting.
    The planar shapes do not depend on ``n_dim``; the embedding does.  For n_dim = 2 the
    embedding is a random rotation or reflection.
    """
    variant = check_count(variant, "variant", 1)
    n_parallelograms = check_count(n_parallelograms, "n_parallelograms", 1)
    n_samples = check_count(n_samples, "n_samples", n_parallelograms, "one per parallelogram")
    n_dim = check_count(n_dim, "n_dim", 2, "the plane must embed")
    noise_std = check_real(noise_std, "noise_std", 0.0)
    rng, seed_record = seed_and_record(seed)

    centres, angles, lengths, edges, embedding = _parallelogram_geometry(
        variant, n_parallelograms, n_dim)
    counts = balanced_counts(n_samples, n_parallelograms)
    labels = np.repeat(np.arange(n_parallelograms, dtype=np.int64), counts)
    coords = rng.uniform(-0.5, 0.5, size=(n_samples, 2))
    z = centres[labels] + np.einsum("nj,njd->nd", coords, edges[labels])
    x = z @ embedding.T + noise_std * rng.standard_normal((n_samples, n_dim))

    params = {
        "variant": variant, "n_samples": n_samples, "n_dim": n_dim, "noise_std": noise_std,
        "n_parallelograms": n_parallelograms, "seed": seed_record,
        "centres": centres.tolist(), "edges": edges.tolist(), "edge_angles": angles.tolist(),
        "edge_lengths": lengths.tolist(), "embedding": embedding.tolist(),
        "counts": counts.tolist(),
    }
    return finish(f"parallelograms{variant}", rng, x, z, labels, n_parallelograms, params)
