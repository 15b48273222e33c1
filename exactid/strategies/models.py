r"""Strategies for whole models :math:`x = f(z) + \varepsilon` and affine maps of the latents.

:func:`latent_models` combines a prior strategy, a net strategy and a noise level;
:func:`affine_maps` draws invertible maps :math:`h(z) = M z + u` to pass to
:func:`exactid.affine_reparametrize` (Remark 3.7).  With ``dyadic=True`` (default)
:math:`M = P D L` (a permutation, a diagonal of signed powers of two, a unit lower-triangular
matrix with dyadic entries), so :math:`M^{-1}` is dyadic too and, for small entries, the
reparametrised model's parameters are exact floats: exact comparisons of the two laws then see
exactly the model the theory talks about, not a rounded neighbour.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..models import LatentModel
from .arguments import dimension
from .nets import relu_nets
from .priors import gaussian_mixtures
from .values import nonzero_fractions, positive_fractions, simple_fractions

__all__ = ["latent_models", "affine_maps"]


def latent_models(dim: int = 1, output_dim: int | None = None, *, priors=None, nets=None,
                  noise=None) -> st.SearchStrategy:
    """Models ``(prior, net, noise_std)`` (:class:`exactid.LatentModel`).

    Parameters
    ----------
    dim : int
        Latent dimension m.
    output_dim : int, optional
        Observed dimension n (default m); ignored when ``nets`` is given.
    priors : SearchStrategy of GaussianMixture, optional
        Default :func:`~exactid.strategies.gaussian_mixtures` ``(dim)``.
    nets : SearchStrategy of ReluNet, optional
        Default :func:`~exactid.strategies.relu_nets` ``(dim, output_dim)``; any of the class
        strategies (e.g. :func:`~exactid.strategies.injective_nets`) fits here.
    noise : SearchStrategy of float, optional
        The noise standard deviation, >= 0 (default fractions in ``[1/4, 2]``;
        ``st.just(0.0)`` for the noiseless pushforward).

    Returns
    -------
    SearchStrategy of LatentModel
    """
    m = dimension(dim, "dim")
    n = m if output_dim is None else dimension(output_dim, "output_dim")
    prior_s = gaussian_mixtures(m) if priors is None else priors
    net_s = relu_nets(m, n) if nets is None else nets
    noise_s = positive_fractions(2.0) if noise is None else noise
    return st.builds(LatentModel, prior_s, net_s, noise_s)


def affine_maps(dim: int = 1, *, dyadic: bool = True) -> st.SearchStrategy:
    """Invertible affine maps ``h(z) = M z + u`` of ``R^dim``, as ``(M, u)``.

    Parameters
    ----------
    dim : int
    dyadic : bool
        True: ``M = P D L`` with signed powers of two on the diagonal of D and dyadic L, so
        that ``M^-1`` is dyadic as well (see the module docstring); False: ``M = P L U`` with
        any nonzero simple fractions on the diagonal of U (``M^-1`` may not be exact).

    Returns
    -------
    SearchStrategy of tuple
        ``(M, u)``: floats for ``dim = 1``, else an ndarray of shape (dim, dim) and one of
        shape (dim,); pass them to :func:`exactid.affine_reparametrize` ``(model, M, u)``.
        Shrinks towards the identity.
    """
    m = dimension(dim, "dim")
    powers = st.sampled_from((1.0, 2.0, 0.5, 4.0, 0.25))
    diag = (st.tuples(powers, st.sampled_from((1.0, -1.0))).map(lambda t: t[0] * t[1])
            if dyadic else nonzero_fractions())

    @st.composite
    def maps(draw):
        D = np.diag([draw(diag) for _ in range(m)])
        L = np.eye(m)
        for i in range(m):
            for j in range(i):
                L[i, j] = draw(simple_fractions(1.0))
        U = np.eye(m)
        if not dyadic:
            for i in range(m):
                for j in range(i + 1, m):
                    U[i, j] = draw(simple_fractions(1.0))
        M = (D @ L @ U)[list(draw(st.permutations(range(m))))]
        u = np.array([draw(simple_fractions()) for _ in range(m)], dtype=float)
        if m == 1:
            return float(M[0, 0]), float(u[0])
        return M, u

    return maps()
