"""Named parameters, moves and grids of 2-D models (exactid.search.family_2d)."""

import numpy as np
import pytest

from exactid import GaussianMixture, LatentModel, ReluNet, log_pdf
from exactid.identifiability import affine_reparametrize
from exactid.search.family_2d import MAX_GRID_POINTS, Grid2D, apply_point, model_parameters

PRIOR = GaussianMixture([0.25, 0.75], [[0.0, 1.0], [-1.0, 0.5]],
                        [[[0.5, 0.125], [0.125, 0.25]], np.diag([1.0, 0.5])])
NET = ReluNet([[[1.0, -0.5], [0.5, 1.0], [-1.0, 0.25]], [[1.0, 0.5, -1.0], [0.0, 1.0, 0.5]]],
              [[0.0, 0.5, -0.5], [0.25, 0.0]], 0.25)
MODEL = LatentModel(PRIOR, NET, 0.3)


def test_parameters_name_every_scalar_once():
    params = model_parameters(MODEL)
    # 1 free weight, 4 mean entries, 2 x 3 covariance entries, 3x2 + 3 + 2x3 + 2 net entries.
    assert len(params) == 1 + 4 + 6 + 17
    assert params["lambda1"] == 0.25 and params["mu2[1]"] == 0.5
    assert params["cov1"] == 0.125 and params["var2[0]"] == 1.0
    assert params["W2[1,2]"] == 0.5 and params["b1[2]"] == -0.5


def test_setting_every_parameter_to_its_value_gives_the_same_model():
    assert apply_point(MODEL, model_parameters(MODEL)) == MODEL


@pytest.mark.parametrize("name, value, check", [
    ("mu1[1]", 2.0, lambda m: m.prior.means[0, 1] == 2.0),
    ("var1[0]", 0.75, lambda m: m.prior.covs[0, 0, 0] == 0.75),
    ("cov2", -0.25, lambda m: m.prior.covs[1, 0, 1] == m.prior.covs[1, 1, 0] == -0.25),
    ("lambda1", 0.5, lambda m: m.prior.weights.tolist() == [0.5, 0.5]),
    ("W1[2,1]", 3.0, lambda m: m.net.weights[0][2, 1] == 3.0),
    ("b2[0]", -1.0, lambda m: m.net.biases[1][0] == -1.0),
])
def test_one_parameter_changes_only_that_entry(name, value, check):
    new = apply_point(MODEL, {name: value})
    assert check(new)
    before, after = model_parameters(MODEL), model_parameters(new)
    changed = {k for k in before if before[k] != after[k]}
    assert changed <= {name, "lambda1"}


@pytest.mark.parametrize("point, matrix", [
    ({"rotate": 90.0}, [[0.0, -1.0], [1.0, 0.0]]),
    ({"rotate": 30.0}, [[np.cos(np.pi / 6), -np.sin(np.pi / 6)],
                        [np.sin(np.pi / 6), np.cos(np.pi / 6)]]),
    ({"scale2": -2.0}, [[1.0, 0.0], [0.0, -2.0]]),
])
def test_moves_are_remark_37_reparametrisations(point, matrix):
    moved = apply_point(MODEL, point)
    expected = affine_reparametrize(MODEL, np.array(matrix), np.zeros(2))
    np.testing.assert_allclose(moved.prior.covs, expected.prior.covs, rtol=0, atol=1e-15)
    x = MODEL.sample(50, seed=1)[0]
    # Same law of x (Remark 3.7): the exact densities agree to the engine's accuracy.
    np.testing.assert_allclose(log_pdf(moved, x), log_pdf(MODEL, x), rtol=0, atol=1e-11)


def test_quarter_turns_are_exact_signed_permutations():
    moved = apply_point(MODEL, {"rotate": 270.0})
    np.testing.assert_array_equal(moved.prior.means, PRIOR.means @ np.array([[0, 1], [-1, 0]]).T)


@pytest.mark.parametrize("point, match", [
    ({"mu3[0]": 1.0}, "2 components"),
    ({"W3[0,0]": 1.0}, "out of range"),
    ({"W1[3,0]": 1.0}, "out of range"),
    ({"nu1": 1.0}, "expected lambda"),
    ({"var1[0]": -1.0}, "positive definite"),
    ({"cov1": 2.0}, "positive definite"),
    ({"lambda1": 1.5}, "lambda1: expected a mixture weight in"),
    ({"scale1": 0.0}, "nonzero"),
])
def test_bad_points_name_the_problem(point, match):
    with pytest.raises(ValueError, match=match):
        apply_point(MODEL, point)


def test_grid_enumerates_the_product_and_is_bounded():
    grid = Grid2D(MODEL, (("mu1[0]", (0.0, 1.0, 2.0)), ("rotate", (0.0, 45.0))))
    points = list(grid.points())
    assert grid.size == len(points) == 6
    assert points[1] == {"mu1[0]": 0.0, "rotate": 45.0}
    with pytest.raises(ValueError, match="MAX_GRID_POINTS"):
        Grid2D(MODEL, tuple((f"W1[{i},{k}]", tuple(range(10))) for i in range(3)
                            for k in range(2)))
    assert 10**6 > MAX_GRID_POINTS
    with pytest.raises(ValueError, match="distinct"):
        Grid2D(MODEL, (("rotate", (0.0,)), ("rotate", (1.0,))))
    with pytest.raises(ValueError, match="latent dimension"):
        model_parameters(LatentModel(GaussianMixture([1.0], [0.0], [1.0]),
                                     ReluNet([[[1.0]]], [[0.0]]), 0.1))
