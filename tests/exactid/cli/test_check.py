"""End-to-end tests of ``exactid check`` through exactid.cli.main.

The expected verdicts come from the construction of each net (identity: injective; ReLU:
observably injective, not injective; |z|: nothing), not from the library; the JSON output is
compared with the report of the same call in the library.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from exactid import GaussianMixture, LatentModel, ReluNet, save_model, save_net
from exactid.cli import main
from exactid.identifiability import check_injectivity


def identity_2d():
    """z -> ReLU(z) - ReLU(-z) = z in R^2: injective."""
    W1 = np.vstack([np.eye(2), -np.eye(2)])
    return ReluNet([W1, np.hstack([np.eye(2), -np.eye(2)])], [np.zeros(4), np.zeros(2)])


def relu_2d():
    """Coordinatewise ReLU: (F2), (F3), not (F4)."""
    return ReluNet([np.eye(2), [[2.0, 1.0], [0.0, 1.0]]], [np.zeros(2), np.zeros(2)])


def absval():
    return ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])


def run_json(argv, capsys):
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = json.loads(captured.out)
    for key in ("F2", "F3", "F4"):
        assert isinstance(out[key], bool)
    assert set(out["witnesses"]) == {"F2", "F3", "F4"}
    assert isinstance(out["n_regions"], int) and out["n_regions"] >= 1
    return out


def run_text(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""
    return captured.out


def verdicts(out):
    return out["F2"], out["F3"], out["F4"]


def test_json_net(tmp_path, capsys):
    path = tmp_path / "relu.json"
    save_net(relu_2d(), path)
    out = run_json(["check", str(path)], capsys)
    assert verdicts(out) == (True, True, False)
    z1, z2 = (np.array(out["witnesses"]["F4"][k]) for k in ("z1", "z2"))
    np.testing.assert_array_equal(relu_2d()(np.vstack([z1, z2]))[0], relu_2d()(z2[None])[0])
    assert out == json.loads(json.dumps(check_injectivity(relu_2d()).to_dict()))
    text = run_text(["check", str(path)], capsys)
    assert text.startswith(f"{path}: R^2 -> R^2")
    lines = text.splitlines()
    assert any(line.split()[:4] == ["(F2)", "weakly", "injective", "yes"] for line in lines)
    assert any(line.split()[:4] == ["(F3)", "observably", "injective", "yes"] for line in lines)
    assert any(line.split()[:3] == ["(F4)", "injective", "NO"] for line in lines)
    assert "Appendix H:" in text


def test_json_model_uses_its_decoder(tmp_path, capsys):
    path = tmp_path / "model.json"
    save_model(LatentModel(GaussianMixture([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0]), absval(), 0.3),
               path)
    out = run_json(["check", str(path)], capsys)
    assert verdicts(out) == (False, False, False)
    assert (out["m"], out["n"]) == (1, 1)
    text = run_text(["check", str(path)], capsys)
    for key in ("(F2)", "(F3)", "(F4)"):
        assert any(line.split()[:1] == [key] and " NO " in line for line in text.splitlines())


def test_npz(tmp_path, capsys):
    net = identity_2d()
    path = tmp_path / "identity.npz"
    np.savez(path, W1=net.weights[0], b1=net.biases[0], W2=net.weights[1], b2=net.biases[1])
    out = run_json(["check", str(path)], capsys)
    assert verdicts(out) == (True, True, True)
    text = run_text(["check", str(path), "--tol", "1e-8", "--box", "10"], capsys)
    assert "in the box [-10, 10]^2" in text
    assert "(F4) injective             yes" in text


def test_torch_file(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from torch import nn

    module = nn.Sequential(nn.Linear(1, 2), nn.LeakyReLU(0.5), nn.Linear(2, 1)).double()
    with torch.no_grad():
        module[0].weight.copy_(torch.tensor([[1.0], [-1.0]], dtype=torch.float64))
        module[0].bias.zero_()
        module[2].weight.copy_(torch.tensor([[1.0, -1.0]], dtype=torch.float64))
        module[2].bias.zero_()
    # f(z) = leaky(z) - leaky(-z) = 1.5 z: injective
    path = tmp_path / "net.pt"
    torch.save(module, path)
    out = run_json(["check", str(path)], capsys)
    assert verdicts(out) == (True, True, True)
    text = run_text(["check", str(path)], capsys)
    assert "(F4) injective             yes" in text


def test_torch_unsupported_layer(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from torch import nn

    path = tmp_path / "tanh.pt"
    torch.save(nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2)), path)
    assert main(["check", str(path)]) == 2
    captured = capsys.readouterr()
    assert "layer 1 (Tanh) is not supported" in captured.err and captured.out == ""


@pytest.fixture
def files(tmp_path):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    npz = tmp_path / "nob2.npz"
    np.savez(npz, W1=np.eye(2), b1=np.zeros(2), W2=np.eye(2))
    wide = tmp_path / "wide.json"  # m = 2 > n = 1
    save_net(ReluNet([np.eye(2), np.ones((1, 2))], [np.zeros(2), np.zeros(1)]), wide)
    four = tmp_path / "four.json"  # m = 4
    save_net(ReluNet([np.eye(4), np.eye(4)], [np.zeros(4), np.zeros(4)]), four)
    good = tmp_path / "good.json"
    save_net(relu_2d(), good)
    return {"bad": bad_json, "npz": npz, "wide": wide, "four": four, "good": good,
            "missing": tmp_path / "missing.json"}


@pytest.mark.parametrize("argv, message", [
    (["{bad}"], "not valid JSON"),
    (["{missing}"], "missing.json: no such file"),
    (["{npz}"], "missing array(s) b2"),
    (["{wide}"], "m <= n"),
    (["{four}"], "m = 4"),
    (["{good}", "--tol", "0"], "--tol: expected a number > 0"),
    (["{good}", "--tol", "-1"], "--tol: expected a number > 0"),
    (["{good}", "--tol", "nan"], "tol"),
    (["{good}", "--tol", "1e-12"], "tol"),
    (["{good}", "--box", "0"], "--box: expected a number > 0"),
    (["{good}", "--box", "inf"], "box"),
], ids=["bad-json", "missing", "npz-missing-array", "m>n", "m>3", "tol0", "tol-neg", "tol-nan",
        "tol-tiny", "box0", "box-inf"])
def test_bad_input_exits_2(files, capsys, argv, message):
    argv = ["check"] + [a.format(**files) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("exactid check: error: ")
    assert message in captured.err
    assert captured.out == ""


def test_non_numeric_tol_is_an_argparse_error(files, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", str(files["good"]), "--tol", "abc"])
    assert exc.value.code == 2
    assert "--tol" in capsys.readouterr().err


def test_truncated_npz_exits_2(tmp_path, capsys):
    good = tmp_path / "good.npz"
    np.savez(good, W1=np.eye(2), b1=np.zeros(2))
    bad = tmp_path / "bad.npz"
    bad.write_bytes(good.read_bytes()[:50])
    assert main(["check", str(bad)]) == 2
    assert "bad.npz: not a readable .npz archive" in capsys.readouterr().err
    import gc

    gc.collect()  # a leaked file object warns here at the latest
