"""Loading nets from .npz archives and torch files, and load_net_any's dispatch by extension.

References: the arrays written with numpy.savez (compared bit for bit), torch's own forward
pass on float64 modules (agreement to 1e-12 relative: the same float64 affine maps in a
possibly different summation order, ~1e-15), and the error messages' content (the file, the
array or layer, what is wrong).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from exactid import GaussianMixture, LatentModel, ModelFileError, ReluNet, save_model, save_net
from exactid.io import load_net_any, load_net_npz, load_net_torch


def net_3layer(slope=0.0):
    rng = np.random.default_rng(1)
    widths = [2, 4, 3, 2]
    return ReluNet([rng.normal(size=(o, i)) for i, o in zip(widths[:-1], widths[1:])],
                   [rng.normal(size=o) for o in widths[1:]], slope)


def arrays(net):
    d = {}
    for i, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        d[f"W{i}"], d[f"b{i}"] = w, b
    return d


def assert_same_net(a: ReluNet, b: ReluNet):
    assert a.negative_slope == b.negative_slope
    assert len(a.weights) == len(b.weights)
    for x, y in zip(a.weights + a.biases, b.weights + b.biases):
        assert x.dtype == np.float64 and x.shape == y.shape
        assert x.tobytes() == y.tobytes()


# -- npz -------------------------------------------------------------------------------------
@pytest.mark.parametrize("slope", [None, 0.0, 0.2])
def test_npz_round_trip(tmp_path, slope):
    net = net_3layer(0.0 if slope is None else slope)
    path = tmp_path / "net.npz"
    extra = {} if slope is None else {"negative_slope": np.float64(slope)}
    np.savez(path, **arrays(net), **extra)
    loaded = load_net_npz(path)
    assert_same_net(loaded, net)
    assert loaded == net
    z = np.random.default_rng(2).normal(size=(50, 2))
    np.testing.assert_array_equal(loaded(z), net(z))


def test_npz_compressed_integer_and_float32_arrays(tmp_path):
    path = tmp_path / "net.npz"
    np.savez_compressed(path, W1=np.array([[1], [-1]], dtype=np.int64), b1=np.zeros(2, np.int32),
                        W2=np.array([[1.0, 1.0]], dtype=np.float32), b2=np.zeros(1, np.float32),
                        negative_slope=np.float32(0.5))
    net = load_net_npz(str(path))
    assert net == ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]], 0.5)


def test_npz_single_layer(tmp_path):
    path = tmp_path / "affine.npz"
    np.savez(path, W1=np.eye(2), b1=np.ones(2))
    net = load_net_npz(path)
    assert net.n_layers == 1 and net(np.zeros((1, 2))).tolist() == [[1.0, 1.0]]


def write(path, **arrs):
    np.savez(path, **arrs)
    return path


@pytest.mark.parametrize("arrs, message", [
    (dict(W1=np.eye(2), b1=np.zeros(2), W2=np.eye(2)), r"missing array\(s\) b2"),
    (dict(b1=np.zeros(2)), r"missing array 'W1'"),
    (dict(W1=np.eye(2), b1=np.zeros(2), W3=np.eye(2), b3=np.zeros(2)),
     r"unknown array\(s\) W3, b3"),
    (dict(W1=np.eye(2), b1=np.zeros(2), slope=np.float64(0.1)), r"unknown array\(s\) slope"),
    (dict(W1=np.array([["a", "b"], ["c", "d"]]), b1=np.zeros(2)),
     r"array 'W1': expected numbers, found dtype <U1"),
    (dict(W1=np.eye(2), b1=np.array([True, False])),
     r"array 'b1': expected numbers, found dtype bool"),
    (dict(W1=np.eye(2), b1=np.zeros(2), negative_slope=np.array([0.1, 0.2])),
     r"'negative_slope': expected a scalar number, found shape \(2,\)"),
    (dict(W1=np.eye(2), b1=np.zeros(2), negative_slope=np.array("x")),
     r"'negative_slope': expected a scalar number"),
    (dict(W1=np.eye(2), b1=np.zeros(2), negative_slope=np.float64(-0.5)),
     r"negative_slope: expected a finite number >= 0"),
    (dict(W1=np.eye(2), b1=np.zeros(3)), r"biases\[0\]"),
    (dict(W1=np.eye(2), b1=np.zeros(2), W2=np.ones((1, 3)), b2=np.zeros(1)),
     r"weights\[1\]: expected 2 columns"),
    (dict(W1=np.array([[np.nan, 0.0]]), b1=np.zeros(1)), r"weights\[0\]: expected finite"),
    (dict(W1=np.ones(2), b1=np.zeros(2)), r"weights\[0\]"),
], ids=["missing-b2", "missing-W1", "unknown-layer", "unknown-name", "strings", "bool",
        "slope-shape", "slope-string", "slope-negative", "bias-shape", "chain", "nan",
        "1d-weight"])
def test_npz_malformed(tmp_path, arrs, message):
    path = write(tmp_path / "bad.npz", **arrs)
    with pytest.raises(ModelFileError, match=message) as exc:
        load_net_npz(path)
    assert str(path) in str(exc.value)


def test_npz_plain_npy_renamed(tmp_path):
    np.save(tmp_path / "plain.npy", np.eye(2))
    (tmp_path / "plain.npy").rename(tmp_path / "plain.npz")
    with pytest.raises(ModelFileError, match="expected an .npz archive of arrays, found a single"):
        load_net_npz(tmp_path / "plain.npz")


def test_npz_missing_file_and_text(tmp_path):
    with pytest.raises(ModelFileError, match=r"nope\.npz: no such file"):
        load_net_npz(tmp_path / "nope.npz")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ModelFileError, match=r"text\.npz: not a readable .npz archive"):
        load_net_npz(tmp_path / "text.npz")


def test_npz_directory(tmp_path):
    (tmp_path / "dir.npz").mkdir()
    with pytest.raises(ModelFileError, match=r"dir\.npz: not a readable"):
        load_net_npz(tmp_path / "dir.npz")


def test_npz_empty_file(tmp_path):
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(ModelFileError, match=r"empty\.npz: not a readable .npz archive"):
        load_net_npz(tmp_path / "empty.npz")


def test_npz_truncated_archive(tmp_path):
    good = write(tmp_path / "good.npz", W1=np.eye(2), b1=np.zeros(2))
    bad = tmp_path / "bad.npz"
    bad.write_bytes(good.read_bytes()[:50])
    with pytest.raises(ModelFileError, match=r"bad\.npz: not a readable .npz archive"):
        load_net_npz(bad)
    import gc

    gc.collect()  # a leaked file object warns here at the latest


def test_npz_object_array(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, W1=np.array([[1.0, None]], dtype=object), b1=np.zeros(1), allow_pickle=True)
    with pytest.raises(ModelFileError, match=r"obj\.npz.*'W1'"):
        load_net_npz(path)


def test_npz_complex_weights(tmp_path):
    """Complex arrays are numbers to NumPy; casting would silently drop the imaginary part."""
    path = write(tmp_path / "c.npz", W1=np.eye(2) * (1 + 1j), b1=np.zeros(2))
    with pytest.raises(ModelFileError, match=r"'W1'.*complex"):
        load_net_npz(path)


def test_npz_complex_negative_slope(tmp_path):
    path = write(tmp_path / "s.npz", W1=np.eye(2), b1=np.zeros(2),
                 negative_slope=np.complex128(0.5 + 1j))
    with pytest.raises(ModelFileError, match=r"negative_slope"):
        load_net_npz(path)


# -- torch -------------------------------------------------------------------------------------
def save_torch(obj, path):
    import torch

    torch.save(obj, path)
    return path


def torch_forward(module, z):
    import torch

    with torch.no_grad():
        return module(torch.from_numpy(z)).numpy()


def random_inputs(m, seed=0):
    return np.random.default_rng(seed).normal(scale=2.0, size=(200, m))


def test_torch_relu_sequential_matches_forward(tmp_path):
    torch = pytest.importorskip("torch")
    from torch import nn

    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 3), nn.ReLU(),
                           nn.Linear(3, 2)).double()
    net = load_net_torch(save_torch(module, tmp_path / "net.pt"))
    assert net.negative_slope == 0.0 and [w.shape for w in net.weights] == [(5, 2), (3, 5),
                                                                           (2, 3)]
    np.testing.assert_array_equal(net.weights[0], module[0].weight.detach().numpy())
    z = random_inputs(2)
    np.testing.assert_allclose(net(z), torch_forward(module, z), rtol=1e-12, atol=1e-12)


def test_torch_leaky_relu(tmp_path):
    torch = pytest.importorskip("torch")
    from torch import nn

    torch.manual_seed(1)
    module = nn.Sequential(nn.Linear(1, 4), nn.LeakyReLU(0.2), nn.Linear(4, 1)).double()
    net = load_net_torch(save_torch(module, tmp_path / "leaky.pth"))
    assert net.negative_slope == pytest.approx(0.2, rel=0, abs=0)
    z = random_inputs(1)
    np.testing.assert_allclose(net(z), torch_forward(module, z), rtol=1e-12, atol=1e-12)


def test_torch_trailing_activation_becomes_identity_output(tmp_path):
    torch = pytest.importorskip("torch")
    from torch import nn

    torch.manual_seed(2)
    module = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2), nn.ReLU()).double()
    net = load_net_torch(save_torch(module, tmp_path / "t.pt"))
    assert net.n_layers == 3
    np.testing.assert_array_equal(net.weights[-1], np.eye(2))
    np.testing.assert_array_equal(net.biases[-1], np.zeros(2))
    z = random_inputs(2)
    out = torch_forward(module, z)
    assert (out == 0).any()  # the final ReLU acts
    np.testing.assert_allclose(net(z), out, rtol=1e-12, atol=1e-12)


def test_torch_linear_without_bias(tmp_path):
    torch = pytest.importorskip("torch")
    from torch import nn

    torch.manual_seed(3)
    module = nn.Sequential(nn.Linear(2, 3, bias=False), nn.LeakyReLU(0.1),
                           nn.Linear(3, 2, bias=False)).double()
    net = load_net_torch(save_torch(module, tmp_path / "nobias.pt"))
    assert all(not b.any() for b in net.biases)
    z = random_inputs(2)
    np.testing.assert_allclose(net(z), torch_forward(module, z), rtol=1e-12, atol=1e-12)


def test_torch_float32_module_is_widened(tmp_path):
    torch = pytest.importorskip("torch")
    from torch import nn

    torch.manual_seed(4)
    module = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    net = load_net_torch(save_torch(module, tmp_path / "f32.pt"))
    assert net.weights[0].dtype == np.float64
    np.testing.assert_array_equal(net.weights[0], module[0].weight.detach().double().numpy())


@pytest.mark.parametrize("build, message", [
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2)),
     r"layer 1 \(Tanh\) is not supported"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Conv1d(1, 1, 1)),
     r"layer 2 \(Conv1d\) is not supported"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.LeakyReLU(0.1),
                              nn.Linear(3, 2)),
     r"mixed activations"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)).state_dict(),
     r"expected a torch.nn.Sequential, found OrderedDict"),
    (lambda nn: nn.Linear(2, 3), r"expected a torch.nn.Sequential, found Linear"),
    (lambda nn: nn.Sequential(), r"no Linear layer"),
    (lambda nn: nn.Sequential(nn.ReLU(), nn.Linear(2, 2)), r"layer 0 \(ReLU\) must follow"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 2)),
     r"layer 1 \(Linear\) follows a Linear"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(-0.1), nn.Linear(3, 2)),
     r"negative_slope"),
], ids=["tanh", "conv1d", "mixed", "state_dict", "bare-linear", "empty", "starts-relu",
        "two-linear", "negative-slope"])
def test_torch_unsupported(tmp_path, build, message):
    pytest.importorskip("torch")
    from torch import nn

    path = save_torch(build(nn), tmp_path / "bad.pt")
    with pytest.raises(ModelFileError, match=message) as exc:
        load_net_torch(path)
    assert str(path) in str(exc.value)


def test_torch_unreadable_and_missing(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "garbage.pt").write_bytes(b"not a torch file")
    with pytest.raises(ModelFileError, match=r"garbage\.pt: not a readable torch file"):
        load_net_torch(tmp_path / "garbage.pt")
    with pytest.raises(ModelFileError, match=r"missing\.pt: no such file"):
        load_net_torch(tmp_path / "missing.pt")


# -- load_net_any ------------------------------------------------------------------------------
def test_any_json_net(tmp_path):
    net = net_3layer(0.1)
    save_net(net, tmp_path / "net.json")
    assert_same_net(load_net_any(tmp_path / "net.json"), net)
    save_net(net, tmp_path / "net.txt")  # any other extension is read as JSON
    assert_same_net(load_net_any(str(tmp_path / "net.txt")), net)


def test_any_json_model_gives_its_decoder(tmp_path):
    net = net_3layer()
    model = LatentModel(GaussianMixture([1.0], [[0.0, 0.0]], [np.eye(2)]), net, 0.1)
    save_model(model, tmp_path / "model.json")
    assert_same_net(load_net_any(tmp_path / "model.json"), net)


def test_any_json_model_without_format_key(tmp_path):
    """'format' is optional in model files; load_net_any must still use the decoder."""
    d = {"prior": {"weights": [1.0], "means": [0.0], "covs": [1.0]},
         "net": {"layers": [{"weight": [[2.0]], "bias": [0.0]}]}, "noise_std": 0.1}
    (tmp_path / "model.json").write_text(json.dumps(d))
    assert load_net_any(tmp_path / "model.json") == ReluNet([[[2.0]]], [[0.0]])


def test_any_npz(tmp_path):
    net = net_3layer(0.5)
    with open(tmp_path / "NET.NPZ", "wb") as fh:  # np.savez would append ".npz" to the name
        np.savez(fh, **arrays(net), negative_slope=0.5)
    assert_same_net(load_net_any(tmp_path / "NET.NPZ"), net)


@pytest.mark.parametrize("ext", [".pt", ".pth", ".torch"])
def test_any_torch(tmp_path, ext):
    torch = pytest.importorskip("torch")
    from torch import nn

    torch.manual_seed(5)
    module = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)).double()
    net = load_net_any(save_torch(module, tmp_path / f"net{ext}"))
    z = random_inputs(2)
    np.testing.assert_allclose(net(z), torch_forward(module, z), rtol=1e-12, atol=1e-12)


def test_any_errors_name_the_file(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ModelFileError, match=r"bad\.json: not valid JSON"):
        load_net_any(tmp_path / "bad.json")
    with pytest.raises(ModelFileError, match=r"gone\.npz: no such file"):
        load_net_any(tmp_path / "gone.npz")
    with pytest.raises(ModelFileError, match=r"gone\.json: no such file"):
        load_net_any(tmp_path / "gone.json")
