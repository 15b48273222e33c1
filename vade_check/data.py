"""Synthetic clustered data sets with known latents: pinwheel, random parallelograms, TCL.

The data of the simulated experiments in paper 003 (Appendix J.3.2: the pinwheel of Johnson et
al. 2016 and three "random parallelograms" data sets, 5000 samples, m = 2) and the
time-contrastive (TCL) sources of papers 000 (Appendix A) and 002 (Section 5.1).  Each generator
returns a :class:`Dataset` holding the observations, the ground-truth latents and the cluster
labels, so that a learned latent space can be compared with the truth.

Design choices and trade-offs:

* Determinism over convenience: every generator takes ``seed`` (an int or a
  ``numpy.random.Generator``) and uses only ``numpy.random.default_rng``; no global state.  A
  Generator is advanced in place, so only an int seed is recorded in ``params``.
* The parallelogram geometry depends on ``variant`` alone, not on ``seed``: the three data sets
  #1-#3 of the paper are fixed objects, and ``seed`` only redraws samples from them.
* Ground truth is the Gaussian-mixture / uniform sample before any nonlinearity (for the
  pinwheel: before the twist), and parallelograms are kept apart so that labels are
  unambiguous.  The papers leave both open; see each generator's Notes.
* Cluster sizes are exact (as equal as possible, remainder to the first clusters) rather than
  multinomial: the label proportions are part of the ground truth, not noise.
* Rows are shuffled with one seeded permutation applied to ``x``, ``z`` and ``labels`` alike, so
  that a consumer taking a prefix of the rows still sees every cluster, and the three arrays stay
  aligned row by row.
* ``params`` holds plain floats, ints and lists only, so it can be written to JSON next to results.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Dataset",
    "pinwheel",
    "parallelograms",
    "nonstationary",
    "mixing_net",
    "DATASETS",
    "make_dataset",
]

#: Names accepted by :func:`make_dataset`.
DATASETS = ("pinwheel", "parallelograms1", "parallelograms2", "parallelograms3", "tcl")

# Offset of the geometry seed of the parallelogram data sets: variant k uses 1000 + k, which
# keeps the geometry streams apart from the small sampling seeds (0, 1, 2, ...) people use.
_GEOMETRY_SEED_OFFSET = 1000
# Parallelogram geometry: centres uniform in [-_BOX, _BOX]^2, edge lengths uniform in
# _EDGE_LENGTHS, and the angle between the two edges uniform in [_MIN_ANGLE, pi - _MIN_ANGLE],
# so that no parallelogram is close to a segment (area >= 1 * 1 * sin 30 deg = 1/2).
_BOX = 3.0
_EDGE_LENGTHS = (1.0, 3.0)
_MIN_ANGLE = math.pi / 6
# Smallest distance between two parallelograms (5 noise standard deviations at the default
# noise_std = 0.05), so that clusters are disjoint in z and barely touch in x; and the number of
# draws allowed to place one parallelogram.
_MIN_GAP = 0.25
_MAX_PLACEMENT_DRAWS = 100_000
# TCL: means and standard deviations of the sources (paper 000, Appendix A), singular values of
# the mixing matrices (condition number <= 2) and the half-width of the uniform biases.
_TCL_MEAN_RANGE = (-3.0, 3.0)
_TCL_STD_RANGE = (0.01, 3.0)
_TCL_SINGULAR_RANGE = (1.0, 2.0)
_TCL_BIAS_HALF_WIDTH = 0.1


# --------------------------------------------------------------------------------------------
# The container
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Dataset:
    """A synthetic data set with ground truth.

    Parameters
    ----------
    name : str
        Short identifier, e.g. ``"pinwheel"``, ``"parallelograms2"`` or ``"tcl"``.
    x : ndarray, shape (N, n), float64
        Observations.
    z : ndarray, shape (N, m), float64
        Ground-truth latents; row ``i`` generated ``x[i]``.
    labels : ndarray, shape (N,), int64
        Ground-truth cluster of each row, in ``0 .. n_clusters - 1``.
    n_clusters : int
        Number of clusters K.
    params : dict
        The generator's arguments and the generated geometry, as plain ints, floats and
        lists (JSON-ready).

    Notes
    -----
    The arrays are copied and made read-only on construction, so a data set cannot be altered
    after the fact by whoever built it.  Equality is identity (``eq=False``): element-wise
    array comparison has no single truth value.
    """

    name: str
    x: np.ndarray
    z: np.ndarray
    labels: np.ndarray
    n_clusters: int
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name: expected a non-empty string, found {self.name!r}")
        x = _as_2d_float(self.x, "x")
        z = _as_2d_float(self.z, "z")
        n_clusters = _check_int(self.n_clusters, "n_clusters", 1)
        labels = np.asarray(self.labels)
        if labels.ndim != 1 or (labels.size and not np.issubdtype(labels.dtype, np.integer)):
            raise ValueError(
                f"labels: expected a 1-D array of integers, found dtype {labels.dtype} "
                f"and shape {labels.shape}"
            )
        labels = np.array(labels, dtype=np.int64)
        if z.shape[0] != x.shape[0] or labels.shape[0] != x.shape[0]:
            raise ValueError(
                f"labels: expected x, z and labels with the same number of rows, found "
                f"{x.shape[0]}, {z.shape[0]} and {labels.shape[0]}"
            )
        if labels.size and (labels.min() < 0 or labels.max() >= n_clusters):
            raise ValueError(
                f"labels: expected values in 0..{n_clusters - 1} (n_clusters = {n_clusters}), "
                f"found range {labels.min()}..{labels.max()}"
            )
        if not isinstance(self.params, dict):
            raise ValueError(f"params: expected a dict, found {type(self.params).__name__}")
        for arr in (x, z, labels):
            arr.setflags(write=False)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "n_clusters", n_clusters)

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, N={self.x.shape[0]}, n={self.x.shape[1]}, "
            f"m={self.z.shape[1]}, K={self.n_clusters})"
        )


# --------------------------------------------------------------------------------------------
# Validation helpers (ValueError naming the argument, what was expected, what was found)
# --------------------------------------------------------------------------------------------


def _check_int(value, name: str, minimum: int, why: str = "") -> int:
    """An integer ``>= minimum`` (bools are rejected: ``True`` is not a count)."""
    note = f" ({why})" if why else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected an integer >= {minimum}{note}, found {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}{note}, found {value!r}")
    return int(value)


def _check_float(value, name: str, minimum: float | None = None, *, strict: bool = False,
                 why: str = "") -> float:
    """A finite real number, optionally ``>= minimum`` (``> minimum`` if ``strict``)."""
    note = f" ({why})" if why else ""
    if minimum is None:
        want = "a finite number"
    else:
        want = f"a finite number {'>' if strict else '>='} {minimum:g}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                      np.floating)):
        raise ValueError(f"{name}: expected {want}{note}, found {value!r}")
    result = float(value)
    if not math.isfinite(result) or (
        minimum is not None and (result <= minimum if strict else result < minimum)
    ):
        raise ValueError(f"{name}: expected {want}{note}, found {value!r}")
    return result


def _check_seed(seed) -> tuple[np.random.Generator, int | None]:
    """The generator to draw from, and the seed as recorded in ``params`` (None for a Generator)."""
    if isinstance(seed, np.random.Generator):
        return seed, None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(
            f"seed: expected a non-negative integer or a numpy.random.Generator, found {seed!r}"
        )
    return np.random.default_rng(int(seed)), int(seed)


def _as_2d_float(value, name: str) -> np.ndarray:
    arr = np.array(value, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array of shape (N, dim), found shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite numbers, found NaN or infinity")
    return arr


# --------------------------------------------------------------------------------------------
# Shared building blocks
# --------------------------------------------------------------------------------------------


def _balanced_counts(n_samples: int, n_clusters: int) -> np.ndarray:
    """Cluster sizes as equal as possible, the remainder going to the first clusters."""
    base, extra = divmod(n_samples, n_clusters)
    return np.array([base + (k < extra) for k in range(n_clusters)], dtype=np.int64)


def _rotation(angles: np.ndarray) -> np.ndarray:
    """Counter-clockwise rotation matrices, shape (N, 2, 2), for angles of shape (N,)."""
    c, s = np.cos(angles), np.sin(angles)
    return np.stack([np.stack([c, -s], axis=-1), np.stack([s, c], axis=-1)], axis=-2)


def _haar_orthonormal(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """A random matrix with orthonormal columns, shape (rows, cols), Haar distributed.

    The QR factor of a Gaussian matrix is Haar distributed only after fixing the signs so that
    ``R`` has a positive diagonal; without the fix the distribution depends on the LAPACK sign
    convention.
    """
    q, r = np.linalg.qr(rng.standard_normal((rows, cols)))
    signs = np.sign(np.diag(r))
    signs[signs == 0] = 1.0
    return q * signs


def _finish(name: str, rng: np.random.Generator, x, z, labels, n_clusters, params) -> Dataset:
    """Shuffle the rows with one permutation shared by x, z and labels, and wrap them."""
    perm = rng.permutation(x.shape[0])
    return Dataset(name=name, x=x[perm], z=z[perm], labels=labels[perm],
                   n_clusters=n_clusters, params=params)


# --------------------------------------------------------------------------------------------
# Pinwheel
# --------------------------------------------------------------------------------------------


def pinwheel(n_samples: int = 5000, n_arms: int = 3, radial_std: float = 0.3,
             tangential_std: float = 0.05, rate: float = 0.25, scale: float = 1.0,
             seed=0) -> Dataset:
    r"""The pinwheel data of Johnson et al. (2016), used in paper 003 with m = n = 2.

    Arm ``k`` of K: draw :math:`r \sim \mathcal N(1, \sigma_r^2)`,
    :math:`t \sim \mathcal N(0, \sigma_t^2)`, and rotate the point ``(r, t)`` by the arm angle
    :math:`\theta_k = 2\pi k / K` plus the twist :math:`\text{rate}\cdot e^{r}`:

    .. math:: x = \text{scale}\cdot R(\theta_k + \text{rate}\, e^{r}) (r, t)^\top,
              \qquad z = R(\theta_k) (r, t)^\top .

    Parameters
    ----------
    n_samples : int
        N >= n_arms.  Arm sizes differ by at most one (remainder to the first arms).
    n_arms : int
        Number of arms (clusters) K >= 1.
    radial_std, tangential_std : float
        Standard deviations :math:`\sigma_r, \sigma_t >= 0` of ``r`` and ``t``.
    rate : float
        Twist rate; 0 gives K straight Gaussian blobs.
    scale : float
        Factor > 0 applied to ``x`` (not to ``z``).  Johnson et al. use 10; the default 1 keeps
        the data at unit scale.
    seed : int or numpy.random.Generator

    Returns
    -------
    Dataset
        ``x`` of shape (N, 2), ``z`` of shape (N, 2), ``labels`` = arm index, rows shuffled.
        ``params`` also holds ``arm_angles`` (K,) and ``counts`` (K,).

    Notes
    -----
    The ground-truth latent is the Gaussian-mixture sample *before* the nonlinear twist (and
    before ``scale``): each arm is then an anisotropic Gaussian, the GMM prior that VaDE assumes,
    and ``x`` is a smooth injective-on-arms function of ``(z, label)``.  The radius ``r`` that
    drives the twist is recovered from ``z`` by rotating back by the arm angle.  Whether the
    arms spin clockwise or counter-clockwise differs between implementations; the two choices
    are mirror images, hence affinely equivalent, and nothing downstream depends on it.
    """
    n_arms = _check_int(n_arms, "n_arms", 1)
    n_samples = _check_int(n_samples, "n_samples", n_arms, "one per arm")
    radial_std = _check_float(radial_std, "radial_std", 0.0)
    tangential_std = _check_float(tangential_std, "tangential_std", 0.0)
    rate = _check_float(rate, "rate")
    scale = _check_float(scale, "scale", 0.0, strict=True)
    rng, seed_record = _check_seed(seed)

    counts = _balanced_counts(n_samples, n_arms)
    labels = np.repeat(np.arange(n_arms, dtype=np.int64), counts)
    features = rng.standard_normal((n_samples, 2)) * np.array([radial_std, tangential_std])
    features[:, 0] += 1.0
    arm_angles = 2.0 * np.pi * np.arange(n_arms) / n_arms
    base = arm_angles[labels]
    z = np.einsum("nij,nj->ni", _rotation(base), features)
    x = scale * np.einsum("nij,nj->ni", _rotation(base + rate * np.exp(features[:, 0])), features)

    params = {
        "n_samples": n_samples, "n_arms": n_arms, "radial_std": radial_std,
        "tangential_std": tangential_std, "rate": rate, "scale": scale, "seed": seed_record,
        "arm_angles": arm_angles.tolist(), "counts": counts.tolist(),
    }
    return _finish("pinwheel", rng, x, z, labels, n_arms, params)


# --------------------------------------------------------------------------------------------
# Random parallelograms
# --------------------------------------------------------------------------------------------


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
    embedding = _haar_orthonormal(np.random.default_rng(embed_ss), n_dim, 2)
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
    variant = _check_int(variant, "variant", 1)
    n_parallelograms = _check_int(n_parallelograms, "n_parallelograms", 1)
    n_samples = _check_int(n_samples, "n_samples", n_parallelograms, "one per parallelogram")
    n_dim = _check_int(n_dim, "n_dim", 2, "the plane must embed")
    noise_std = _check_float(noise_std, "noise_std", 0.0)
    rng, seed_record = _check_seed(seed)

    centres, angles, lengths, edges, embedding = _parallelogram_geometry(
        variant, n_parallelograms, n_dim)
    counts = _balanced_counts(n_samples, n_parallelograms)
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
    return _finish(f"parallelograms{variant}", rng, x, z, labels, n_parallelograms, params)


# --------------------------------------------------------------------------------------------
# Nonstationary (TCL) sources mixed by a leaky-ReLU MLP
# --------------------------------------------------------------------------------------------


def _mixing_layers(rng: np.random.Generator, dim: int, n_layers: int):
    """Square weights ``U diag(s) V^T`` (s uniform in [1, 2]) and small uniform biases."""
    weights, biases = [], []
    for _ in range(n_layers):
        u = _haar_orthonormal(rng, dim, dim)
        v = _haar_orthonormal(rng, dim, dim)
        s = rng.uniform(*_TCL_SINGULAR_RANGE, size=dim)
        weights.append((u * s) @ v.T)
        biases.append(rng.uniform(-_TCL_BIAS_HALF_WIDTH, _TCL_BIAS_HALF_WIDTH, size=dim))
    return weights, biases


def _apply_mixing(z: np.ndarray, weights, biases, negative_slope: float) -> np.ndarray:
    h = z
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w.T + b
        if i < len(weights) - 1:  # no activation after the last layer
            h = np.where(h > 0, h, negative_slope * h)
    return h


def nonstationary(n_samples: int = 5000, n_sources: int = 2, n_segments: int = 10,
                  n_layers: int = 3, negative_slope: float = 0.2, noise_std: float = 0.01,
                  seed=0) -> Dataset:
    r"""Nonstationary Gaussian sources mixed by a random leaky-ReLU MLP (TCL data).

    As in papers 000 (Appendix A) and 002 (Section 5.1): the samples are split into segments;
    in segment k source i is :math:`\mathcal N(\mu_{k,i}, \sigma_{k,i}^2)` with
    :math:`\mu_{k,i} \sim U(-3, 3)` and :math:`\sigma_{k,i} \sim U(0.01, 3)`.  The observations
    are :math:`x = f(z) + \varepsilon`, :math:`\varepsilon \sim \mathcal N(0, \tau^2 I_d)`, with
    f an MLP :math:`\mathbb R^d \to \mathbb R^d`.

    Parameters
    ----------
    n_samples : int
        N >= n_segments; segment sizes differ by at most one (remainder to the first).
    n_sources : int
        Latent and observed dimension d >= 1.
    n_segments : int
        Number of segments (clusters) K >= 1.
    n_layers : int
        Affine layers of f, >= 1 (1 = an affine map).
    negative_slope : float
        Slope > 0 of the leaky ReLU between layers; 0 would make f non-injective.
    noise_std : float
        :math:`\tau >= 0`.
    seed : int or numpy.random.Generator
        Drives everything: segment parameters, mixing, samples, noise, row order.

    Returns
    -------
    Dataset
        Named ``"tcl"``; ``x`` and ``z`` of shape (N, d), ``labels`` = segment index.  Rows are
        shuffled like the other generators (a time series would be kept in order; the segment
        label carries all the time information TCL uses).  ``params`` also holds ``means`` and
        ``stds`` (K, d), ``weights`` (n_layers lists of shape (d, d)), ``biases`` (n_layers
        lists of length d) and ``counts`` (K,); :func:`mixing_net` rebuilds f from them.

    Notes
    -----
    Each weight matrix is :math:`U \operatorname{diag}(s) V^\top` with U, V Haar orthogonal and
    :math:`s_j \sim U(1, 2)`: full rank with condition number <= 2 by construction, so f is a
    well-conditioned bijection (papers 000/002 only ask for full rank; a bound on the
    conditioning keeps the sources from being squashed into a near-degenerate subspace, which
    would make recovery hard for numerical rather than identifiability reasons).  Biases are
    uniform in [-0.1, 0.1].  ``x`` is not standardised, so ``f`` in ``params`` is exactly the
    map from ``z`` to the noise-free ``x``.
    """
    n_segments = _check_int(n_segments, "n_segments", 1)
    n_samples = _check_int(n_samples, "n_samples", n_segments, "one per segment")
    n_sources = _check_int(n_sources, "n_sources", 1)
    n_layers = _check_int(n_layers, "n_layers", 1)
    negative_slope = _check_float(negative_slope, "negative_slope", 0.0, strict=True,
                                  why="slope 0 makes the mixing non-injective")
    noise_std = _check_float(noise_std, "noise_std", 0.0)
    rng, seed_record = _check_seed(seed)

    means = rng.uniform(*_TCL_MEAN_RANGE, size=(n_segments, n_sources))
    stds = rng.uniform(*_TCL_STD_RANGE, size=(n_segments, n_sources))
    weights, biases = _mixing_layers(rng, n_sources, n_layers)
    counts = _balanced_counts(n_samples, n_segments)
    labels = np.repeat(np.arange(n_segments, dtype=np.int64), counts)
    z = means[labels] + stds[labels] * rng.standard_normal((n_samples, n_sources))
    x = _apply_mixing(z, weights, biases, negative_slope)
    x = x + noise_std * rng.standard_normal(x.shape)

    params = {
        "n_samples": n_samples, "n_sources": n_sources, "n_segments": n_segments,
        "n_layers": n_layers, "negative_slope": negative_slope, "noise_std": noise_std,
        "seed": seed_record, "means": means.tolist(), "stds": stds.tolist(),
        "weights": [w.tolist() for w in weights], "biases": [b.tolist() for b in biases],
        "counts": counts.tolist(),
    }
    return _finish("tcl", rng, x, z, labels, n_segments, params)


def mixing_net(dataset: Dataset):
    """The mixing MLP f of a :func:`nonstationary` data set as an :class:`exactid.ReluNet`.

    Parameters
    ----------
    dataset : Dataset
        Made by :func:`nonstationary` (its ``params`` hold ``weights``, ``biases`` and
        ``negative_slope``).

    Returns
    -------
    exactid.ReluNet
        ``f`` with ``x = f(z) + noise``; callable on arrays of shape (N, d).
    """
    from exactid import ReluNet  # cheap, but only this function needs it

    if not isinstance(dataset, Dataset):
        raise ValueError(f"dataset: expected a Dataset, found {type(dataset).__name__}")
    missing = [k for k in ("weights", "biases", "negative_slope") if k not in dataset.params]
    if missing:
        raise ValueError(
            f"dataset: expected a data set made by nonstationary() (params with 'weights', "
            f"'biases' and 'negative_slope'), found {dataset.name!r} without {missing}"
        )
    p = dataset.params
    return ReluNet(p["weights"], p["biases"], negative_slope=p["negative_slope"])


# --------------------------------------------------------------------------------------------
# Dispatch by name
# --------------------------------------------------------------------------------------------


def make_dataset(name: str, *, n_samples: int = 5000, seed=0, **kwargs) -> Dataset:
    """Build one of the named data sets of :data:`DATASETS`.

    Parameters
    ----------
    name : str
        ``"pinwheel"``, ``"parallelogramsK"`` (variant K, any K >= 1; the paper uses 1-3) or
        ``"tcl"``.
    n_samples : int
    seed : int or numpy.random.Generator
    **kwargs
        Further arguments of the generator (:func:`pinwheel`, :func:`parallelograms` without
        ``variant``, which the name fixes, or :func:`nonstationary`).

    Returns
    -------
    Dataset
    """
    prefix = "parallelograms"
    generator, fixed = None, {}
    if name == "pinwheel":
        generator = pinwheel
    elif name == "tcl":
        generator = nonstationary
    elif isinstance(name, str) and name.startswith(prefix):
        digits = name[len(prefix):]
        if digits.isascii() and digits.isdigit() and not digits.startswith("0"):
            generator, fixed = parallelograms, {"variant": int(digits)}
    if generator is None:
        raise ValueError(
            f"name: expected one of {', '.join(DATASETS)} (or parallelogramsK for any K >= 1), "
            f"found {name!r}"
        )
    accepted = set(inspect.signature(generator).parameters) - {"n_samples", "seed"} - set(fixed)
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise ValueError(
            f"kwargs: expected arguments of {generator.__name__}() among "
            f"{', '.join(sorted(accepted))}, found {', '.join(unknown)}"
        )
    return generator(n_samples=n_samples, seed=seed, **fixed, **kwargs)
