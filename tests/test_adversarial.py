"""Hostile inputs for every command: a table of cases, each with its exit code and message.

Every case runs the real entry point (``exactid.cli.main`` / ``vade_check.cli.main``) and
checks the contract of :mod:`exactid.cli.run`: the documented exit code, one line naming the
problem on stderr, never a Python traceback, nothing written on failure, and no NaN printed
as a result.  The classes of the hardening pass each have their own rows: code execution from
net files, unbounded reads, unbounded combinatorial work, outputs that are not regular files,
out-of-range numbers, options out of range, and misleading messages.  Subprocess tests below
the table cover what needs a real process: a malicious pickle, Ctrl-C and SIGTERM.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from exactid import GaussianMixture, LatentModel, ReluNet, save_model, save_net
from exactid.cli import main as exactid_main

SENTINEL = "exactid-adversarial-sentinel"


# -- hostile files -----------------------------------------------------------------------------
def _model_dict(noise=0.3, weights=((1.0, -1.0), (1.0, 1.0)), covs=(1.0, 0.25)):
    w1, w2 = weights
    return {"prior": {"weights": [0.5, 0.5], "means": [-1.0, 1.0], "covs": list(covs)},
            "net": {"layers": [{"weight": [[w] for w in w1], "bias": [0.0, 0.0]},
                               {"weight": [list(w2)], "bias": [0.0]}]},
            "noise_std": noise}


class _Evil:
    """A pickle whose loading would run a shell command (creating a sentinel file)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def _npy_header(shape, descr="<f8") -> bytes:
    header = repr({"descr": descr, "fortran_order": False, "shape": tuple(shape)}).encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header


def _bomb_npz(path: Path, n: int) -> None:
    """An .npz whose W1 is n float64 zeros, deflated to a few hundred kB (a deflate bomb)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("W1.npy", "w", force_zip64=True) as fh:
            fh.write(_npy_header((n, 1)))
            chunk = bytes(2**20)
            for _ in range(n * 8 // len(chunk)):
                fh.write(chunk)
        zf.writestr("b1.npy", _npy_header((n,)) + bytes(16))


def _header_lies_npz(path: Path) -> None:
    """An .npz whose W1 header claims 10^10 elements (80 GB) but holds 16 bytes."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("W1.npy", _npy_header((10**10, 1)) + bytes(16))
        zf.writestr("b1.npy", _npy_header((2,)) + bytes(16))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    f = {"dir": d}
    (d / "ok.json").write_text(json.dumps(_model_dict()))
    f["ok"] = d / "ok.json"
    for name, kwargs in {"noise_huge": dict(noise=1e300), "noise_subnormal": dict(noise=1e-310),
                         "weights_huge": dict(weights=((1e200, -1e200), (1.0, 1.0))),
                         "cov_huge": dict(covs=(1e308, 1.0))}.items():
        (d / f"{name}.json").write_text(json.dumps(_model_dict(**kwargs)))
        f[name] = d / f"{name}.json"
    model2 = LatentModel(GaussianMixture([1.0], [[0.0, 0.0]], [np.eye(2)]),
                         ReluNet([np.eye(2)], [np.zeros(2)]), 0.1)
    save_model(model2, d / "m2.json")
    f["m2"] = d / "m2.json"
    net = ReluNet([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0, 1.0], [0.0, 1.0, -1.0]]],
                  [[0.0, 0.0, -1.0], [0.0, 0.0]])
    np.savez(d / "good.npz", W1=net.weights[0], b1=net.biases[0], W2=net.weights[1],
             b2=net.biases[1])
    f["good"] = d / "good.npz"
    save_net(ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]]), d / "net1.json")
    f["net1"] = d / "net1.json"
    bad_bias = {"layers": [{"weight": [[1.0]], "bias": ["x"]}]}
    (d / "badnet.json").write_text(json.dumps(bad_bias))
    f["badnet"] = d / "badnet.json"
    nested = 1.0
    for _ in range(600):
        nested = [nested]
    (d / "deep.json").write_text(json.dumps({"layers": [{"weight": nested, "bias": [0.0]}]}))
    f["deep"] = d / "deep.json"
    (d / "nan.json").write_text(json.dumps(_model_dict()).replace("0.3", "NaN"))
    f["nan"] = d / "nan.json"
    (d / "empty.json").write_text("")
    f["empty"] = d / "empty.json"
    _bomb_npz(d / "bomb.npz", 2 * 10**7)
    f["bomb"] = d / "bomb.npz"
    _header_lies_npz(d / "liar.npz")
    f["liar"] = d / "liar.npz"
    np.savez(d / "complex.npz", W1=np.eye(2) * (1 + 1j), b1=np.zeros(2))
    f["complex"] = d / "complex.npz"
    np.save(d / "complex.npy", np.array([1.0 + 1j, 2.0]))
    f["complex_data"] = d / "complex.npy"
    with open(d / "evil.pt", "wb") as fh:
        pickle.dump(_Evil(d / SENTINEL), fh)
    f["evil"] = d / "evil.pt"
    os.mkfifo(d / "fifo.json")
    f["fifo"] = d / "fifo.json"
    (d / "adir").mkdir()
    f["adir"] = d / "adir"
    return f


# -- the table ---------------------------------------------------------------------------------
#: (id, argv with {name} placeholders, exit code, regex the last stderr line must match).
CASES = [
    # 1. code execution from net files
    ("pickle-check", ["check", "{evil}"], 2, r"refusing to unpickle: the file refers to "
                                              r"posix\.system"),
    ("pickle-pieces", ["pieces", "{evil}"], 2, r"refusing to unpickle"),
    # 5. unbounded reads and sizes
    ("dev-zero-logpdf", ["logpdf", "/dev/zero", "1"], 2, r"/dev/zero: not a regular file"),
    ("fifo-logpdf", ["logpdf", "{fifo}", "1"], 2, r"fifo\.json: not a regular file"),
    ("fifo-check", ["check", "{fifo}"], 2, r"not a regular file"),
    ("dev-zero-data", ["surface", "{ok}", "--param", "mu1", "--data", "/dev/zero"], 2,
     r"--data: /dev/zero: not a regular file"),
    ("deflate-bomb", ["check", "{bomb}"], 2, r"array 'W1' has shape \(20000000, 1\).*limit"),
    ("header-lies", ["check", "{liar}"], 2, r"array 'W1' has shape \(10000000000, 1\)"),
    ("grid-huge", ["logpdf", "{ok}", "--grid", "0", "1", "1e9"], 2, r"--grid: at most 10000000"),
    ("points-huge", ["surface", "{ok}", "--param", "mu1", "--points", "1000000"], 2,
     r"--points: .*more than 100000"),
    ("points-huge-2d", ["surface", "{ok}", "--param", "mu1", "--param2", "mu2", "--points",
                        "1000"], 2, r"--points: 1000 points per parameter give 1000000"),
    ("simulate-J-50", ["simulate", "--J", "50", "--models", "1"], 2,
     r"family: n_components=50, .* grid points, more than the limit"),
    ("simulate-tol-huge", ["simulate", "--tol", "1e300", "--models", "1"], 2,
     r"--tol: expected at most 1"),
    ("check-max-regions", ["check", "{good}", "--max-regions", "2"], 2,
     r"--max-regions: more than 2 linear cells"),
    ("check-time-limit", ["check", "{good}", "--time-limit", "1e-9"], 2,
     r"--time-limit: stopped after 1e-09 s"),
    # 6. tracebacks instead of exit 2
    ("box-huge", ["check", "{good}", "--box", "1e20"], 2,
     r"--box: expected a half-width <= 1e\+15"),
    ("box-tiny", ["check", "{good}", "--box", "1e-300"], 2, r"--box: expected a half-width >= "),
    ("tol-10", ["check", "{good}", "--tol", "10"], 2, r"--tol: expected a number <= 1e-06"),
    ("tol-1", ["check", "{good}", "--tol", "1"], 2, r"--tol: expected a number <= 1e-06"),
    ("deep-nesting", ["check", "{deep}"], 2, r"nested too deeply"),
    ("seed-negative", ["simulate", "--seed", "-1"], 2, r"--seed: expected an integer >= 0"),
    # 4. numbers outside the supported range: an error naming the parameter, never NaN/-inf
    ("noise-1e300", ["logpdf", "{noise_huge}", "0", "1"], 2,
     r"noise_std: 1e\+300 is outside the range \[1e-100, 1e\+100\]"),
    ("noise-subnormal", ["logpdf", "{noise_subnormal}", "0"], 2,
     r"noise_std: 1e-310 is outside the range"),
    ("weights-1e200", ["logpdf", "{weights_huge}", "0"], 2, r"net: piece \d has slope"),
    ("surface-weights-1e200", ["surface", "{weights_huge}", "--param", "mu1", "--points", "3"],
     2, r"net: piece \d has slope"),
    ("surface-to-weights-1e200", ["surface", "{ok}", "--param", "W1[0,0]", "--range", "1",
                                  "1e200", "--points", "3"], 2,
     r"values\[1\] = 5e\+199: invalid parameter value \(net: piece"),
    ("cov-1e308", ["logpdf", "{cov_huge}", "0"], 2, r"covs: expected entries of magnitude"),
    ("nan-literal", ["logpdf", "{nan}", "0"], 2, r"expected a finite number, found nan"),
    # 7. misleading messages and smaller issues
    ("pieces-bad-bias", ["pieces", "{badnet}"], 2,
     r"badnet\.json: field 'layers\[0\]\.bias\[0\]': expected a number, found str"),
    ("grid-and-points", ["logpdf", "{ok}", "0.5", "--grid", "0", "1", "3"], 2,
     r"x: give points as arguments or use --grid, not both"),
    ("out-missing-dir", ["surface", "{ok}", "--param", "mu1", "--points", "3", "--out",
                         "{dir}/nowhere/slice.png"], 2,
     r"--out: the directory .*nowhere' does not exist"),
    ("out-bad-format", ["surface", "{ok}", "--param", "mu1", "--points", "3", "--out",
                        "{dir}/slice.xyz"], 2, r"--out: expected an image file name"),
    ("out-directory", ["surface", "{ok}", "--param", "mu1", "--points", "3", "--out", "{adir}"],
     2, r"--out: .*adir' is a directory"),
    ("complex-npz", ["check", "{complex}"], 2, r"array 'W1': expected numbers, found dtype "
                                               r"complex128"),
    ("complex-data", ["surface", "{ok}", "--param", "mu1", "--points", "3", "--data",
                      "{complex_data}"], 2, r"expected numbers, found dtype complex128"),
    ("m2-logpdf", ["logpdf", "{m2}", "0"], 2, r"point 1 \('0'\) has 1 coordinate\(s\); the model's "
     r"observed dimension is n = 2"),
    ("empty-file", ["logpdf", "{empty}", "0"], 2, r"empty\.json: not valid JSON"),
    ("directory-model", ["logpdf", "{adir}", "0"], 2, r"adir: cannot read the file"),
    # 3. outputs that are not regular files (nothing is replaced)
    ("json-to-fifo", ["simulate", "--models", "1", "--json", "{fifo}"], 2,
     r"--json: .*fifo\.json' is not a regular file"),
    ("json-to-dir", ["simulate", "--models", "1", "--json", "{adir}"], 2,
     r"--json: .*adir' is a directory"),
    ("json-to-missing-dir", ["simulate", "--models", "1", "--json", "{dir}/no/out.json"], 2,
     r"--json: the directory"),
    ("resume-without-json", ["simulate", "--resume"], 2, r"--resume: needs --json FILE"),
]
if Path("/dev/null").exists() and stat.S_ISCHR(os.stat("/dev/null").st_mode):
    CASES.append(("json-to-dev-null", ["simulate", "--models", "1", "--json", "/dev/null"], 2,
                  r"--json: '/dev/null' is not a regular file"))
if Path("/proc/version").exists():
    CASES.append(("json-to-proc", ["simulate", "--models", "1", "--json", "/proc/version"], 2,
                  r"--json: "))


def _fill(argv, files):
    return [a.format(**{k: str(v) for k, v in files.items()}) for a in argv]


def _snapshot(directory: Path) -> dict:
    return {p.name: (p.stat().st_mode, p.stat().st_size) for p in directory.iterdir()}


@pytest.mark.parametrize("name, argv, code, message", CASES, ids=[c[0] for c in CASES])
def test_hostile_input(files, capsys, name, argv, code, message):
    before = _snapshot(files["dir"])
    rc = exactid_main(_fill(argv, files))
    captured = capsys.readouterr()
    assert rc == code, captured.err
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    last = captured.err.strip().splitlines()[-1]
    assert last.startswith(f"exactid {argv[0]}: error: "), captured.err
    assert re.search(message, last), last
    assert _snapshot(files["dir"]) == before  # nothing written, nothing replaced
    assert not (files["dir"] / SENTINEL).exists()


# -- results that are computed must be finite and correct -----------------------------------
def test_extreme_points_are_finite_or_correctly_rounded(files, capsys):
    """log p at x = 1e153, where the difference x - mean is formed by the scaled square (it
    exceeds 1e150), and at 1e160, where -x^2 / 2.18 is below the float range (-inf is its
    correctly rounded value)."""
    rc = exactid_main(["logpdf", str(files["ok"]), "1e153", "1e160", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    # x^2 / (2 v) with v = 1 + 0.09 (|z| of N(-1, 1) far out) dominates: log p ~ -x^2 / 2.18.
    assert out["log_pdf"][0] == pytest.approx(-(1e153**2) / (2 * 1.09), rel=1e-6)
    assert out["log_pdf"][1] == "-inf"


def test_json_output_is_strict(tmp_path, capsys):
    """Non-finite numbers (log p = -inf outside the image of f for sigma = 0) are strings."""
    d = _model_dict(noise=0.0)
    (tmp_path / "m.json").write_text(json.dumps(d))
    assert exactid_main(["logpdf", str(tmp_path / "m.json"), "-1", "1", "--json"]) == 0
    text = capsys.readouterr().out
    out = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    assert out["log_pdf"][0] == "-inf" and isinstance(out["log_pdf"][1], float)


def test_broken_pipe_exits_quietly(files):
    proc = subprocess.run(
        f"{sys.executable} -m exactid.cli logpdf {files['ok']} --grid 0 1 200000 | head -1",
        shell=True, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr and "Broken pipe" not in proc.stderr, proc.stderr
    assert proc.stdout.startswith(" " * 10)


# -- 1. code execution: the malicious pickle must not run -------------------------------------
def test_malicious_pickle_does_not_run(files):
    sentinel = files["dir"] / SENTINEL
    proc = subprocess.run([sys.executable, "-m", "exactid.cli", "check", str(files["evil"])],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert not sentinel.exists(), "the pickle's payload ran"
    assert proc.stderr.count("\n") == 1 and "refusing to unpickle" in proc.stderr


def test_torch_subclass_refused(tmp_path):
    torch = pytest.importorskip("torch")
    from exactid.errors import ModelFileError, UntrustedFileError
    from exactid.io import load_net_torch

    from .torch_layers import DoublingLinear, double_output

    module = torch.nn.Sequential(DoublingLinear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    torch.save(module, tmp_path / "sub.pt")
    with pytest.raises(UntrustedFileError, match=r"tests\.torch_layers\.DoublingLinear"):
        load_net_torch(tmp_path / "sub.pt")
    # Even when the user trusts the file, a subclass (which overrides forward) is refused.
    with pytest.raises(ModelFileError, match=r"layer 0 \(DoublingLinear\) is a subclass"):
        load_net_torch(tmp_path / "sub.pt", trust_pickle=True)
    plain = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    plain[0].register_forward_hook(double_output)
    torch.save(plain, tmp_path / "hooked.pt")
    with pytest.raises(ModelFileError):
        load_net_torch(tmp_path / "hooked.pt", trust_pickle=True)


def test_plain_torch_file_loads_safely_and_trust_flag_warns(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from exactid.io import load_net_torch

    module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LeakyReLU(0.1),
                                 torch.nn.Linear(3, 2))
    torch.save(module, tmp_path / "plain.pt")
    net = load_net_torch(tmp_path / "plain.pt")  # weights_only=True with the allow-list
    z = np.array([[0.3, -1.2], [2.0, 0.5]])
    with torch.no_grad():
        want = module(torch.tensor(z, dtype=torch.float32)).double().numpy()
    np.testing.assert_allclose(net(z), want, rtol=1e-6, atol=1e-6)
    assert exactid_main(["check", str(tmp_path / "plain.pt"), "--trust-pickle"]) == 0
    assert "warning: --trust-pickle" in capsys.readouterr().err


# -- 3. writes ------------------------------------------------------------------------------
def test_atomic_write_keeps_permissions_and_follows_symlinks(tmp_path):
    from exactid.files import atomic_write

    target = tmp_path / "secret.json"
    target.write_text("old")
    os.chmod(target, 0o600)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    atomic_write(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "secret.json"]


def test_atomic_write_removes_its_temporary_file_on_sigterm(tmp_path, monkeypatch):
    """SIGTERM arriving during the write (simulated by the exception the entry points turn it
    into) leaves the old file and no temporary file."""
    from exactid import files as _files
    from exactid.cli.run import Terminated

    target = tmp_path / "out.json"
    target.write_text("old")

    def terminated(fd, data):
        raise Terminated()

    monkeypatch.setattr(_files.os, "write", terminated)
    with pytest.raises(Terminated):
        _files.atomic_write(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


# -- 2. Ctrl-C and SIGTERM in a real process ---------------------------------------------------
def _interactive_signals():
    """In the child: SIGINT as in a terminal. A shell without job control starts background
    jobs (``make test &``) with SIGINT ignored, which Python then keeps ignoring; a user's
    Ctrl-C never reaches such a process, and the test would wait for a run that cannot stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(args, cwd):
    return subprocess.Popen([sys.executable, "-m", "exactid.cli", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_interactive_signals)


def _wait_for(path: Path, proc, timeout=300.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists() or proc.poll() is not None:
            return
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"{path} did not appear within {timeout} s")


@pytest.mark.slow
def test_simulate_sigint_keeps_only_complete_records_and_resumes(tmp_path):
    """Ctrl-C after the first model: exit 130 with one line, the file holds exactly the
    finished model with status "partial"; --resume finishes the study and keeps that record."""
    out = tmp_path / "study.json"
    args = ["simulate", "--models", "3", "--J", "2", "--seed", "4", "--json", str(out)]
    proc = _start(args, tmp_path)
    _wait_for(out, proc)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("exactid simulate: interrupted; ") and "--resume" in last, last
    partial = json.loads(out.read_text())
    assert partial["status"] == "partial"
    assert partial["completed"] == len(partial["records"]) >= 1
    assert [r["seed"] for r in partial["records"]] == list(range(4, 4 + partial["completed"]))
    for record in partial["records"]:  # complete searches only: every grid point evaluated
        assert record["certified"] is True
    assert stdout == ""  # no summary of a partial study

    proc = _start([*args, "--resume"], tmp_path)
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    final = json.loads(out.read_text())
    assert final["status"] == "complete" and final["completed"] == 3
    assert final["records"][: partial["completed"]] == partial["records"]
    assert "truth is the unique global minimizer" in stdout
    # A checkpoint from other arguments is refused.
    rc = exactid_main(["simulate", "--models", "3", "--J", "3", "--seed", "4", "--json",
                       str(out), "--resume"])
    assert rc == 2


@pytest.mark.slow
def test_simulate_sigterm_exits_143_with_one_line(tmp_path):
    proc = _start(["simulate", "--models", "2", "--J", "2"], tmp_path)
    first = proc.stderr.readline()  # printed once the command runs (handlers installed)
    assert first.startswith("J.3.1 study:"), first
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143, stderr
    assert stderr.strip().splitlines()[-1] == "exactid simulate: terminated"
    assert "Traceback" not in stderr


# -- vade-check -------------------------------------------------------------------------------
VADE_CASES = [
    (["stability", "--samples", "1000000000"], r"--samples: expected at most 10000000"),
    (["stability", "--device", "meta"], r"device: expected one of cpu, cuda, mps"),
    (["stability", "--lr", "1e39"], r"lr: expected a positive number <= 10"),
    (["stability", "--json", "{fifo}"], r"--json: .* is not a regular file"),
    (["stability", "--figure-dir", "{ok}"], r"--figure-dir: .* exists and is not a directory"),
]


@pytest.mark.parametrize("argv, message", VADE_CASES, ids=[c[0][1] for c in VADE_CASES])
def test_vade_check_hostile_input(files, capsys, argv, message):
    pytest.importorskip("torch")
    from vade_check.cli import main as vade_main

    rc = vade_main(_fill(argv, files) + ["--samples", "100"] * (argv[1] != "--samples"))
    captured = capsys.readouterr()
    assert rc == 2, captured.err
    assert "Traceback" not in captured.err
    last = captured.err.strip().splitlines()[-1]
    assert last.startswith("vade-check stability: error: ") and re.search(message, last), last


# -- library: numbers outside the supported range ---------------------------------------------
def test_kl_with_tiny_noise_is_finite_and_scales_as_expected():
    """KL(p || q) for q = |z| with noise s -> 0 grows as A / s^2 with
    A = E_p[min(x, 0)^2] / 2 (the squared distance of x to the image [0, inf) of f), which
    scipy's quad computes independently from p's exact density."""
    from scipy.integrate import quad

    from exactid import kl_divergence, log_pdf

    absval = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    prior = GaussianMixture([0.5, 0.5], [-1.0, 1.0], [1.0, 0.25])
    p = LatentModel(prior, absval, 0.3)
    half_second_moment, _ = quad(lambda x: x * x * np.exp(log_pdf(p, [x])[0]), -20, 0,
                                 epsabs=1e-14, epsrel=1e-12, limit=200)
    for s in (1e-5, 1e-10, 1e-30):
        kl = kl_divergence(p, LatentModel(prior, absval, s))
        assert np.isfinite(kl.value) and np.isfinite(kl.error)
        assert kl.value * s**2 == pytest.approx(half_second_moment / 2, rel=1e-4)


def test_weak_mcc_is_scale_invariant():
    from vade_check import strong_mcc, weak_mcc

    z = np.random.default_rng(0).normal(size=(400, 2))
    ref = weak_mcc(z, z)
    for scale in (1e300, 1e-300, 1e150):
        assert weak_mcc(z * scale, z) == pytest.approx(ref, abs=1e-12)
        assert strong_mcc(z * scale, z) == pytest.approx(strong_mcc(z, z), abs=1e-12)


@pytest.mark.parametrize("noise, message", [(1e300, "noise_std"), (1e-310, "noise_std"),
                                            (1e-160, "noise_std")])
def test_density_refuses_unsupported_noise(noise, message):
    from exactid import log_pdf
    from exactid.errors import UnsupportedModelError

    absval = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    model = LatentModel(GaussianMixture([1.0], [0.0], [1.0]), absval, noise)
    with pytest.raises(UnsupportedModelError, match=message):
        log_pdf(model, [0.0])


def test_noise_at_the_supported_range_ends_matches_the_closed_form():
    """At noise 1e100 and 1e-100 (the ends of the supported range) a linear model is Gaussian:
    log p against scipy's closed form (relative 1e-13)."""
    from scipy.stats import norm

    from exactid import log_pdf

    linear = ReluNet([[[2.0]]], [[0.5]])
    for noise in (1e100, 1e-100):
        model = LatentModel(GaussianMixture([1.0], [1.0], [0.25]), linear, noise)
        sd = float(np.hypot(2.0 * 0.5, noise))
        x = np.array([2.5, 2.5 + 3 * sd, 2.5 - 10 * sd])
        np.testing.assert_allclose(log_pdf(model, x), norm.logpdf(x, 2.5, sd), rtol=1e-13)


def test_grid_search_refuses_oversized_minimizer_sets():
    from exactid import Family, grid_search
    from exactid.errors import LimitExceeded

    family = Family(n_components=1, means=(0.0, 1.0), alphas=(0.0, 1.0), betas=(1.0,),
                    biases=(0.0,))
    with pytest.raises(LimitExceeded, match="max_minimizers = 1"):
        grid_search(family, family.random_point(0), tol=100.0, max_minimizers=1, crosscheck=0)


def test_vade_check_train_stays_the_function():
    """Importing the trainer's module must not replace the public function ``train`` by a
    module of the same name (it used to: the module was vade_check/train.py)."""
    pytest.importorskip("torch")
    import vade_check
    import vade_check.study  # noqa: F401  (imports the trainer's module)
    import vade_check.training  # noqa: F401

    assert callable(vade_check.train) and vade_check.train.__name__ == "train"
