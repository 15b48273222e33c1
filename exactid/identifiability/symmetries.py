r"""The model's parameter symmetries, as functions that build the equivalent model.

Permuting mixture components or hidden units, rescaling a hidden unit by ``t > 0`` (and its
outgoing weights by ``1 / t``, exact for ReLU's positive homogeneity), and reparametrising the
latent by an invertible affine map (paper 003, Remark 3.7): each returns a new model that
generates the same law of x, which the tests and the search use as ground truth.
"""

from __future__ import annotations

import numpy as np

from ..models import GaussianMixture, LatentModel, ReluNet
from ..validation import as_float_array, check_instance
from .checks import check_hidden_layer, check_index, check_perm, check_real

__all__ = ["permute_components", "permute_hidden_units", "rescale_hidden_unit",
           "affine_reparametrize"]



def _with_layers(net: ReluNet, changes: dict) -> ReluNet:
    """Copy of ``net`` with ``changes = {index: (weight, bias)}`` replacing layers."""
    ws, bs = list(net.weights), list(net.biases)
    for i, (w, b) in changes.items():
        ws[i], bs[i] = w, b
    return ReluNet(ws, bs, negative_slope=net.negative_slope)



def permute_components(prior: GaussianMixture, perm) -> GaussianMixture:
    """Reorder the mixture components: component ``i`` of the result is ``perm[i]`` of prior.

    Parameters
    ----------
    prior : GaussianMixture
        J components, any dimension m.
    perm : array_like of int, shape (J,)
        A permutation of ``0..J-1``.

    Returns
    -------
    GaussianMixture
        The same distribution; ``prior`` is unchanged.
    """
    check_instance(prior, "prior", GaussianMixture)
    p = check_perm(perm, prior.n_components)
    return GaussianMixture(prior.weights[p], prior.means[p], prior.covs[p])



def permute_hidden_units(net: ReluNet, perm, layer: int = 0) -> ReluNet:
    """Reorder the units of a hidden layer: unit ``i`` of the result is unit ``perm[i]``.

    Permutes the rows of ``weights[layer]`` and ``biases[layer]`` and the columns of
    ``weights[layer + 1]``.

    Parameters
    ----------
    net : ReluNet
    perm : array_like of int, shape (width,)
        A permutation of ``0..width-1``, ``width = weights[layer].shape[0]``.
    layer : int
        Index of a hidden layer, ``0 <= layer < net.n_layers - 1``.

    Returns
    -------
    ReluNet
        The same function; ``net`` is unchanged.
    """
    check_instance(net, "net", ReluNet)
    layer = check_hidden_layer(net, layer)
    p = check_perm(perm, net.weights[layer].shape[0])
    return _with_layers(net, {
        layer: (net.weights[layer][p], net.biases[layer][p]),
        layer + 1: (net.weights[layer + 1][:, p], net.biases[layer + 1]),
    })



def rescale_hidden_unit(net: ReluNet, unit: int, t: float, layer: int = 0) -> ReluNet:
    r"""Scale a hidden unit's input by ``t > 0`` and its output by ``1 / t``.

    Valid because the activation is positively homogeneous (ReLU and leaky ReLU):
    :math:`a\,\sigma(b z + c) = (a / t)\,\sigma(t b z + t c)` for :math:`t > 0`.

    Parameters
    ----------
    net : ReluNet
    unit : int
        Unit index in ``0..width-1`` of the hidden layer.
    t : float
        Scale factor, ``t > 0``.
    layer : int
        Index of a hidden layer, ``0 <= layer < net.n_layers - 1``.

    Returns
    -------
    ReluNet
        The same function (up to rounding of the rescaled weights); ``net`` is unchanged.
    """
    check_instance(net, "net", ReluNet)
    layer = check_hidden_layer(net, layer)
    unit = check_index(unit, "unit", net.weights[layer].shape[0], "unit index")
    t = check_real(t, "t", positive=True)
    w_in, b_in = net.weights[layer].copy(), net.biases[layer].copy()
    w_out = net.weights[layer + 1].copy()
    w_in[unit] *= t
    b_in[unit] *= t
    w_out[:, unit] /= t
    return _with_layers(net, {layer: (w_in, b_in), layer + 1: (w_out, net.biases[layer + 1])})



def affine_reparametrize(model: LatentModel, scale, shift) -> LatentModel:
    r"""The model :math:`(f \circ h^{-1}, h_\# P)` with :math:`h(z) = M z + u` (Remark 3.7).

    The prior gets means :math:`M \mu_j + u`, covariances :math:`M \Sigma_j M^T` and the same
    weights; :math:`h^{-1}(z) = M^{-1}(z - u)` is folded into the first layer,
    :math:`W_1 \to W_1 M^{-1}`, :math:`b_1 \to b_1 - W_1 M^{-1} u`.  The noise is unchanged.

    Parameters
    ----------
    model : LatentModel
    scale : float or array_like, shape (m, m)
        :math:`M`, invertible: a nonzero number for ``m = 1`` (negative values reflect z), a
        matrix for any m.
    shift : float or array_like, shape (m,)
        :math:`u`.

    Returns
    -------
    LatentModel
        A model with the same law of x; ``model`` is unchanged.  The new weights are rounded
        to float once (exact when :math:`M^{-1}` and the products are representable, e.g.
        dyadic entries).
    """
    check_instance(model, "model", LatentModel)
    m = model.latent_dim
    prior, net = model.prior, model.net
    w0, b0 = net.weights[0], net.biases[0]
    if m == 1 and np.ndim(scale) == 0 and np.ndim(shift) == 0:
        s = check_real(scale, "scale", nonzero=True)
        u = check_real(shift, "shift")
        new_prior = GaussianMixture(prior.weights, s * prior.means + u, s * s * prior.covs)
        new_net = _with_layers(net, {0: (w0 / s, b0 - w0[:, 0] * u / s)})
        return LatentModel(new_prior, new_net, model.noise_std)
    if np.ndim(scale) == 0:
        raise ValueError(f"scale: expected an invertible ({m}, {m}) matrix (m = {m}), found a "
                         f"number ({scale!r})")
    matrix = as_float_array(scale, "scale", 2)
    u = as_float_array(shift, "shift", 1)
    if matrix.shape != (m, m):
        raise ValueError(f"scale: expected an invertible ({m}, {m}) matrix (m = {m}), found "
                         f"shape {matrix.shape}")
    if u.shape != (m,):
        raise ValueError(f"shift: expected shape ({m},), found {u.shape}")
    if np.linalg.matrix_rank(matrix) < m:
        raise ValueError(f"scale: expected an invertible matrix, found {matrix.tolist()}")
    inverse = np.linalg.inv(matrix)
    new_prior = GaussianMixture(prior.weights, prior.means @ matrix.T + u,
                                matrix @ prior.covs @ matrix.T)
    new_net = _with_layers(net, {0: (w0 @ inverse, b0 - w0 @ (inverse @ u))})
    return LatentModel(new_prior, new_net, model.noise_std)
