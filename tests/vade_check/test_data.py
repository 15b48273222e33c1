"""Tests of vade_check.data: the synthetic data sets and their ground truth.

Statistical checks use a fixed seed and tolerances of 5 standard errors (two-sided probability
~6e-7 per check under the model), so they are deterministic in practice yet would catch a wrong
parameter by a few percent at N = 5000.  Each structural check recomputes x from (z, labels,
params) by an independent route, which also verifies that x, z and labels were shuffled with
the same permutation.
"""

import dataclasses
import json
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import cdist

from vade_check.data import (
    DATASETS,
    Dataset,
    make_dataset,
    mixing_net,
    nonstationary,
    parallelograms,
    pinwheel,
)

N = 5000
# Relative standard error of a sample standard deviation from n Gaussian values is about
# 1 / sqrt(2 n); 5 of them give the tolerance below.
Z_TOL = 5.0


def _rotate(points, angles):
    """Rotate each row of points (N, 2) counter-clockwise by angles (N,)."""
    c, s = np.cos(angles), np.sin(angles)
    return np.stack([c * points[:, 0] - s * points[:, 1], s * points[:, 0] + c * points[:, 1]],
                    axis=1)


def _pinwheel_features(ds):
    """(r, t) of every row: z rotated back by the angle of its arm, taken from labels."""
    angles = 2 * np.pi * ds.labels / ds.n_clusters
    return _rotate(ds.z, -angles)


def _pinwheel_x(ds, labels=None):
    """x recomputed from z and labels: twist the pre-twist point by rate * exp(r), scale."""
    labels = ds.labels if labels is None else labels
    angles = 2 * np.pi * labels / ds.n_clusters
    rt = _rotate(ds.z, -angles)
    return ds.params["scale"] * _rotate(rt, angles + ds.params["rate"] * np.exp(rt[:, 0]))


def _parallelogram_coords(ds, k):
    """(a, b) with z = c_k + a u_k + b v_k for every row, shape (N, 2)."""
    centre = np.array(ds.params["centres"][k])
    edges = np.array(ds.params["edges"][k])  # rows u_k, v_k
    return np.linalg.solve(edges.T, (ds.z - centre).T).T


def _assert_within_se(estimate, truth, se, what):
    assert abs(estimate - truth) <= Z_TOL * se, (
        f"{what}: {estimate:.5g} vs {truth:.5g}, {abs(estimate - truth) / se:.1f} SE apart"
    )


# --------------------------------------------------------------------------------------------
# Container, shapes, determinism
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DATASETS)
def test_shapes_dtypes_and_read_only(name):
    ds = make_dataset(name, n_samples=600)
    n_dim = ds.x.shape[1]
    assert ds.name == name
    assert ds.x.shape == (600, n_dim) and ds.z.shape[0] == 600 and ds.labels.shape == (600,)
    assert ds.x.dtype == np.float64 and ds.z.dtype == np.float64 and ds.labels.dtype == np.int64
    assert set(np.unique(ds.labels)) == set(range(ds.n_clusters))
    for arr in (ds.x, ds.z, ds.labels):
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.x = np.zeros((600, n_dim))
    # params are plain JSON: they survive a round trip unchanged
    assert json.loads(json.dumps(ds.params)) == ds.params
    assert ds.params["n_samples"] == 600 and ds.params["seed"] == 0


def test_paper_settings_m_n_2():
    """Paper 003, J.3.2: 5000 samples, m = n = 2, three clusters (pinwheel, parallelograms)."""
    for name in DATASETS[:4]:
        ds = make_dataset(name)
        assert ds.x.shape == (N, 2) and ds.z.shape == (N, 2) and ds.n_clusters == 3
    tcl = make_dataset("tcl")
    assert tcl.x.shape == (N, 2) and tcl.z.shape == (N, 2) and tcl.n_clusters == 10


def test_dataset_copies_its_inputs_and_validates():
    x = np.zeros((4, 3))
    ds = Dataset("toy", x, np.zeros((4, 2)), [0, 1, 1, 0], 2, {"a": 1})
    x[0, 0] = 7.0
    assert ds.x[0, 0] == 0.0 and ds.labels.dtype == np.int64
    with pytest.raises(ValueError, match=re.escape("labels: expected values in 0..1 "
                                                   "(n_clusters = 2), found range 0..2")):
        Dataset("toy", x, np.zeros((4, 2)), [0, 1, 2, 0], 2)
    with pytest.raises(ValueError, match="labels: expected x, z and labels with the same "
                                         "number of rows, found 4, 3 and 4"):
        Dataset("toy", x, np.zeros((3, 2)), [0, 1, 1, 0], 2)
    with pytest.raises(ValueError, match=r"labels: expected a 1-D array of integers, found "
                                         r"dtype float64"):
        Dataset("toy", x, np.zeros((4, 2)), [0.0, 1.0, 1.0, 0.0], 2)
    with pytest.raises(ValueError, match=re.escape("x: expected a 2-D array of shape (N, dim), "
                                                   "found shape (4,)")):
        Dataset("toy", np.zeros(4), np.zeros((4, 2)), [0, 1, 1, 0], 2)
    with pytest.raises(ValueError, match="z: expected finite numbers"):
        Dataset("toy", x, np.full((4, 2), np.nan), [0, 1, 1, 0], 2)
    with pytest.raises(ValueError, match="n_clusters: expected an integer >= 1, found 0"):
        Dataset("toy", x, np.zeros((4, 2)), [0, 0, 0, 0], 0)
    with pytest.raises(ValueError, match="name: expected a non-empty string, found ''"):
        Dataset("", x, np.zeros((4, 2)), [0, 1, 1, 0], 2)
    with pytest.raises(ValueError, match="params: expected a dict, found list"):
        Dataset("toy", x, np.zeros((4, 2)), [0, 1, 1, 0], 2, [])


@pytest.mark.parametrize("name", DATASETS)
def test_same_seed_same_data_other_seed_other_data(name):
    a = make_dataset(name, n_samples=300, seed=4)
    b = make_dataset(name, n_samples=300, seed=4)
    c = make_dataset(name, n_samples=300, seed=5)
    for field in ("x", "z", "labels"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert a.params == b.params
    assert not np.array_equal(a.x, c.x)
    assert not np.array_equal(a.z, c.z)
    assert not np.array_equal(a.labels, c.labels)  # another row order


@pytest.mark.parametrize("generator", [pinwheel, parallelograms, nonstationary])
def test_generator_seed(generator):
    """A Generator behaves like its int seed, is advanced in place, and is not recorded."""
    from_int = generator(n_samples=200, seed=3)
    rng = np.random.default_rng(3)
    first = generator(n_samples=200, seed=rng)
    second = generator(n_samples=200, seed=rng)
    np.testing.assert_array_equal(first.x, from_int.x)
    assert not np.array_equal(first.x, second.x)
    assert first.params["seed"] is None and from_int.params["seed"] == 3


def test_no_global_random_state():
    np.random.seed(1)
    before = np.random.random(3)
    np.random.seed(1)
    for name in DATASETS:
        make_dataset(name, n_samples=50)
    np.testing.assert_array_equal(np.random.random(3), before)


# --------------------------------------------------------------------------------------------
# Cluster sizes and shuffling
# --------------------------------------------------------------------------------------------


def test_counts_5000_in_3():
    for ds in (pinwheel(), parallelograms(), nonstationary(n_segments=3)):
        assert np.bincount(ds.labels).tolist() == [1667, 1667, 1666]
        assert ds.params["counts"] == [1667, 1667, 1666]


@given(k=st.integers(1, 7), extra=st.integers(0, 60), which=st.sampled_from([0, 1, 2]))
def test_counts_as_equal_as_possible(k, extra, which):
    n = k + extra
    if which == 0:
        ds = pinwheel(n_samples=n, n_arms=k)
    elif which == 1:
        ds = parallelograms(n_samples=n, n_parallelograms=k)
    else:
        ds = nonstationary(n_samples=n, n_segments=k, n_sources=1, n_layers=1)
    counts = np.bincount(ds.labels, minlength=k)
    assert counts.sum() == n and len(counts) == k == ds.n_clusters
    assert counts.max() - counts.min() <= 1
    assert np.all(np.diff(counts) <= 0)  # the remainder goes to the first clusters
    assert ds.params["counts"] == counts.tolist()


@pytest.mark.parametrize("name", DATASETS)
def test_rows_are_shuffled(name):
    """Labels are not in generation order: every cluster shows up in the first 10 % of rows."""
    ds = make_dataset(name)
    head = ds.labels[: N // 10]
    assert set(np.unique(head)) == set(range(ds.n_clusters))
    assert np.any(np.diff(ds.labels) < 0)


# --------------------------------------------------------------------------------------------
# Pinwheel
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [{}, {"n_arms": 5, "rate": 0.4, "scale": 10.0},
                                    {"n_arms": 1, "radial_std": 0.1, "rate": -0.3}])
def test_pinwheel_x_recomputed_from_z_and_labels(kwargs):
    ds = pinwheel(seed=11, **kwargs)
    scale = ds.params["scale"]
    np.testing.assert_allclose(_pinwheel_x(ds), ds.x, rtol=0, atol=1e-12 * scale)
    assert ds.params["arm_angles"] == pytest.approx(
        (2 * np.pi * np.arange(ds.n_clusters) / ds.n_clusters).tolist())


def test_pinwheel_recomputation_detects_a_label_mix_up():
    """The check above has power: labels moved to the next arm, or rows of x shuffled
    separately, give errors far above 1e-12 (a point near the origin barely moves, hence the
    median rather than every row)."""
    ds = pinwheel(seed=2)
    wrong = (ds.labels + 1) % ds.n_clusters
    error = np.abs(_pinwheel_x(ds, wrong) - ds.x).max(axis=1)
    assert np.median(error) > 0.1 and (error > 1e-9).mean() > 0.99
    shuffled = np.random.default_rng(0).permutation(ds.x)
    assert np.median(np.abs(_pinwheel_x(ds) - shuffled).max(axis=1)) > 0.1


@pytest.mark.parametrize("radial_std, tangential_std", [(0.3, 0.05), (0.1, 0.2)])
def test_pinwheel_feature_distribution(radial_std, tangential_std):
    ds = pinwheel(radial_std=radial_std, tangential_std=tangential_std, seed=5)
    r, t = _pinwheel_features(ds).T
    _assert_within_se(r.mean(), 1.0, radial_std / np.sqrt(N), "mean r")
    _assert_within_se(t.mean(), 0.0, tangential_std / np.sqrt(N), "mean t")
    _assert_within_se(r.std(ddof=1), radial_std, radial_std / np.sqrt(2 * N), "std r")
    _assert_within_se(t.std(ddof=1), tangential_std, tangential_std / np.sqrt(2 * N), "std t")
    # the three arms are identically distributed up to rotation
    for k in range(3):
        rk = r[ds.labels == k]
        _assert_within_se(rk.mean(), 1.0, radial_std / np.sqrt(len(rk)), f"mean r, arm {k}")


def test_pinwheel_without_twist_is_the_scaled_latent():
    ds = pinwheel(rate=0.0, scale=10.0, seed=1)
    np.testing.assert_allclose(ds.x, 10.0 * ds.z, rtol=0, atol=1e-12)


def test_pinwheel_twist_is_nonlinear():
    """With the default twist, x is far from any affine function of z."""
    ds = pinwheel(seed=1)
    design = np.column_stack([ds.z, np.ones(N)])
    coef, *_ = np.linalg.lstsq(design, ds.x, rcond=None)
    assert np.abs(design @ coef - ds.x).max() > 0.1


# --------------------------------------------------------------------------------------------
# Random parallelograms
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [1, 2, 3])
def test_parallelogram_points_lie_in_their_own_parallelogram_only(variant):
    ds = parallelograms(variant=variant, seed=variant)
    inside = np.empty((N, ds.n_clusters), dtype=bool)
    for k in range(ds.n_clusters):
        inside[:, k] = (np.abs(_parallelogram_coords(ds, k)) <= 0.5 + 1e-12).all(axis=1)
    assert inside[np.arange(N), ds.labels].all()
    assert (inside.sum(axis=1) == 1).all()  # disjoint shapes: labels are unambiguous


@pytest.mark.parametrize("variant", [1, 2, 3])
def test_parallelogram_samples_are_uniform(variant):
    """(a, b) are independent U(-1/2, 1/2): uniform on the parallelogram."""
    ds = parallelograms(variant=variant, seed=0)
    for k in range(ds.n_clusters):
        ab = _parallelogram_coords(ds, k)[ds.labels == k]
        for j in range(2):
            assert stats.kstest(ab[:, j] + 0.5, "uniform").pvalue > 1e-3
        # independence of a and b: correlation within 5 standard errors (1/sqrt(n)) of 0
        _assert_within_se(np.corrcoef(ab.T)[0, 1], 0.0, 1 / np.sqrt(len(ab)), "corr(a, b)")


@pytest.mark.parametrize("n_dim, noise_std", [(2, 0.05), (5, 0.05), (3, 0.2)])
def test_parallelogram_embedding_and_noise(n_dim, noise_std):
    ds = parallelograms(variant=2, n_dim=n_dim, noise_std=noise_std, seed=8)
    q = np.array(ds.params["embedding"])
    assert q.shape == (n_dim, 2)
    np.testing.assert_allclose(q.T @ q, np.eye(2), rtol=0, atol=1e-12)  # an isometry
    residual = ds.x - ds.z @ q.T
    count = residual.size
    _assert_within_se(residual.mean(), 0.0, noise_std / np.sqrt(count), "noise mean")
    _assert_within_se(residual.std(), noise_std, noise_std / np.sqrt(2 * count), "noise std")
    # isotropic: each coordinate has the same spread (within 5 SE of N values)
    for j in range(n_dim):
        _assert_within_se(residual[:, j].std(), noise_std, noise_std / np.sqrt(2 * N),
                          f"noise std, coordinate {j}")


def test_parallelograms_without_noise_are_exact():
    ds = parallelograms(variant=3, n_dim=4, noise_std=0.0, seed=1)
    np.testing.assert_allclose(ds.x, ds.z @ np.array(ds.params["embedding"]).T, rtol=0,
                               atol=1e-12)


def test_parallelogram_geometry_is_fixed_by_variant():
    planar = ("centres", "edges", "edge_angles", "edge_lengths")
    base = parallelograms(variant=2, seed=0)
    resampled = parallelograms(variant=2, seed=9, noise_std=0.3, n_samples=100)
    for key in planar + ("embedding",):
        assert resampled.params[key] == base.params[key]
    higher = parallelograms(variant=2, n_dim=6)
    for key in planar:
        assert higher.params[key] == base.params[key]
    centres = [np.array(parallelograms(variant=v, n_samples=3).params["centres"])
               for v in (1, 2, 3)]
    for i in range(3):
        for j in range(i):
            assert np.abs(centres[i] - centres[j]).min() > 1e-3  # distinct data sets
    assert make_dataset("parallelograms7", n_samples=30).name == "parallelograms7"
    assert parallelograms(variant=7, n_samples=30).params["centres"] == (
        make_dataset("parallelograms7", n_samples=30).params["centres"])


@pytest.mark.parametrize("variant, n_parallelograms", [(1, 3), (2, 3), (3, 3), (4, 6), (5, 1)])
def test_parallelogram_geometry_constraints(variant, n_parallelograms):
    ds = parallelograms(variant=variant, n_parallelograms=n_parallelograms, seed=0)
    half_width = 3.0 * max(1.0, np.sqrt(n_parallelograms / 3))
    assert np.abs(np.array(ds.params["centres"])).max() <= half_width
    lengths = np.array(ds.params["edge_lengths"])
    assert lengths.min() >= 1.0 and lengths.max() <= 3.0
    edges = np.array(ds.params["edges"])
    np.testing.assert_allclose(np.linalg.norm(edges, axis=2), lengths, rtol=1e-12)
    cos_between = np.einsum("kd,kd->k", edges[:, 0], edges[:, 1]) / lengths.prod(axis=1)
    assert np.all(np.abs(cos_between) <= np.cos(np.pi / 6) + 1e-12)  # angle in [30, 150] deg
    # sampled points of different shapes are at least the documented gap apart
    for i in range(n_parallelograms):
        for j in range(i):
            gap = cdist(ds.z[ds.labels == i], ds.z[ds.labels == j]).min()
            assert gap >= 0.25


# --------------------------------------------------------------------------------------------
# Nonstationary (TCL)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_sources, n_layers, noise_std", [(2, 3, 0.01), (5, 4, 0.1),
                                                            (3, 1, 0.05)])
def test_tcl_x_is_the_mixed_latent_plus_noise(n_sources, n_layers, noise_std):
    ds = nonstationary(n_sources=n_sources, n_layers=n_layers, noise_std=noise_std, seed=6)
    net = mixing_net(ds)
    assert net.n_layers == n_layers and net.input_dim == net.output_dim == n_sources
    assert net.negative_slope == ds.params["negative_slope"]
    residual = ds.x - net(ds.z)
    count = residual.size
    _assert_within_se(residual.mean(), 0.0, noise_std / np.sqrt(count), "noise mean")
    _assert_within_se(residual.std(), noise_std, noise_std / np.sqrt(2 * count), "noise std")


def test_tcl_without_noise_is_exact_and_nonlinear():
    ds = nonstationary(noise_std=0.0, n_layers=3, seed=2)
    np.testing.assert_allclose(ds.x, mixing_net(ds)(ds.z), rtol=0, atol=1e-12)
    design = np.column_stack([ds.z, np.ones(N)])
    coef, *_ = np.linalg.lstsq(design, ds.x, rcond=None)
    assert np.abs(design @ coef - ds.x).max() > 0.1  # the leaky ReLUs act
    one_layer = nonstationary(noise_std=0.0, n_layers=1, seed=2)
    w, b = np.array(one_layer.params["weights"][0]), np.array(one_layer.params["biases"][0])
    np.testing.assert_allclose(one_layer.x, one_layer.z @ w.T + b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("n_sources, n_segments", [(2, 10), (4, 5)])
def test_tcl_segment_moments_match_params(n_sources, n_segments):
    """Within segment k, source i has sample mean within 5 SE (std / sqrt(n_k)) of mean_{k,i}
    and sample std within 5 SE (std / sqrt(2 n_k), Gaussian) of std_{k,i}."""
    ds = nonstationary(n_sources=n_sources, n_segments=n_segments, seed=3)
    means, stds = np.array(ds.params["means"]), np.array(ds.params["stds"])
    assert means.shape == stds.shape == (n_segments, n_sources)
    assert means.min() >= -3 and means.max() <= 3 and stds.min() >= 0.01 and stds.max() <= 3
    for k in range(n_segments):
        zk = ds.z[ds.labels == k]
        for i in range(n_sources):
            sd = stds[k, i]
            _assert_within_se(zk[:, i].mean(), means[k, i], sd / np.sqrt(len(zk)),
                              f"mean, segment {k}, source {i}")
            _assert_within_se(zk[:, i].std(ddof=1), sd, sd / np.sqrt(2 * len(zk)),
                              f"std, segment {k}, source {i}")
    # pooled over all N * d values the standardised sources are N(0, 1): a 5 SE tolerance of
    # 5 / sqrt(2 N d) (3.5 % for d = 2) catches a few-percent error the per-cell checks miss
    u = (ds.z - means[ds.labels]) / stds[ds.labels]
    _assert_within_se(u.mean(), 0.0, 1 / np.sqrt(u.size), "pooled standardised mean")
    _assert_within_se(u.std(), 1.0, 1 / np.sqrt(2 * u.size), "pooled standardised std")


def test_tcl_segment_parameters_spread_over_their_ranges():
    """Means ~ U(-3, 3) and stds ~ U(0.01, 3) (paper 000): KS test over 50 x 4 draws."""
    ds = nonstationary(n_samples=200, n_sources=4, n_segments=50, seed=0)
    means = np.ravel(ds.params["means"])
    stds = np.ravel(ds.params["stds"])
    assert stats.kstest(means, "uniform", args=(-3, 6)).pvalue > 1e-3
    assert stats.kstest(stds, "uniform", args=(0.01, 2.99)).pvalue > 1e-3


@pytest.mark.parametrize("n_sources, n_layers, seed", [(1, 2, 0), (2, 3, 1), (6, 5, 2)])
def test_tcl_mixing_layers_are_well_conditioned(n_sources, n_layers, seed):
    ds = nonstationary(n_samples=50, n_segments=5, n_sources=n_sources, n_layers=n_layers,
                       seed=seed)
    assert len(ds.params["weights"]) == len(ds.params["biases"]) == n_layers
    for w, b in zip(mixing_net(ds).weights, mixing_net(ds).biases):
        assert w.shape == (n_sources, n_sources)
        singular = np.linalg.svd(w, compute_uv=False)
        assert np.linalg.matrix_rank(w) == n_sources
        assert np.linalg.cond(w) <= 2 + 1e-9
        assert singular.min() >= 1 - 1e-9 and singular.max() <= 2 + 1e-9
        assert np.abs(b).max() <= 0.1


def test_mixing_net_rejects_other_data():
    with pytest.raises(ValueError, match=r"dataset: expected a data set made by "
                                         r"nonstationary\(\) .* found 'pinwheel'"):
        mixing_net(pinwheel(n_samples=30))
    with pytest.raises(ValueError, match="dataset: expected a Dataset, found dict"):
        mixing_net({"weights": []})


# --------------------------------------------------------------------------------------------
# make_dataset
# --------------------------------------------------------------------------------------------


def test_make_dataset_dispatches():
    direct = {
        "pinwheel": pinwheel(n_samples=120, seed=7, n_arms=4),
        "parallelograms2": parallelograms(variant=2, n_samples=120, seed=7, n_dim=3),
        "tcl": nonstationary(n_samples=120, seed=7, n_sources=3),
    }
    extra = {"pinwheel": {"n_arms": 4}, "parallelograms2": {"n_dim": 3}, "tcl": {"n_sources": 3}}
    for name, expected in direct.items():
        got = make_dataset(name, n_samples=120, seed=7, **extra[name])
        np.testing.assert_array_equal(got.x, expected.x)
        np.testing.assert_array_equal(got.labels, expected.labels)
        assert got.params == expected.params


@pytest.mark.parametrize("name", ["Pinwheel", "parallelograms", "parallelograms0",
                                  "parallelograms01", "parallelograms-1", "gmm", 3])
def test_make_dataset_unknown_name(name):
    with pytest.raises(ValueError, match=re.escape(
            "name: expected one of pinwheel, parallelograms1, parallelograms2, parallelograms3, "
            f"tcl (or parallelogramsK for any K >= 1), found {name!r}")):
        make_dataset(name)


def test_make_dataset_rejects_foreign_arguments():
    with pytest.raises(ValueError, match=r"kwargs: expected arguments of parallelograms\(\) "
                                         r"among .*, found variant"):
        make_dataset("parallelograms1", variant=2)
    with pytest.raises(ValueError, match=r"kwargs: expected arguments of pinwheel\(\) among "
                                         r"n_arms, radial_std, rate, scale, tangential_std, "
                                         r"found n_dim"):
        make_dataset("pinwheel", n_dim=3)


# --------------------------------------------------------------------------------------------
# Argument validation
# --------------------------------------------------------------------------------------------

_ERRORS = [
    (pinwheel, {"n_samples": 2}, "n_samples: expected an integer >= 3 (one per arm), found 2"),
    (pinwheel, {"n_samples": 100.0}, "n_samples: expected an integer >= 3 (one per arm), "
                                     "found 100.0"),
    (pinwheel, {"n_samples": True}, "n_samples: expected an integer >= 3 (one per arm), "
                                    "found True"),
    (pinwheel, {"n_arms": 0}, "n_arms: expected an integer >= 1, found 0"),
    (pinwheel, {"n_arms": "3"}, "n_arms: expected an integer >= 1, found '3'"),
    (pinwheel, {"radial_std": -0.1}, "radial_std: expected a finite number >= 0, found -0.1"),
    (pinwheel, {"tangential_std": float("nan")},
     "tangential_std: expected a finite number >= 0, found nan"),
    (pinwheel, {"rate": float("inf")}, "rate: expected a finite number, found inf"),
    (pinwheel, {"rate": None}, "rate: expected a finite number, found None"),
    (pinwheel, {"scale": 0}, "scale: expected a finite number > 0, found 0"),
    (pinwheel, {"seed": -1},
     "seed: expected a non-negative integer or a numpy.random.Generator, found -1"),
    (pinwheel, {"seed": 1.5},
     "seed: expected a non-negative integer or a numpy.random.Generator, found 1.5"),
    (parallelograms, {"variant": 0}, "variant: expected an integer >= 1, found 0"),
    (parallelograms, {"variant": 1.0}, "variant: expected an integer >= 1, found 1.0"),
    (parallelograms, {"n_samples": 2},
     "n_samples: expected an integer >= 3 (one per parallelogram), found 2"),
    (parallelograms, {"n_dim": 1}, "n_dim: expected an integer >= 2 (the plane must embed), "
                                   "found 1"),
    (parallelograms, {"noise_std": -0.01}, "noise_std: expected a finite number >= 0, "
                                           "found -0.01"),
    (parallelograms, {"n_parallelograms": 0},
     "n_parallelograms: expected an integer >= 1, found 0"),
    (parallelograms, {"seed": True},
     "seed: expected a non-negative integer or a numpy.random.Generator, found True"),
    (nonstationary, {"n_samples": 9, "n_segments": 10},
     "n_samples: expected an integer >= 10 (one per segment), found 9"),
    (nonstationary, {"n_segments": 0}, "n_segments: expected an integer >= 1, found 0"),
    (nonstationary, {"n_sources": 0}, "n_sources: expected an integer >= 1, found 0"),
    (nonstationary, {"n_layers": 0}, "n_layers: expected an integer >= 1, found 0"),
    (nonstationary, {"negative_slope": 0.0}, "negative_slope: expected a finite number > 0 "
                                             "(slope 0 makes the mixing non-injective), "
                                             "found 0.0"),
    (nonstationary, {"noise_std": float("nan")},
     "noise_std: expected a finite number >= 0, found nan"),
    (nonstationary, {"seed": "0"},
     "seed: expected a non-negative integer or a numpy.random.Generator, found '0'"),
]


@pytest.mark.parametrize("generator, kwargs, message", _ERRORS,
                         ids=[f"{g.__name__}-{next(iter(k))}-{i}"
                              for i, (g, k, _) in enumerate(_ERRORS)])
def test_invalid_arguments(generator, kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        generator(**kwargs)


def test_numpy_integers_are_accepted():
    ds = pinwheel(n_samples=np.int64(30), n_arms=np.int32(3), seed=np.uint8(1))
    assert ds.params["n_samples"] == 30 and isinstance(ds.params["n_arms"], int)
    assert ds.params["seed"] == 1
    json.dumps(ds.params)
