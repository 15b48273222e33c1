"""What every synthetic data set shares: the :class:`Dataset` type, argument checks, the seed
policy of the generators, and small geometric building blocks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from exactid.validation import as_generator, check_integer, check_number

__all__ = ["Dataset", "check_count", "check_real", "seed_and_record", "as_2d_float",
           "balanced_counts", "rotation", "haar_orthonormal", "finish"]



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
        x = as_2d_float(self.x, "x")
        z = as_2d_float(self.z, "z")
        n_clusters = check_count(self.n_clusters, "n_clusters", 1)
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



def check_count(value, name: str, minimum: int, why: str = "") -> int:
    """An integer ``>= minimum`` (bools are rejected: ``True`` is not a count)."""
    note = f" ({why})" if why else ""
    return check_integer(value, name, minimum, f"an integer >= {minimum}{note}")


def check_real(value, name: str, minimum: float | None = None, *, strict: bool = False,
               why: str = "") -> float:
    """A finite real number, optionally ``>= minimum`` (``> minimum`` if ``strict``)."""
    note = f" ({why})" if why else ""
    if minimum is None:
        return check_number(value, name, f"a finite number{note}", show_float=False)
    want = f"a finite number {'>' if strict else '>='} {minimum:g}{note}"
    return check_number(value, name, want, lambda v: v > minimum if strict else v >= minimum,
                        show_float=False)


def seed_and_record(seed) -> tuple[np.random.Generator, int | None]:
    """The generator to draw from (the seed policy of :func:`exactid.validation.as_generator`,
    None refused: the seed is recorded), and the seed as recorded in ``params`` (None for a
    Generator)."""
    rng = as_generator(seed, "seed", "a non-negative integer or a numpy.random.Generator",
                       allow_none=False)
    return rng, (None if isinstance(seed, np.random.Generator) else int(seed))


def as_2d_float(value, name: str) -> np.ndarray:
    arr = np.array(value, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array of shape (N, dim), found shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite numbers, found NaN or infinity")
    return arr



def balanced_counts(n_samples: int, n_clusters: int) -> np.ndarray:
    """Cluster sizes as equal as possible, the remainder going to the first clusters."""
    base, extra = divmod(n_samples, n_clusters)
    return np.array([base + (k < extra) for k in range(n_clusters)], dtype=np.int64)



def rotation(angles: np.ndarray) -> np.ndarray:
    """Counter-clockwise rotation matrices, shape (N, 2, 2), for angles of shape (N,)."""
    c, s = np.cos(angles), np.sin(angles)
    return np.stack([np.stack([c, -s], axis=-1), np.stack([s, c], axis=-1)], axis=-2)



def haar_orthonormal(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """A random matrix with orthonormal columns, shape (rows, cols), Haar distributed.

    The QR factor of a Gaussian matrix is Haar distributed only after fixing the signs so that
    ``R`` has a positive diagonal; without the fix the distribution depends on the LAPACK sign
    convention.
    """
    q, r = np.linalg.qr(rng.standard_normal((rows, cols)))
    signs = np.sign(np.diag(r))
    signs[signs == 0] = 1.0
    return q * signs



def finish(name: str, rng: np.random.Generator, x, z, labels, n_clusters, params) -> Dataset:
    """Shuffle the rows with one permutation shared by x, z and labels, and wrap them."""
    perm = rng.permutation(x.shape[0])
    return Dataset(name=name, x=x[perm], z=z[perm], labels=labels[perm],
                   n_clusters=n_clusters, params=params)
