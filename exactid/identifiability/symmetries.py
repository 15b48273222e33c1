r"""The model's parameter symmetries, as functions that build the equivalent model.

Permuting mixture components or hidden units, rescaling a hidden unit by ``t > 0`` (and its
outgoing weights by ``1 / t``, exact for ReLU's positive homogeneity), and reparametrising the
latent by an invertible affine map (paper 003, Remark 3.7): each returns a new model that
generates the same law of x, which the tests and the search use as ground truth.
"""

from __future__ import annotations

from ..models import GaussianMixture, LatentModel, ReluNet
from ..validation import check_instance
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



def affine_reparametrize(model: LatentModel, scale: float, shift: float) -> LatentModel:
    r"""The model :math:`(f \circ h^{-1}, h_\# P)` with :math:`h(z) = s z + u` (Remark 3.7).

    The prior gets means :math:`s \mu_j + u`, variances :math:`s^2 v_j` and the same weights;
    :math:`h^{-1}(z) = (z - u) / s` is folded into the first layer,
    :math:`W_1 \to W_1 / s`, :math:`b_1 \to b_1 - W_1 u / s`.  The noise is unchanged.

    Parameters
    ----------
    model : LatentModel
        A model with ``m = 1``.
    scale : float
        :math:`s \ne 0` (negative values reflect z).
    shift : float
        :math:`u`.

    Returns
    -------
    LatentModel
        A model with the same law of x; ``model`` is unchanged.
    """
    check_instance(model, "model", LatentModel)
    if model.latent_dim != 1:
        raise NotImplementedError(
            f"model: affine reparametrisation is implemented for m = 1 only, found "
            f"m = {model.latent_dim}"
        )
    s = check_real(scale, "scale", nonzero=True)
    u = check_real(shift, "shift")
    prior, net = model.prior, model.net
    new_prior = GaussianMixture(prior.weights, s * prior.means + u, s * s * prior.covs)
    w0, b0 = net.weights[0], net.biases[0]
    new_net = _with_layers(net, {0: (w0 / s, b0 - w0[:, 0] * u / s)})
    return LatentModel(new_prior, new_net, model.noise_std)
