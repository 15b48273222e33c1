"""Tests of exactid.io: JSON round trips, the file format, strict error reporting, atomic saves."""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import exactid.io.modelfile as eio
from exactid import (
    GaussianMixture,
    LatentModel,
    ModelFileError,
    ReluNet,
    load_model,
    load_net,
    save_model,
    save_net,
)
from exactid.io import model_from_dict, model_to_dict, net_from_dict, net_to_dict
from tests.budget import examples

ROOT = Path(__file__).resolve().parents[3]


def leaky_net():
    return ReluNet(
        [[[1.0], [-0.5], [0.3]], [[0.2, -1.1, 0.7], [1.0, 0.1 + 0.2, -2.0]], [[1.5, -0.25]]],
        [[0.1, -0.2, 0.0], [0.5, -1e-300], [1.0 / 3.0]],
        0.1,
    )


def model_1d():
    prior = GaussianMixture([0.2, 0.3, 0.5], [-2.0, 0.1, 2.5], [0.5, 1.0 / 3.0, 2.0])
    return LatentModel(prior, leaky_net(), 0.3)


def model_2d():
    prior = GaussianMixture(
        [0.25, 0.75], [[0.0, 1.0], [-1.5, 2.0]], [np.eye(2), [[2.0, 0.3], [0.3, 0.5]]]
    )
    net = ReluNet(
        [np.arange(6.0).reshape(3, 2) / 7.0 - 0.4, [[1.0, -1.0, 0.5]]], [[0.1, 0.2, -0.3], [0.0]]
    )
    return LatentModel(prior, net, 0.05)


NETS = {
    "relu-1layer": lambda: ReluNet([[[2.0]]], [[-1.0]]),
    "abs": lambda: ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]]),
    "leaky-3layer": leaky_net,
    "2d-input": lambda: model_2d().net,
}
MODELS = {
    "J3-m1-leaky": model_1d,
    "J1-m1": lambda: LatentModel(
        GaussianMixture([1.0], [0.5], [2.0]), ReluNet([[[1.0]]], [[0.0]]), 0.0
    ),
    "m2": model_2d,
}


def check_same_outputs(net_a, net_b):
    z = np.random.default_rng(0).normal(scale=3.0, size=(100, net_a.input_dim))
    out_a, out_b = net_a(z), net_b(z)
    assert out_a.tobytes() == out_b.tobytes()


# -- round trips -------------------------------------------------------------------------------
@pytest.mark.parametrize("make", NETS.values(), ids=NETS.keys())
def test_net_round_trip(make, tmp_path):
    net = make()
    path = tmp_path / "net.json"
    save_net(net, path)
    loaded = load_net(path)
    assert isinstance(loaded, ReluNet) and loaded == net
    assert loaded.negative_slope == net.negative_slope
    check_same_outputs(net, loaded)
    assert net_from_dict(net_to_dict(net)) == net


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_model_round_trip(make, tmp_path):
    model = make()
    path = tmp_path / "model.json"
    save_model(model, str(path))
    loaded = load_model(str(path))
    assert isinstance(loaded, LatentModel) and loaded == model
    assert loaded.noise_std == model.noise_std
    check_same_outputs(model.net, loaded.net)
    z = model.prior.sample(50, seed=1)
    assert loaded.prior.log_pdf(z).tobytes() == model.prior.log_pdf(z).tobytes()
    assert model_from_dict(model_to_dict(model)) == model


def test_round_trip_is_not_trivially_equal(tmp_path):
    """Guard against a vacuous __eq__: a changed file loads to a different model."""
    path = tmp_path / "model.json"
    save_model(model_1d(), path)
    d = json.loads(path.read_text())
    d["net"]["layers"][2]["bias"][0] = np.nextafter(1.0 / 3.0, 1.0)
    path.write_text(json.dumps(d))
    assert load_model(path) != model_1d()


def test_saved_file_is_canonical_and_exact(tmp_path):
    path = tmp_path / "model.json"
    save_model(model_1d(), path)
    text = path.read_text()
    assert text.startswith('{\n  "format": "exactid-model",\n  "version": 1,\n')
    assert text.endswith("}\n")
    assert "0.30000000000000004" in text and "0.3333333333333333" in text and "1e-300" in text
    d = json.loads(text)
    assert set(d) == {"format", "version", "prior", "net", "noise_std"}
    assert d["prior"]["means"] == [[-2.0], [0.1], [2.5]]
    assert d["prior"]["covs"] == [[[0.5]], [[1.0 / 3.0]], [[2.0]]]
    assert d["net"] == {
        k: v for k, v in net_to_dict(leaky_net()).items() if k not in ("format", "version")
    }

    save_net(leaky_net(), tmp_path / "net.json")
    nd = json.loads((tmp_path / "net.json").read_text())
    assert (nd["format"], nd["version"], nd["negative_slope"]) == ("exactid-net", 1, 0.1)
    assert nd["layers"][0] == {"weight": [[1.0], [-0.5], [0.3]], "bias": [0.1, -0.2, 0.0]}


def test_flat_m1_form_and_optional_keys_load(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(
        json.dumps(
            {
                "prior": {
                    "weights": [0.2, 0.3, 0.5],
                    "means": [-2.0, 0.1, 2.5],
                    "covs": [0.5, 1 / 3, 2.0],
                },
                "net": {"layers": [{"weight": [[1]], "bias": [0]}]},
                "noise_std": 1,
            }
        )
    )
    loaded = load_model(path)
    assert loaded.prior == model_1d().prior
    assert loaded.net == ReluNet([[[1.0]]], [[0.0]], 0.0)
    assert loaded.noise_std == 1.0


MODULE_EXAMPLE = re.search(r"::\n\n(.*?)\n\n", eio.__doc__, re.S).group(1)


def test_module_docstring_example_loads(tmp_path):
    path = tmp_path / "example.json"
    path.write_text(MODULE_EXAMPLE)
    model = load_model(path)
    assert model.prior == GaussianMixture([0.5, 0.5], [-2.0, 2.0], [1.0, 1.0])
    assert model.noise_std == 0.3
    np.testing.assert_array_equal(model.net([-2.0, 3.0])[:, 0], [2.0, 3.0])


def readme_model_examples():
    readme = ROOT / "README.md"
    if not readme.exists():
        return []
    blocks = re.findall(r"```json\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    return [b for b in blocks if '"prior"' in b]


def test_readme_example_loads(tmp_path):
    examples = readme_model_examples()
    if not examples:
        pytest.skip("README.md has no ```json model example (yet)")
    for i, text in enumerate(examples):
        path = tmp_path / f"readme{i}.json"
        path.write_text(text)
        model = load_model(path)
        assert isinstance(model, LatentModel)
        save_model(model, path)
        assert load_model(path) == model


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def nets(draw):
    widths = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    ws = [
        np.array(draw(st.lists(finite, min_size=o * i, max_size=o * i))).reshape(o, i)
        for i, o in zip(widths[:-1], widths[1:])
    ]
    bs = [np.array(draw(st.lists(finite, min_size=o, max_size=o))) for o in widths[1:]]
    slope = draw(st.floats(min_value=0.0, max_value=3.0))
    return ReluNet(ws, bs, slope)


@settings(max_examples=examples(60), deadline=None)
@given(nets())
def test_net_round_trip_property(net):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "net.json"
        save_net(net, path)
        loaded = load_net(path)
        assert loaded == net
        for a, b in zip(loaded.weights + loaded.biases, net.weights + net.biases):
            assert a.tobytes() == b.tobytes()  # bit for bit, including -0.0
        check_same_outputs(net, loaded)
        assert sorted(p.name for p in Path(tmp).iterdir()) == ["net.json"]


# -- malformed files -------------------------------------------------------------------------------
def base_dict():
    return model_to_dict(model_1d())


def mutate(**edits):
    """A factory of model dicts edited by ``a__b__0=value`` (``__`` joins the path; DELETE
    removes the key)."""

    def make():
        d = base_dict()
        for dotted, value in edits.items():
            *parents, last = dotted.split("__")
            target = d
            for key in parents:
                target = target[int(key)] if key.isdigit() else target[key]
            last = int(last) if last.isdigit() else last
            if value is DELETE:
                del target[last]
            else:
                target[last] = value
        return d

    return make


DELETE = object()
LAYER1 = {"weight": [[1.0, 2.0]], "bias": [0.0]}

MALFORMED = [
    (mutate(prior__weights=DELETE), "missing field 'prior.weights'"),
    (mutate(noise_std=DELETE), "missing field 'noise_std'"),
    (mutate(net__layers__1__bias=DELETE), "missing field 'net.layers[1].bias'"),
    (mutate(noise_sd=0.3), "unknown field 'noise_sd' (expected one of: prior, net, noise_std"),
    (mutate(prior__weigths=[1.0]), "unknown field 'prior.weigths'"),
    (mutate(net__layers__0__biases=[1.0]), "unknown field 'net.layers[0].biases'"),
    (mutate(net__format="exactid-net"), "unknown field 'net.format'"),
    (mutate(prior__weights__0="0.2"), "field 'prior.weights[0]': expected a number, found str"),
    (
        mutate(net__layers__1__bias="0.5"),
        "field 'net.layers[1].bias': expected a list of numbers, found str",
    ),
    (mutate(noise_std=True), "field 'noise_std': expected a number, found bool"),
    (
        mutate(net__layers__0__weight__1__0=False),
        "field 'net.layers[0].weight[1][0]': expected a number, found bool",
    ),
    (mutate(net__negative_slope=None), "field 'net.negative_slope': expected a number, found null"),
    (
        mutate(prior__means=None),
        "field 'prior.means': expected a list of numbers or a list of lists of numbers, found null",
    ),
    (
        mutate(prior__covs__1=[[1.0], 2.0]),
        "field 'prior.covs[1][1]': expected shape (1,) like 'prior.covs[1][0]', found a number",
    ),
    (
        mutate(prior__means=[[0.0], [1.0, 2.0], [3.0]]),
        "field 'prior.means[1]': expected shape (1,) like 'prior.means[0]', found shape (2,)",
    ),
    (
        mutate(net__layers__0__weight=[1.0, 2.0, 3.0]),
        "field 'net.layers[0].weight': expected a list of lists of numbers, "
        "found a list of shape (3,)",
    ),
    (
        mutate(prior__covs=[[[[1.0]]]] * 3),
        "field 'prior.covs': expected a list of numbers or a list of matrices, "
        "found a list of shape (3, 1, 1, 1)",
    ),
    (mutate(prior="weights"), "field 'prior': expected an object, found str"),
    (mutate(net__layers__0=[1.0]), "field 'net.layers[0]': expected an object, found list"),
    (
        mutate(net__layers=[]),
        "field 'net.layers': expected a non-empty list of layers, found 0 layers",
    ),
    (
        mutate(net__layers={"weight": [[1.0]]}),
        "field 'net.layers': expected a non-empty list of layers, found object",
    ),
    (
        mutate(net__layers__1=LAYER1),
        "field 'net': weights[1]: expected 3 columns (the outputs of layer 0), found shape (1, 2)",
    ),
    (mutate(net__layers__0__bias=[0.0, 0.0]), "field 'net': biases[0]: expected shape (3,)"),
    (
        mutate(prior__weights=[1.2, -0.2, 0.0]),
        "field 'prior': weights: expected non-negative weights, found weights[1] = -0.2",
    ),
    (
        mutate(prior__weights=[0.2, 0.3, 0.6]),
        "field 'prior': weights: expected weights summing to 1",
    ),
    (
        mutate(prior__covs__2=[[-1.0]]),
        "field 'prior': covs: expected positive definite matrices, "
        "found covs[2] with smallest eigenvalue -1",
    ),
    (mutate(prior__means=[[0.0, 1.0]] * 3), "field 'prior': covs: expected shape (3, 2, 2)"),
    (mutate(prior__weights=[]), "field 'prior': weights: expected at least one component"),
    (mutate(noise_std=-0.3), "noise_std: expected a finite number >= 0, found -0.3"),
    (
        mutate(net__negative_slope=-0.1),
        "field 'net': negative_slope: expected a finite number >= 0, found -0.1",
    ),
    (
        mutate(prior=model_to_dict(model_2d())["prior"]),
        "net: expected input dimension 2 (the prior's dimension m), found 1",
    ),
    (mutate(format="exactid-net"), "this is a net file, not a model file; use load_net"),
    (
        mutate(format="exactid-modle"),
        "field 'format': expected 'exactid-model', found 'exactid-modle'",
    ),
    (mutate(version=2), "field 'version': expected 1, found 2"),
    (mutate(version="1"), "field 'version': expected 1, found '1'"),
    (lambda: [base_dict()], "expected a JSON object at the top level, found list"),
    (lambda: net_to_dict(leaky_net()), "this is a net file, not a model file; use load_net"),
    (
        lambda: {k: v for k, v in net_to_dict(leaky_net()).items() if k != "format"},
        "this is a net file",
    ),
]


@pytest.mark.parametrize(("make", "message"), MALFORMED)
def test_malformed_model_file(make, message, tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps(make()))
    with pytest.raises(ModelFileError, match=re.escape(f"{path}: {message}")):
        load_model(path)
    with pytest.raises(ModelFileError, match=re.escape(f"<dict>: {message}")):
        model_from_dict(make())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{\n  "prior": {}\n  "net": 1\n}',
            "not valid JSON (line 3, column 3: Expecting ',' delimiter)",
        ),
        ("", "not valid JSON (line 1, column 1: Expecting value)"),
        ("[1, 2", "not valid JSON (line 1, column 6:"),
        ('"model"', "expected a JSON object at the top level, found str"),
        ('{"prior": 1, "prior": 2}', "duplicate key 'prior'"),
    ],
)
def test_invalid_json(text, message, tmp_path):
    path = tmp_path / "model.json"
    path.write_text(text)
    with pytest.raises(ModelFileError, match=re.escape(f"{path}: {message}")):
        load_model(path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '"noise_std": 0.3',
            '"noise_std": NaN',
            "field 'noise_std': expected a finite number, found nan",
        ),
        (
            "[\n          0.5\n",
            "[\n          Infinity\n",
            "field 'prior.covs[0][0][0]': expected a finite number, found inf",
        ),
        (
            '"negative_slope": 0.1',
            '"negative_slope": -Infinity',
            "field 'net.negative_slope': expected a finite number, found -inf",
        ),
        (
            '"noise_std": 0.3',
            '"noise_std": 1' + "0" * 400,
            "field 'noise_std': expected a finite number, found an integer too large",
        ),
    ],
)
def test_non_finite_literals_rejected(old, new, message, tmp_path):
    path = tmp_path / "model.json"
    save_model(model_1d(), path)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ModelFileError, match=re.escape(f"{path}: {message}")):
        load_model(path)


def test_nested_array_error_paths_in_net_file(tmp_path):
    path = tmp_path / "net.json"
    save_net(leaky_net(), path)
    text = path.read_text().replace("0.30000000000000004", "NaN")
    path.write_text(text)
    with pytest.raises(
        ModelFileError,
        match=re.escape(f"{path}: field 'layers[1].weight[1][1]': expected a finite"),
    ):
        load_net(path)


@pytest.mark.parametrize(
    ("d", "message"),
    [
        ({"negative_slope": 0.0}, "missing field 'layers'"),
        ({"layers": [{"weight": [[1.0]], "bias": [0.0]}], "slope": 0.1}, "unknown field 'slope'"),
        (
            {"layers": [{"weight": [[1.0]], "bias": ["x"]}]},
            "field 'layers[0].bias[0]': expected a number, found str",
        ),
        (
            {"layers": [{"weight": [[1.0]], "bias": [0.0]}], "negative_slope": "0"},
            "field 'negative_slope': expected a number, found str",
        ),
        ({"layers": [{"weight": [[1.0]], "bias": [0.0, 1.0]}]}, "biases[0]: expected shape (1,)"),
        (
            {"format": "exactid-model", "layers": []},
            "this is a model file, not a net file; use load_model",
        ),
        ({"format": 3, "layers": []}, "field 'format': expected 'exactid-net', found 3"),
        (model_to_dict(model_2d()), "this is a model file, not a net file; use load_model"),
        (
            {k: v for k, v in model_to_dict(model_2d()).items() if k != "format"},
            "this is a model file",
        ),
        (None, "expected a JSON object at the top level, found null"),
    ],
)
def test_malformed_net_file(d, message, tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(d))
    with pytest.raises(ModelFileError, match=re.escape(f"{path}: {message}")):
        load_net(path)
    with pytest.raises(ModelFileError, match=re.escape(f"my-net: {message}")):
        net_from_dict(copy.deepcopy(d), source="my-net")


def test_missing_file_and_non_utf8(tmp_path):
    missing = tmp_path / "nope" / "model.json"
    with pytest.raises(ModelFileError, match=re.escape(f"{missing}: no such file")):
        load_model(missing)
    with pytest.raises(ModelFileError, match=re.escape(f"{missing}: no such file")):
        load_net(str(missing))
    with pytest.raises(ModelFileError, match=re.escape(f"{tmp_path}: cannot read the file")):
        load_model(tmp_path)
    binary = tmp_path / "model.json"
    binary.write_bytes(b'{"prior": "\xff"}')
    with pytest.raises(
        ModelFileError, match=re.escape(f"{binary}: not valid JSON (not UTF-8 text")
    ):
        load_model(binary)


def test_model_file_error_is_value_error():
    assert issubclass(ModelFileError, ValueError)


# -- saving ----------------------------------------------------------------------------------------
def test_save_validates_argument_type(tmp_path):
    path = tmp_path / "out.json"
    with pytest.raises(ValueError, match=r"net: expected a ReluNet, found LatentModel"):
        save_net(model_1d(), path)
    with pytest.raises(ValueError, match=r"model: expected a LatentModel, found ReluNet"):
        save_model(leaky_net(), path)
    with pytest.raises(ValueError, match=r"model: expected a LatentModel, found dict"):
        save_model(base_dict(), path)
    assert list(tmp_path.iterdir()) == []


_real_write = os.write


def failing_write(fd, data):
    """Write part of the bytes, then fail as a full disk does."""
    _real_write(fd, bytes(data[: max(1, len(data) // 2)]))
    raise OSError(28, "No space left on device (disk full)")


def test_failed_save_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "write", failing_write)
    path = tmp_path / "model.json"
    with pytest.raises(OSError, match="disk full"):
        save_model(model_1d(), path)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    save_net(leaky_net(), path)
    before = path.read_bytes()
    monkeypatch.setattr(os, "write", failing_write)
    with pytest.raises(OSError, match="disk full"):
        save_net(ReluNet([[[1.0]]], [[0.0]]), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["net.json"]
    monkeypatch.undo()
    assert load_net(path) == leaky_net()


def test_save_overwrites_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "model.json"
    save_model(model_1d(), path)
    save_model(model_2d(), path)
    assert load_model(path) == model_2d()
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]
