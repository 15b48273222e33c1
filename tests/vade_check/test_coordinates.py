"""The E.1 alignment of two runs (vade_check.coordinates): sanity cases in the style of
disentanglement_lib (identity -> 1, a permuted, rescaled and sign-flipped copy -> 1, independent
noise -> about 0), the case it exists for (two affine images of the same (P2) latents -> 1,
where the strong MCC is far from 1), and NaN with a note for a prior without E.1 coordinates.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from exactid import GaussianMixture
from vade_check.coordinates import E1MCC, e1_coordinates, e1_mcc
from vade_check.metrics import strong_mcc

#: A (P2) prior on R^2: ratios of components 0 and 1 are 1/2 and 4 (well apart).
Z_PRIOR = GaussianMixture([0.3, 0.3, 0.4], [[-2.0, 0.0], [2.0, 1.0], [0.0, -2.0]],
                          [np.diag([0.5, 2.0]), np.diag([1.0, 0.5]), np.diag([0.3, 0.3])])
A1 = np.array([[1.0, 0.8], [-0.5, 1.2]])
A2 = np.array([[2.0, -1.0], [1.0, 1.5]])


def push(prior, a, b):
    covs = np.einsum("ij,kjl,ml->kim", a, prior.covs, a)
    return GaussianMixture(prior.weights, prior.means @ a.T + b,
                           0.5 * covs + 0.5 * covs.transpose(0, 2, 1))


@pytest.fixture(scope="module")
def latents():
    return Z_PRIOR.sample(2000, seed=11)


def test_identity_gives_one(latents):
    y = latents @ A1.T + 1.0
    prior = push(Z_PRIOR, A1, np.ones(2))
    for method in ("pearson", "spearman"):
        r = e1_mcc(y, prior, y, prior, method=method)
        assert r.note == "" and r.value == pytest.approx(1.0, abs=1e-12)


def test_permuted_rescaled_sign_flipped_copy_gives_one(latents):
    y = latents @ A1.T
    ps = np.array([[0.0, -3.0], [0.25, 0.0]])  # swap, scale by -3 and 1/4
    r = e1_mcc(y, push(Z_PRIOR, A1, np.zeros(2)), y @ ps.T + 5.0,
               push(Z_PRIOR, ps @ A1, np.full(2, 5.0)))
    assert r.value == pytest.approx(1.0, abs=1e-12)


def test_two_affine_images_of_the_same_latents_give_one(latents):
    """What the alignment is for: the priors' covariances identify the latents up to
    permutation and scaling, which the strong MCC then ignores."""
    y1, y2 = latents @ A1.T + 1.0, latents @ A2.T - 2.0
    p1, p2 = push(Z_PRIOR, A1, np.ones(2)), push(Z_PRIOR, A2, np.full(2, -2.0))
    r = e1_mcc(y1, p1, y2, p2)
    assert r.value == pytest.approx(1.0, abs=1e-9)
    assert strong_mcc(y1, y2) < 0.85  # without the alignment the runs look different
    # The aligned latents are the true ones up to a permutation and a scaling.
    w = e1_coordinates(y1, p1)
    corr = np.abs(np.corrcoef(w.T, latents.T)[:2, 2:])
    np.testing.assert_allclose(np.sort(corr.max(axis=1)), 1.0, atol=1e-9)


def test_independent_noise_gives_about_zero(latents):
    other = Z_PRIOR.sample(2000, seed=12)  # independent of latents
    p1 = push(Z_PRIOR, A1, np.zeros(2))
    r = e1_mcc(latents @ A1.T, p1, other @ A2.T, push(Z_PRIOR, A2, np.zeros(2)))
    # Out of sample on 1000 rows: |correlation| of independent columns ~ 1/sqrt(1000) = 0.03.
    assert 0.0 <= r.value < 0.1


def test_diagonal_priors_give_the_strong_mcc(latents):
    """VaDE's priors are diagonal: A' is then a scaled permutation, which the MCC ignores."""
    other = latents @ np.array([[1.0, 0.3], [0.0, 1.0]]).T + 0.1 * Z_PRIOR.sample(2000, seed=3)
    prior2 = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]],
                             [np.diag([1.0, 3.0]), np.diag([2.0, 1.0])])
    for seed in (0, 1):
        r = e1_mcc(latents, Z_PRIOR, other, prior2, seed=seed)
        assert r.value == pytest.approx(strong_mcc(latents, other, seed=seed), abs=1e-12)


def test_prior_without_e1_coordinates_gives_nan_and_a_note(latents):
    scalar = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [1.0, 0.0]], [np.eye(2), 2 * np.eye(2)])
    r = e1_mcc(latents, Z_PRIOR, latents, scalar)
    assert isinstance(r, E1MCC) and math.isnan(r.value)
    assert r.note.startswith("prior2: prior: expected a pair of components whose generalised "
                             "eigenvalues are distinct")
    both = e1_mcc(latents, scalar, latents, scalar)
    assert math.isnan(both.value) and both.note.count("prior: expected a pair") == 2
    with pytest.raises(ValueError, match="prior: expected a pair of components"):
        e1_coordinates(latents, scalar)


@pytest.mark.parametrize("call, match", [
    (lambda z: e1_mcc(z, Z_PRIOR, z[:, :1], Z_PRIOR),
     r"z2: expected an array of shape \(N, 2\) \(m = 2 from prior2\), found shape \(20, 1\)"),
    (lambda z: e1_mcc(z, "prior", z, Z_PRIOR),
     r"prior1: expected an exactid.GaussianMixture, found str"),
    (lambda z: e1_mcc(z, Z_PRIOR, z, Z_PRIOR, tol=0.0), r"tol: expected a number in \(0, 1\)"),
    (lambda z: e1_mcc(z, Z_PRIOR, z[:10], Z_PRIOR), r"z2: expected .* N = 20 rows like z1"),
    (lambda z: e1_coordinates(np.full((3, 2), np.nan), Z_PRIOR), r"z: expected finite"),
])
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call(Z_PRIOR.sample(20, seed=0))
