"""Injectivity report of trained decoders: exact verdicts, Corollary H.4, the orientation scan."""

import numpy as np
import pytest

from exactid import ReluNet, check_injectivity
from vade_check.decoder_check import check_decoder, piece_jacobians


def random_net(widths, slope, seed):
    rng = np.random.default_rng(seed)
    ws = [rng.normal(size=(o, i)) for i, o in zip(widths[:-1], widths[1:])]
    bs = [rng.normal(size=o) for o in widths[1:]]
    return ReluNet(ws, bs, negative_slope=slope)


@pytest.mark.parametrize("seed", range(4))
def test_piece_jacobians_against_finite_differences(seed):
    net = random_net([2, 7, 9, 3], 0.1, seed)
    z = np.random.default_rng(seed).normal(size=(40, 2))
    jac = piece_jacobians(net, z, chunk=16)
    h = 1e-7
    fd = np.stack([(net(z + h * e) - net(z - h * e)) / (2 * h) for e in np.eye(2)], -1)
    # Central differences are exact on a linear piece (the tolerance covers rounding, ~1e-8),
    # so every point whose 2h-box lies in one piece must agree; points within h of a kink
    # (the activation pattern changes inside the box) are the only ones excused.
    close = np.isclose(jac, fd, rtol=1e-5, atol=1e-6).all(axis=(1, 2))
    inside = np.ones(len(z), dtype=bool)
    for e in np.eye(2):
        for s in (-h, h):
            inside &= (_pattern(net, z + s * e) == _pattern(net, z)).all(axis=1)
    assert inside.sum() >= 30
    assert close[inside].all()


def _pattern(net, z):
    """Signs of every hidden pre-activation at the rows of ``z``: shape (N, hidden units)."""
    signs, h = [], np.asarray(z, dtype=float)
    for w, b in zip(net.weights[:-1], net.biases[:-1]):
        pre = h @ w.T + b
        signs.append(pre > 0)
        h = np.where(pre > 0, pre, net.negative_slope * pre)
    return np.concatenate(signs, axis=1)


def fold():
    """z -> (leaky|z1|, z2): two pieces of opposite orientation, not injective."""
    w1 = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    w2 = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]])
    return ReluNet([w1, w2], [np.zeros(4), np.zeros(2)], negative_slope=0.0)


def test_fold_is_caught_by_the_scan_with_a_checkable_witness():
    net = fold()
    latents = np.random.default_rng(0).uniform(-1, 1, size=(200, 2))
    rep = check_decoder(net, latents, grid=21, exact_max_hidden=0)
    assert rep["exact"]["skipped"].startswith("4 hidden units")
    assert rep["scan"]["F4"] is False and rep["F4"] is False
    wit = rep["scan"]["witness"]
    # Independent check of the witness: the finite-difference Jacobians have determinants of
    # opposite sign.
    signs = []
    for z in (wit["z_positive"], wit["z_negative"]):
        z = np.asarray(z)[None]
        fd = np.stack([(net(z + 1e-6 * e) - net(z - 1e-6 * e))[0] / 2e-6 for e in np.eye(2)], -1)
        signs.append(np.sign(np.linalg.det(fd)))
    assert signs == [1.0, -1.0]
    # The exact decision agrees.
    assert check_decoder(net, latents, grid=5)["exact"]["F4"] is False
    assert check_injectivity(net).F4.holds is False


def test_rank_deficient_piece_is_caught():
    # Plain ReLU: on the region z1 < 0, z2 < 0 every unit is off and f is constant.
    net = ReluNet([np.eye(2), np.eye(2)], [np.zeros(2), np.zeros(2)])
    rep = check_decoder(net, np.array([[-1.0, -1.0], [1.0, 1.0]]), grid=11, exact_max_hidden=0)
    assert rep["scan"]["F4"] is False and rep["scan"]["min_rank"] == 0
    z = np.asarray(rep["scan"]["witness"]["z"])[None]
    assert np.allclose(net(z + [1e-3, 0]), net(z))


def test_corollary_h4_decides_injective_leaky_nets():
    rng = np.random.default_rng(2)
    ws = [np.linalg.qr(rng.normal(size=(2, 2)))[0] * [1.0, 2.0] for _ in range(3)]
    net = ReluNet(ws, [rng.normal(size=2) for _ in range(3)], negative_slope=0.2)
    rep = check_decoder(net, rng.normal(size=(100, 2)), grid=21, exact_max_hidden=0)
    assert rep["appendix_h"]["conditions_hold"] is True and rep["F4"] is True
    # The scan must not contradict it.
    assert rep["scan"]["F4"] is None
    assert check_injectivity(net).F4.holds is True


def test_paper_sized_decoder_skips_the_exact_check():
    net = random_net([2, 64, 512, 512, 2], 0.01, 0)
    rep = check_decoder(net, np.random.default_rng(0).normal(size=(50, 2)), grid=30)
    assert rep["hidden_units"] == 1088
    assert "too many linear regions" in rep["exact"]["skipped"]
    assert rep["appendix_h"]["widths_nondecreasing"] is False
    assert rep["appendix_h"]["conditions_hold"] is False
    assert rep["F4"] in (None, False)


def test_scan_never_contradicts_the_exact_decision():
    """Over random small nets, a scan that reports (F4) fails is confirmed by the exact
    decision, and an exact (F4) is never contradicted by the scan.  Both outcomes of the scan
    must occur, so that both implications are actually exercised."""
    outcomes = {False: 0, None: 0}
    for seed in range(12):
        net = random_net([2, 3, 2], 0.3, seed)
        exact = check_injectivity(net).F4.holds
        rep = check_decoder(net, np.random.default_rng(seed).normal(size=(30, 2)) * 3,
                            grid=40, exact_max_hidden=0)
        outcomes[rep["scan"]["F4"]] += 1
        if rep["scan"]["F4"] is False:
            assert exact is False, seed
        if exact is True:
            assert rep["scan"]["F4"] is None, seed
    assert outcomes[False] >= 1 and outcomes[None] >= 1, outcomes


def test_input_validation():
    net = fold()
    with pytest.raises(ValueError, match="net: expected an exactid.ReluNet, found list"):
        check_decoder([], np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"latents: expected an array of shape \(N, 2\)"):
        check_decoder(net, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="latents: expected finite values"):
        check_decoder(net, np.array([[0.0, np.inf]]))
    with pytest.raises(ValueError, match="grid: expected an integer >= 2, found 1"):
        check_decoder(net, np.zeros((3, 2)), grid=1)


def test_grid_points_on_kinks_are_not_witnesses():
    """On the symmetric box the grid hits z1 = 0, where the fold's two units are both exactly
    0; their pattern (both off) is not the pattern of any full-dimensional piece, so it must
    not be reported as a rank-deficient piece."""
    net = fold()
    latents = np.array([[-1.0, -1.0], [1.0, 1.0]])
    _, interior = piece_jacobians(net, np.array([[0.0, 0.5], [0.3, 0.5]]),
                                    return_interior=True)
    assert interior.tolist() == [False, True]
    rep = check_decoder(net, latents, grid=21, exact_max_hidden=0)
    assert rep["scan"]["min_rank"] == 2
    assert rep["scan"]["points"] < 21 * 21
    assert rep["scan"]["F4"] is False and "both orientations" in rep["scan"]["reason"]
