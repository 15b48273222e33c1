"""The objects of the model ``x = f(z) + eps``: the Gaussian-mixture prior, the ReLU decoder
and the latent-variable model that joins them (paper 003, model (3)).

The objects are immutable value types: their arrays are validated once, copied and marked
read-only, so derived quantities (the exact linear pieces of ``f``, per-piece constants of the
density) can be cached on the instance without ever going stale.
"""

from __future__ import annotations

import numpy as np

from .validation import (
    as_float_array,
    as_generator,
    check_integer,
    check_shape,
    readonly,
)

__all__ = ["GaussianMixture", "ReluNet", "LatentModel", "register_engine"]

#: Tolerance on ``sum(weights) - 1`` before renormalisation (the weights are then divided by
#: their sum, so the stored weights sum to 1 up to rounding).
WEIGHT_SUM_TOL = 1e-12
#: Relative tolerance of the covariance symmetry check, ``|S - S^T| <= tol * max|S|``.
SYMMETRY_RTOL = 1e-12
#: Largest accepted covariance entry: a variance near the float maximum (1.8e308) makes
#: sampling, densities and every product with it overflow.
MAX_COV = 1e300


#: Engines of the higher layers behind the convenience methods of :class:`LatentModel`
#: (``log_pdf``, ``atoms``, ``density_pieces``, ``exact_pieces``, ``polygons``), registered by
#: :mod:`exactid.density` when it is imported (``import exactid`` imports it).  This keeps the
#: dependency one-way: this module imports nothing above it, the engines register here.
ENGINES: dict = {}


def register_engine(name: str, function) -> None:
    """Make ``function`` the engine behind the model method ``name`` (see :data:`ENGINES`)."""
    ENGINES[name] = function


def _engine(name: str):
    try:
        return ENGINES[name]
    except KeyError:
        raise RuntimeError(f"LatentModel.{name}: no engine registered; import exactid (the "
                           "package) before using the model's methods") from None


class GaussianMixture:
    r"""A Gaussian mixture :math:`\sum_j \lambda_j \mathcal N(\mu_j, \Sigma_j)` on
    :math:`\mathbb R^m`.

    Parameters
    ----------
    weights : array_like, shape (J,)
        Mixing weights :math:`\lambda_j \ge 0`, not all zero, summing to 1 within
        ``WEIGHT_SUM_TOL`` (they are then renormalised).  Zero weights are allowed: a
        component with weight 0 contributes nothing (the J.3.1 study relies on this).
    means : array_like, shape (J, m) or (J,)
        Component means; shape ``(J,)`` means ``m = 1``.
    covs : array_like, shape (J, m, m) or (J,)
        Component covariances, symmetric positive definite; for ``m = 1`` a shape ``(J,)``
        array of variances is also accepted.

    Raises
    ------
    ValueError
        On any invalid argument; the message names the argument, what was expected and what
        was found.

    Examples
    --------
    >>> P = GaussianMixture([0.5, 0.5], [-2.0, 2.0], [1.0, 1.0])
    >>> P.n_components, P.dim
    (2, 1)
    """

    def __init__(self, weights, means, covs):
        w = as_float_array(weights, "weights", 1)
        if w.size == 0:
            raise ValueError("weights: expected at least one component, found an empty array")
        if (w < 0).any():
            j = int(np.argmax(w < 0))
            raise ValueError(f"weights: expected non-negative weights, found weights[{j}] = {w[j]}")
        total = float(w.sum())
        if total == 0.0:
            raise ValueError("weights: expected at least one positive weight, found all zero")
        if abs(total - 1.0) > WEIGHT_SUM_TOL:
            raise ValueError(
                f"weights: expected weights summing to 1 (within {WEIGHT_SUM_TOL:g}), "
                f"found sum {total!r}"
            )
        n_comp = w.size
        # Renormalise, except when the sum is already 1 up to the rounding of the sum itself:
        # then dividing would only perturb the last bits, and rebuilding a mixture from its own
        # stored weights must give back the same weights.
        if abs(total - 1.0) > 4 * n_comp * np.finfo(float).eps:
            w = w / total

        mu = as_float_array(means, "means", (1, 2))
        if mu.ndim == 1:
            mu = mu[:, None]
        if mu.shape[0] != n_comp:
            raise ValueError(
                f"means: expected {n_comp} rows (one per weight), found shape {mu.shape}"
            )
        dim = mu.shape[1]
        if dim == 0:
            raise ValueError("means: expected dimension m >= 1, found m = 0")

        cov = as_float_array(covs, "covs", (1, 3))
        if cov.ndim == 1:
            if dim != 1:
                raise ValueError(
                    f"covs: a 1-D array of variances is only accepted for m = 1, found m = {dim} "
                    "from means; give covariances of shape (J, m, m)"
                )
            cov = cov[:, None, None]
        check_shape(cov, "covs", (n_comp, dim, dim), f"(J, m, m) with J = {n_comp}, m = {dim}")
        chol = np.empty_like(cov)
        for j in range(n_comp):
            scale = np.max(np.abs(cov[j]))
            if scale > MAX_COV:
                raise ValueError(
                    f"covs: expected entries of magnitude <= {MAX_COV:g} (so that the "
                    f"standard deviations and their products stay finite), found "
                    f"{scale:.6g} in covs[{j}]")
            if np.max(np.abs(cov[j] - cov[j].T)) > SYMMETRY_RTOL * scale:
                raise ValueError(
                    f"covs: expected symmetric matrices, found covs[{j}] not symmetric")
            # Symmetrise first, so the stored matrix and its Cholesky factor agree exactly
            # (halves first: a + a^T overflows for entries near the float maximum).
            cov[j] = 0.5 * cov[j] + 0.5 * cov[j].T
            try:
                chol[j] = np.linalg.cholesky(cov[j])
            except np.linalg.LinAlgError:
                eig = np.linalg.eigvalsh(cov[j]).min()
                raise ValueError(
                    f"covs: expected positive definite matrices, found covs[{j}] with smallest "
                    f"eigenvalue {eig:.6g}"
                ) from None

        self._weights = readonly(w)
        self._means = readonly(mu)
        self._covs = readonly(cov)
        self._chol = readonly(chol)

    # -- parameters ---------------------------------------------------------------------
    @property
    def weights(self) -> np.ndarray:
        """Mixing weights, shape (J,), summing to 1."""
        return self._weights

    @property
    def means(self) -> np.ndarray:
        """Component means, shape (J, m)."""
        return self._means

    @property
    def covs(self) -> np.ndarray:
        """Component covariances, shape (J, m, m)."""
        return self._covs

    @property
    def n_components(self) -> int:
        """Number of components J (including zero-weight ones)."""
        return self._weights.size

    @property
    def dim(self) -> int:
        """Dimension m of the latent space."""
        return self._means.shape[1]

    @property
    def variances(self) -> np.ndarray:
        """Component variances, shape (J,); only for ``m = 1``."""
        if self.dim != 1:
            raise ValueError(f"variances: defined only for m = 1, this mixture has m = {self.dim}")
        return self._covs[:, 0, 0]

    # -- distribution -------------------------------------------------------------------
    def sample(self, n: int, seed=None, *, return_labels: bool = False):
        """Draw ``n`` samples.

        Parameters
        ----------
        n : int
            Number of samples, ``n >= 0``.
        seed : int, None or numpy.random.Generator
            Source of randomness.
        return_labels : bool
            Also return the component index of every sample.

        Returns
        -------
        z : ndarray, shape (n, m)
        labels : ndarray of int, shape (n,)
            Only if ``return_labels``.
        """
        n = _check_count(n, "n")
        rng = as_generator(seed)
        labels = rng.choice(self.n_components, size=n, p=self._weights)
        noise = rng.standard_normal((n, self.dim))
        z = self._means[labels] + np.einsum("nij,nj->ni", self._chol[labels], noise)
        return (z, labels) if return_labels else z

    def log_pdf(self, z) -> np.ndarray:
        """Log density at ``z``.

        Parameters
        ----------
        z : array_like, shape (N, m), or (N,) when m = 1

        Returns
        -------
        ndarray, shape (N,)
        """
        z = as_float_array(z, "z", (1, 2))
        if z.ndim == 1:
            if self.dim != 1:
                raise ValueError(f"z: expected shape (N, {self.dim}), found {z.shape}")
            z = z[:, None]
        if z.shape[1] != self.dim:
            raise ValueError(f"z: expected shape (N, {self.dim}), found {z.shape}")
        terms = np.empty((z.shape[0], self.n_components))
        for j in range(self.n_components):
            diff = np.linalg.solve(self._chol[j], (z - self._means[j]).T)
            logdet = 2.0 * np.log(np.diag(self._chol[j])).sum()
            with np.errstate(divide="ignore"):
                logw = np.log(self._weights[j])
            terms[:, j] = logw - 0.5 * (
                (diff**2).sum(axis=0) + logdet + self.dim * np.log(2 * np.pi)
            )
        top = terms.max(axis=1, keepdims=True)
        return top[:, 0] + np.log(np.exp(terms - top).sum(axis=1))

    def __repr__(self) -> str:
        return (
            f"GaussianMixture(weights={self._weights.tolist()}, means={self._means.tolist()}, "
            f"covs={self._covs.tolist()})"
        )

    def __eq__(self, other) -> bool:
        if not isinstance(other, GaussianMixture):
            return NotImplemented
        return (
            np.array_equal(self._weights, other._weights)
            and np.array_equal(self._means, other._means)
            and np.array_equal(self._covs, other._covs)
        )

    __hash__ = None  # mutable-looking container of arrays: equality by value, no hashing


class ReluNet:
    """A fully connected ReLU (or leaky-ReLU) network.

    ``f(z) = W_L s(... s(W_2 s(W_1 z + b_1) + b_2) ...) + b_L`` with ``s(t) = max(t, a t)``,
    ``a = negative_slope``: the activation acts between layers, not after the last one.

    Parameters
    ----------
    weights : sequence of array_like, each of shape (out_i, in_i)
        Layer matrices; ``in_{i+1} = out_i``.
    biases : sequence of array_like, each of shape (out_i,)
    negative_slope : float
        ``0`` (default) for ReLU, ``> 0`` for leaky ReLU.

    Examples
    --------
    The absolute value ``|z| = ReLU(z) + ReLU(-z)``:

    >>> absval = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> absval([-2.0, 3.0]).ravel().tolist()
    [2.0, 3.0]
    """

    def __init__(self, weights, biases, negative_slope: float = 0.0):
        if isinstance(weights, np.ndarray) or not hasattr(weights, "__len__"):
            raise ValueError(
                "weights: expected a list of 2-D arrays (one per layer), found "
                f"{type(weights).__name__}"
            )
        if isinstance(biases, np.ndarray) or not hasattr(biases, "__len__"):
            raise ValueError(
                "biases: expected a list of 1-D arrays (one per layer), found "
                f"{type(biases).__name__}"
            )
        if len(weights) == 0:
            raise ValueError("weights: expected at least one layer, found none")
        if len(biases) != len(weights):
            raise ValueError(
                f"biases: expected {len(weights)} arrays (one per layer in weights), "
                f"found {len(biases)}"
            )
        ws, bs = [], []
        for i, (w, b) in enumerate(zip(weights, biases)):
            w = as_float_array(w, f"weights[{i}]", 2)
            b = as_float_array(b, f"biases[{i}]", 1)
            if w.shape[0] == 0 or w.shape[1] == 0:
                raise ValueError(
                    f"weights[{i}]: expected a non-empty matrix, found shape {w.shape}")
            if i > 0 and w.shape[1] != ws[-1].shape[0]:
                raise ValueError(
                    f"weights[{i}]: expected {ws[-1].shape[0]} columns (the outputs of layer "
                    f"{i - 1}), found shape {w.shape}"
                )
            check_shape(b, f"biases[{i}]", (w.shape[0],), f"out_{i} = rows of weights[{i}]")
            ws.append(readonly(w))
            bs.append(readonly(b))
        if isinstance(negative_slope, (bool, np.bool_)):
            raise ValueError(f"negative_slope: expected a number >= 0, found {negative_slope!r}")
        try:
            slope = float(negative_slope)
        except (TypeError, ValueError):
            raise ValueError(
                f"negative_slope: expected a number >= 0, found {negative_slope!r}"
            ) from None
        if not np.isfinite(slope) or slope < 0:
            raise ValueError(f"negative_slope: expected a finite number >= 0, found {slope!r}")
        self._weights = tuple(ws)
        self._biases = tuple(bs)
        self._slope = slope

    @property
    def weights(self) -> tuple[np.ndarray, ...]:
        """Layer matrices, ``weights[i]`` of shape (out_i, in_i)."""
        return self._weights

    @property
    def biases(self) -> tuple[np.ndarray, ...]:
        """Layer biases, ``biases[i]`` of shape (out_i,)."""
        return self._biases

    @property
    def negative_slope(self) -> float:
        """Slope of the activation for negative inputs (0 for ReLU)."""
        return self._slope

    @property
    def input_dim(self) -> int:
        """Dimension m of the input."""
        return self._weights[0].shape[1]

    @property
    def output_dim(self) -> int:
        """Dimension n of the output."""
        return self._weights[-1].shape[0]

    @property
    def n_layers(self) -> int:
        """Number of affine layers (hidden layers + 1)."""
        return len(self._weights)

    def activation(self, t: np.ndarray) -> np.ndarray:
        """The activation ``max(t, a t)`` applied elementwise."""
        return np.where(t > 0, t, self._slope * t)

    def __call__(self, z) -> np.ndarray:
        """Evaluate the network.

        Parameters
        ----------
        z : array_like, shape (N, m), or (N,) when m = 1

        Returns
        -------
        ndarray, shape (N, n)
        """
        z = as_float_array(z, "z", (1, 2))
        if z.ndim == 1:
            if self.input_dim != 1:
                raise ValueError(f"z: expected shape (N, {self.input_dim}), found {z.shape}")
            z = z[:, None]
        if z.shape[1] != self.input_dim:
            raise ValueError(f"z: expected shape (N, {self.input_dim}), found {z.shape}")
        h = z
        last = self.n_layers - 1
        for i, (w, b) in enumerate(zip(self._weights, self._biases)):
            h = h @ w.T + b
            if i < last:
                h = self.activation(h)
        return h

    def __repr__(self) -> str:
        widths = [self.input_dim] + [w.shape[0] for w in self._weights]
        kind = "relu" if self._slope == 0 else f"leaky_relu({self._slope:g})"
        return f"ReluNet({' -> '.join(map(str, widths))}, {kind})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, ReluNet):
            return NotImplemented
        return (
            self._slope == other._slope
            and len(self._weights) == len(other._weights)
            and all(np.array_equal(a, b) for a, b in zip(self._weights, other._weights))
            and all(np.array_equal(a, b) for a, b in zip(self._biases, other._biases))
        )

    __hash__ = None


def _check_count(n, name: str) -> int:
    return check_integer(n, name, 0, "a non-negative integer")


class LatentModel:
    r"""The generative model :math:`x = f(z) + \varepsilon`, :math:`z \sim P`,
    :math:`\varepsilon \sim \mathcal N(0, \sigma^2 I_n)` (paper 003, model (3)).

    Parameters
    ----------
    prior : GaussianMixture
        The latent distribution P on :math:`\mathbb R^m`.
    net : ReluNet
        The decoder f: :math:`\mathbb R^m \to \mathbb R^n`.
    noise_std : float
        :math:`\sigma \ge 0`.  With :math:`\sigma = 0` the distribution of x is the
        pushforward :math:`f_\# P`, which may have atoms (see :meth:`atoms`).

    Notes
    -----
    The exact density (:meth:`log_pdf`, :meth:`pdf`) is available for ``m = n = 1``; its
    error bound is documented in :mod:`exactid.density`.
    """

    def __init__(self, prior: GaussianMixture, net: ReluNet, noise_std: float):
        if not isinstance(prior, GaussianMixture):
            raise ValueError(f"prior: expected a GaussianMixture, found {type(prior).__name__}")
        if not isinstance(net, ReluNet):
            raise ValueError(f"net: expected a ReluNet, found {type(net).__name__}")
        if prior.dim != net.input_dim:
            raise ValueError(
                f"net: expected input dimension {prior.dim} (the prior's dimension m), "
                f"found {net.input_dim}"
            )
        if isinstance(noise_std, (bool, np.bool_)):
            raise ValueError(f"noise_std: expected a number >= 0, found {noise_std!r}")
        try:
            sigma = float(noise_std)
        except (TypeError, ValueError):
            raise ValueError(f"noise_std: expected a number >= 0, found {noise_std!r}") from None
        if not np.isfinite(sigma) or sigma < 0:
            raise ValueError(f"noise_std: expected a finite number >= 0, found {sigma!r}")
        self._prior = prior
        self._net = net
        self._sigma = sigma
        # Derived quantities computed by other modules (e.g. the density's per-term
        # constants); valid for the object's lifetime because the model is immutable.
        self._derived: dict = {}

    def derived(self, key: str, compute):
        """Return ``compute(self)``, computed once per model and key (internal cache)."""
        if key not in self._derived:
            self._derived[key] = compute(self)
        return self._derived[key]

    @property
    def prior(self) -> GaussianMixture:
        """The latent Gaussian mixture P."""
        return self._prior

    @property
    def net(self) -> ReluNet:
        """The decoder f."""
        return self._net

    @property
    def noise_std(self) -> float:
        """The noise standard deviation sigma."""
        return self._sigma

    @property
    def latent_dim(self) -> int:
        """m."""
        return self._prior.dim

    @property
    def observed_dim(self) -> int:
        """n."""
        return self._net.output_dim

    def sample(self, n: int, seed=None):
        """Draw ``n`` observations and their latents.

        Parameters
        ----------
        n : int
        seed : int, None or numpy.random.Generator

        Returns
        -------
        x : ndarray, shape (n, n_obs)
        z : ndarray, shape (n, m)
        """
        n = _check_count(n, "n")
        rng = as_generator(seed)
        z = self._prior.sample(n, rng)
        x = self._net(z) + self._sigma * rng.standard_normal((n, self.observed_dim))
        if not np.isfinite(x).all():
            raise ValueError("net: the network's output overflows the float range at sampled "
                             "latents (weights too large for this prior); no sample returned")
        return x, z

    # Convenience methods delegating to the engines of the layers above (registered by them,
    # see ENGINES); the model itself stays a plain value type at the bottom of the layers.
    @property
    def pieces(self):
        """Linear pieces of the decoder used by the density (``m = 1`` only), computed once:
        :attr:`exact_pieces` rounded once to float (see
        :func:`exactid.regions.density_pieces`)."""
        return self.derived("pieces", lambda model: model.exact_pieces.as_float())

    @property
    def exact_pieces(self):
        """The decoder's linear pieces in exact rational arithmetic (``m = 1`` only), computed
        once; see :func:`exactid.regions.pieces_1d`."""
        return self.derived("exact_pieces", lambda model: _engine("exact_pieces")(model.net))

    @property
    def polygons(self):
        """The decoder's cells as exact polygons with their affine maps (``m = 2`` only),
        computed once; see :func:`exactid.regions.polygons_2d`."""
        return self.derived("polygons", lambda model: _engine("polygons")(model.net))

    def log_pdf(self, x) -> np.ndarray:
        """Exact log density of x; see :func:`exactid.density.log_pdf`."""
        return _engine("log_pdf")(self, x)

    def pdf(self, x) -> np.ndarray:
        """Exact density of x; ``exp(log_pdf(x))``."""
        return np.exp(self.log_pdf(x))

    def atoms(self):
        """Atoms of the distribution of x; see :func:`exactid.density.atoms`."""
        return _engine("atoms")(self)

    def __repr__(self) -> str:
        return f"LatentModel(prior={self._prior!r}, net={self._net!r}, noise_std={self._sigma!r})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, LatentModel):
            return NotImplemented
        return (
            self._prior == other._prior and self._net == other._net and self._sigma == other._sigma
        )

    __hash__ = None
