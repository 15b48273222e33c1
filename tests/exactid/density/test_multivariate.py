"""The exact density for latent dimension 1 or 2 and any observed dimension n >= m.

One table of models (CASES) drives the generic tests; the identities (separable models,
Remark 3.7, normalisation, the noiseless change of variables) and the bad-input errors follow.

Accuracy targets (exactid.density.multivariate): |log p - ref| <= 1e-11 where ref >= -100 and
<= 1e-8 |ref| beyond, against the 50-digit reference exactid.reference_2d.  The identities hold
to 1e-12 (absolute where log p >= -100, relative beyond): both sides are computed by the same
engine in different coordinates, so they differ by the rounding of the inputs only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid import (
    GaussianMixture,
    LatentModel,
    ReluNet,
    atoms,
    log_pdf,
    log_pdf_numpy,
    sample_nll,
    singular_part,
)
from exactid.errors import UnsupportedModelError
from exactid.identifiability import affine_reparametrize
from exactid.reference_2d import mp_log_pdf_2d_points
from tests.budget import examples, thorough

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import density_2d  # noqa: E402  (the normalisation box and the layer-by-layer inverse)

from ..float_models import models_2d  # noqa: E402

ABS_TOL = 1e-11
REL_TOL_FAR = 1e-8
IDENTITY_TOL = 1e-12


def error_metric(got, ref) -> float:
    """max |error| where ref >= -100, max |error| / |ref| below (-inf must match exactly)."""
    got, ref = np.asarray(got, float), np.asarray(ref, float)
    assert np.array_equal(np.isneginf(got), np.isneginf(ref)), (got, ref)
    keep = np.isfinite(ref)
    assert np.isfinite(got[keep]).all(), got
    err = np.abs(got[keep] - ref[keep])
    return float((err / np.where(ref[keep] >= -100, 1.0, np.abs(ref[keep]))).max(initial=0.0))


def _prior(means, covs, weights=None):
    weights = weights or [1.0 / len(means)] * len(means)
    return GaussianMixture(weights, means, covs)


def _cases():
    full = [[[0.6, 0.25], [0.25, 0.4]], [[0.3, -0.1], [-0.1, 0.8]], [[1.0, 0.0], [0.0, 0.2]]]
    return {
        "relu 2-3-2, J=2": LatentModel(
            _prior([[0.0, 0.5], [1.0, -1.0]], full[:2]),
            ReluNet([[[1.0, 0.5], [-1.0, 1.0], [0.25, -1.0]], [[1.0, -0.5, 0.5], [0.0, 1.0, 1.0]]],
                    [[0.0, 0.5, -0.25], [0.1, -0.2]]), 0.3),
        "leaky 2-4-3-3, J=3": LatentModel(
            _prior([[0.0, 0.5], [1.0, -1.0], [-1.0, 0.0]], full, [0.2, 0.5, 0.3]),
            ReluNet([[[1.0, 0.5], [-1.0, 1.0], [0.25, -1.0], [0.5, 0.5]],
                     [[1.0, -0.5, 0.5, 0.0], [0.0, 1.0, 1.0, -1.0], [0.5, 0.0, -1.0, 1.0]],
                     [[1.0, 0.5, 0.0], [0.0, -1.0, 1.0], [0.25, 0.25, 0.5]]],
                    [[0.0, 0.5, -0.25, 0.0], [0.1, -0.2, 0.0], [0.0, 0.0, 0.5]],
                    negative_slope=0.2), 0.5),
        "small noise 2-2-2, J=1": LatentModel(
            _prior([[0.25, -0.5]], full[:1]),
            ReluNet([[[1.0, 0.0], [0.5, 1.0]], [[1.0, 0.5], [-0.5, 1.0]]],
                    [[0.0, -0.25], [0.0, 0.0]]), 0.05),
        "parallel cuts (strips) 2-3-2, wide noise": LatentModel(
            _prior([[0.0, 0.0], [2.0, 1.0]], full[1:]),
            ReluNet([[[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], [[1.0, -2.0, 0.5], [0.0, 1.0, 1.0]]],
                    [[0.0, -1.0, 0.5], [0.0, 0.0]]), 2.0),
        "m=1 relu 1-3-2, J=2": LatentModel(
            _prior([[-1.0], [1.5]], [[[0.5]], [[0.25]]]),
            ReluNet([[[1.0], [-1.0], [0.5]], [[1.0, 1.0, 0.0], [0.0, -1.0, 2.0]]],
                    [[0.0, 0.5, -1.0], [0.0, 0.25]]), 0.2),
        "m=1 leaky 1-2-3, J=1": LatentModel(
            _prior([[0.5]], [[[1.5]]]),
            ReluNet([[[1.0], [-0.5]], [[1.0, 0.5], [0.0, 1.0], [1.0, -1.0]]],
                    [[0.0, 0.25], [0.0, 0.0, 1.0]], negative_slope=0.1), 1.0),
    }


CASES = _cases()


def points(model: LatentModel, seed: int = 0, n: int = 3, far=(40, 100)) -> np.ndarray:
    """``n`` samples of the model, and one point ``k`` noise sds beyond the data per ``k`` in
    ``far`` (in random directions)."""
    rng = np.random.default_rng(seed)
    x, _ = model.sample(n, rng)
    centre = x.mean(axis=0)
    directions = rng.normal(size=(len(far), model.observed_dim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    spread = np.abs(x - centre).max()
    out = [centre + d * (spread + k * model.noise_std) for d, k in zip(directions, far)]
    return np.concatenate([x, np.array(out).reshape(-1, model.observed_dim)])


points.__test__ = False


def assert_accurate(got, ref):
    """The documented bound: 1e-11 absolute where log p >= -100, 1e-8 relative beyond."""
    near = ref >= -100
    assert np.isfinite(got).all()
    assert np.abs(got[near] - ref[near]).max(initial=0.0) <= ABS_TOL
    assert (np.abs(got[~near] - ref[~near]) <= REL_TOL_FAR * np.abs(ref[~near])).all()


@pytest.mark.parametrize("name", list(CASES))
def test_engine_against_50_digit_reference(name):
    model = CASES[name]
    x = points(model)
    ref = mp_log_pdf_2d_points(model, x)
    assert_accurate(log_pdf(model, x), ref)
    assert ref.min() < -100  # the far tail is exercised


@settings(max_examples=examples(4))
@given(models_2d(max_components=4 if thorough() else 2,
                 max_hidden_layers=3 if thorough() else 2, max_width=8 if thorough() else 3))
def test_engine_against_reference_hypothesis(model):
    """Random 2-D models (under the ci profile small ones: the reference takes about a second
    per point and cell; the thorough profile draws J <= 4, depth <= 3, width <= 8)."""
    x = points(model, n=1, far=(40,))
    assert_accurate(log_pdf(model, x), mp_log_pdf_2d_points(model, x, dps=30))


@settings(max_examples=examples(10))
@given(models_2d(), st.integers(0, 2**16))
def test_numpy_path_agrees_hypothesis(model, seed):
    x, _ = model.sample(5, seed=seed)
    assert error_metric(log_pdf_numpy(model, x), log_pdf(model, x)) <= 1e-9


@settings(max_examples=examples(10))
@given(models_2d(), st.sampled_from([((2.0, 1.0), (0.0, -1.0)), ((0.5, 0.0), (0.25, 1.0)),
                                     ((0.0, 1.0), (1.0, 0.0))]))
def test_remark_37_hypothesis(model, matrix):
    """Invariance under affine reparametrisations, near the data and 40 sds out."""
    moved = affine_reparametrize(model, matrix, [0.5, -0.25])
    x = points(model, seed=7, n=3, far=(40,))
    assert error_metric(log_pdf(moved, x), log_pdf(model, x)) <= IDENTITY_TOL


@pytest.mark.parametrize("name", list(CASES))
def test_numpy_path_agrees_near_the_data(name):
    """The NumPy path (Owen's T edge formula, which cancels in the tails) near the data."""
    model = CASES[name]
    x, _ = model.sample(30, seed=1)
    got = log_pdf(model, x)
    assert error_metric(log_pdf_numpy(model, x), got) <= 1e-9


@pytest.mark.parametrize("name", list(CASES))
def test_batches_equal_single_points(name):
    """The parallel kernel (N >= 256) and the serial one give identical values."""
    model = CASES[name]
    x, _ = model.sample(300, seed=2)
    batch = log_pdf(model, x)
    single = np.array([log_pdf(model, xi)[0] for xi in x[:20]])
    assert np.array_equal(batch[:20], single)


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith("m=1")])
def test_remark_37_affine_reparametrisation(name):
    """(h#P, f o h^-1) has the same density for h(z) = M z + u (dyadic M^-1: exact weights)."""
    model = CASES[name]
    moved = affine_reparametrize(model, [[2.0, 1.0], [0.0, -1.0]], [0.5, -0.25])
    x = points(model, seed=3)
    assert error_metric(log_pdf(moved, x), log_pdf(model, x)) <= IDENTITY_TOL


def test_sample_nll_is_the_mean_log_density():
    model = CASES["relu 2-3-2, J=2"]
    x, z = model.sample(50, seed=4)
    assert x.shape == (50, 2) and z.shape == (50, 2)
    assert sample_nll(model, x) == pytest.approx(-log_pdf(model, x).mean(), rel=1e-15)


def test_separable_model_is_the_product_of_1d_densities():
    assert density_2d.separable_check() <= IDENTITY_TOL


def test_density_integrates_to_one():
    model = CASES["relu 2-3-2, J=2"]
    value, bound = density_2d.normalisation_check(model)
    assert value <= bound


def test_output_box_holds_the_samples():
    """The box of the normalisation check is a valid 1 - 1e-14 region: it must at least hold
    every one of 20000 samples."""
    model = CASES["leaky 2-4-3-3, J=3"]
    lo, hi = density_2d.output_box(model, 1e-14)
    x, _ = model.sample(20000, seed=5)
    assert ((x >= lo) & (x <= hi)).all()


# -- noise 0, m = n = 2 -------------------------------------------------------------------------
@st.composite
def invertible_leaky_models(draw):
    """A leaky net of 1-3 invertible 2 x 2 layers (well conditioned) and a 1-3 component prior."""
    depth = draw(st.integers(1, 3))
    slope = draw(st.sampled_from([0.1, 0.25, 0.5]))
    weights, biases = [], []
    for _ in range(depth):
        angle = draw(st.floats(0, 2 * np.pi))
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        scales = draw(st.lists(st.floats(0.5, 2.0), min_size=2, max_size=2))
        weights.append(rot @ np.diag(scales))
        biases.append(draw(st.lists(st.floats(-1, 1), min_size=2, max_size=2)))
    j = draw(st.integers(1, 3))
    means = draw(st.lists(st.lists(st.floats(-2, 2), min_size=2, max_size=2),
                          min_size=j, max_size=j))
    covs = [np.diag(draw(st.lists(st.floats(0.2, 2.0), min_size=2, max_size=2)))
            for _ in range(j)]
    return LatentModel(_prior(means, covs), ReluNet(weights, biases, negative_slope=slope), 0.0)


@settings(max_examples=examples(15))
@given(invertible_leaky_models())
def test_noiseless_invertible_leaky_net_is_the_change_of_variables(model):
    x, _ = model.sample(40, seed=6)
    assert np.abs(log_pdf(model, x) - density_2d.leaky_inverse_log_pdf(model, x)).max() <= 1e-11
    assert singular_part(model).mass == 0.0


def test_noiseless_fold_has_a_singular_part_on_a_line():
    """f(z1, z2) = (relu(z1), z2), z ~ N(mu, diag(s^2)): the half z1 < 0 lands on the line
    x1 = 0 with mass Phi(-mu1 / s1); the rest has density p1(x1) p2(x2) for x1 > 0."""
    from scipy.stats import norm

    mu, sd = np.array([0.5, -0.25]), np.array([1.0, 0.5])
    net = ReluNet([[[1.0, 0.0], [0.0, 1.0], [0.0, -1.0]], [[1.0, 0.0, 0.0], [0.0, 1.0, -1.0]]],
                  [[0.0, 0.0, 0.0], [0.0, 0.0]])
    model = LatentModel(_prior([mu], [np.diag(sd**2)]), net, 0.0)
    part = singular_part(model)
    assert part.mass == pytest.approx(norm.cdf(-mu[0] / sd[0]), rel=1e-14)
    # The half-plane z1 < 0 is two cells (the net also cuts at z2 = 0): two rays of the line
    # x1 = 0, each carrying its quadrant's mass.
    assert len(part.pieces) == 2
    for piece in part.pieces:
        assert piece.rank == 1 and piece.anchor[0] == 0 and piece.direction[0] == 0
        ends = sorted(piece.anchor[1] + piece.direction[1] * np.array([piece.t_min,
                                                                       piece.t_max]))
        side = 1 if ends[1] == np.inf else -1
        assert ends == ([0.0, np.inf] if side == 1 else [-np.inf, 0.0])
        quadrant = norm.cdf(-mu[0] / sd[0]) * norm.cdf(side * mu[1] / sd[1])
        assert piece.mass == pytest.approx(quadrant, rel=1e-14)
    x = np.array([[0.5, 0.0], [2.0, -1.0], [-0.5, 0.0]])
    expected = norm.logpdf(x[:, 0], mu[0], sd[0]) + norm.logpdf(x[:, 1], mu[1], sd[1])
    expected[x[:, 0] < 0] = -np.inf
    assert error_metric(log_pdf(model, x), expected) <= 1e-14


def test_atoms_of_2d_models():
    with pytest.raises(NotImplementedError, match="singular_part"):
        atoms(LatentModel(CASES["relu 2-3-2, J=2"].prior, CASES["relu 2-3-2, J=2"].net, 0.0))
    locations, masses = atoms(CASES["relu 2-3-2, J=2"])
    assert locations.shape == (0, 2) and masses.shape == (0,)


# -- bad input ------------------------------------------------------------------------------
def test_bad_points_are_refused_with_the_argument_named():
    model = CASES["leaky 2-4-3-3, J=3"]
    with pytest.raises(ValueError, match=r"x: expected shape \(N, 3\)"):
        log_pdf(model, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"x: expected one point of 3 coordinates"):
        log_pdf(model, [1.0, 2.0])
    with pytest.raises(ValueError, match="x: .*finite|x: .*NaN|x: .*inf"):
        log_pdf(model, [[0.0, np.nan, 1.0]])
    with pytest.raises(ValueError, match="x: "):
        log_pdf(model, np.zeros((2, 3, 1)))


def test_unsupported_dimensions_are_refused():
    net3 = ReluNet([np.eye(3)], [np.zeros(3)])
    model3 = LatentModel(_prior([[0.0, 0.0, 0.0]], [np.eye(3)]), net3, 0.5)
    with pytest.raises(NotImplementedError, match="m in {1, 2}; this model has m = 3"):
        log_pdf(model3, np.zeros((1, 3)))
    net21 = ReluNet([[[1.0, 1.0]]], [[0.0]])
    model21 = LatentModel(_prior([[0.0, 0.0]], [np.eye(2)]), net21, 0.5)
    with pytest.raises(NotImplementedError, match="n >= m"):
        log_pdf(model21, np.zeros((1, 1)))
    with pytest.raises(NotImplementedError, match="noise_std = 0 with m = n = 2"):
        log_pdf(LatentModel(CASES["leaky 2-4-3-3, J=3"].prior, CASES["leaky 2-4-3-3, J=3"].net,
                            0.0), np.zeros((1, 3)))


def test_scales_outside_the_supported_range_are_refused():
    model = CASES["relu 2-3-2, J=2"]
    tiny = LatentModel(model.prior, model.net, 1e-120)
    with pytest.raises(UnsupportedModelError, match="noise_std"):
        log_pdf(tiny, np.zeros((1, 2)))
    huge = ReluNet([np.full((3, 2), 1e200), np.full((2, 3), 1e200)], [np.zeros(3), np.zeros(2)])
    with pytest.raises(UnsupportedModelError, match="net: "):
        log_pdf(LatentModel(model.prior, huge, 0.3), np.zeros((1, 2)))
