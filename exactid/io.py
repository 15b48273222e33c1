"""Saving and loading nets and models as JSON.

A *model file* holds a :class:`~exactid.models.LatentModel`::

    {"format": "exactid-model", "version": 1,
     "prior": {"weights": [0.5, 0.5], "means": [[-2.0], [2.0]], "covs": [[[1.0]], [[1.0]]]},
     "net": {"negative_slope": 0.0,
             "layers": [{"weight": [[1.0], [-1.0]], "bias": [0.0, 0.0]},
                        {"weight": [[1.0, 1.0]], "bias": [0.0]}]},
     "noise_std": 0.3}

A *net file* holds a :class:`~exactid.models.ReluNet`: the ``"net"`` object above at the top
level, with ``"format": "exactid-net"``.  ``negative_slope`` is optional (default 0), and so
are ``format`` and ``version``; when given they must be right, so that a net file passed to
:func:`load_model` (or the converse) is reported as such.  For ``m = 1`` the prior may also be
written with flat lists, ``"means": [-2.0, 2.0]`` and ``"covs": [1.0, 1.0]`` (variances); the
savers always write the nested form, means of shape (J, m) and covs of shape (J, m, m).

Design
------
Loading is strict: every error raises :class:`ModelFileError` naming the file and the field
path (``net.layers[1].bias``), what was expected and what was found.  Unknown keys are errors
(a typo must not be silently ignored), and so are duplicate keys, non-numbers (bool, null,
strings) and the non-finite literals ``NaN``/``Infinity`` that Python's :mod:`json` accepts.
The structure is checked here; the mathematical checks (non-negative weights, positive
definite covariances, chained layer shapes, ...) are left to the model constructors, whose
``ValueError`` is re-raised with the file name and the section (``field 'prior': ...``)
prefixed, their own message (which uses the constructor's argument names) kept.  Saving is
atomic (temporary file in the target directory, then :func:`os.replace`) and writes floats
with ``repr`` precision, so a save/load round trip reproduces the arrays bit for bit.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from typing import NoReturn

import numpy as np

from .models import GaussianMixture, LatentModel, ReluNet

__all__ = [
    "ModelFileError",
    "load_net",
    "load_net_any",
    "load_net_npz",
    "load_net_torch",
    "save_net",
    "load_model",
    "save_model",
    "net_to_dict",
    "net_from_dict",
    "model_to_dict",
    "model_from_dict",
]

FORMAT_VERSION = 1
_FORMATS = {"model": "exactid-model", "net": "exactid-net"}
_NESTING = {1: "a list of numbers", 2: "a list of lists of numbers", 3: "a list of matrices"}


class ModelFileError(ValueError):
    """A model or net file (or dict) is malformed; the message names the file and field."""


# -- structural checks -----------------------------------------------------------------------
def _kind(value) -> str:
    """JSON-flavoured type name of a decoded value, for error messages."""
    names = {type(None): "null", dict: "object", list: "list"}
    return names.get(type(value), type(value).__name__)


def _join(where: str, key) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def _fail(source: str, where: str, message: str) -> NoReturn:
    prefix = f"field '{where}': " if where else ""
    raise ModelFileError(f"{source}: {prefix}{message}")


def _fields(d, source, where, required, optional=()):
    """Check that ``d`` is an object with all ``required`` keys and no unknown ones."""
    if not isinstance(d, dict):
        _fail(source, where, f"expected an object, found {_kind(d)}")
    for key in required:
        if key not in d:
            raise ModelFileError(f"{source}: missing field '{_join(where, key)}'")
    allowed = (*required, *optional)
    for key in d:
        if key not in allowed:
            raise ModelFileError(
                f"{source}: unknown field '{_join(where, key)}' "
                f"(expected one of: {', '.join(allowed)})"
            )


def _number(value, source, where) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(source, where, f"expected a number, found {_kind(value)}")
    try:
        x = float(value)
    except OverflowError:
        _fail(source, where, "expected a finite number, found an integer too large for a float")
    if not math.isfinite(x):
        _fail(source, where, f"expected a finite number, found {value!r}")
    return x


def _shape(value, source, where) -> tuple:
    """Shape of a nested list of finite numbers; errors name the offending element."""
    if not isinstance(value, list):
        _number(value, source, where)
        return ()
    shapes = [_shape(v, source, _join(where, i)) for i, v in enumerate(value)]
    for i, s in enumerate(shapes):
        if s != shapes[0]:
            want = f"shape {shapes[0]}" if shapes[0] else "a number"
            found = f"shape {s}" if s else "a number"
            _fail(source, _join(where, i), f"expected {want} like '{where}[0]', found {found}")
    return (len(value), *(shapes[0] if shapes else ()))


def _array(value, source, where, ndims) -> np.ndarray:
    """A float array of ``len(shape)`` in ``ndims`` from nested JSON lists."""
    want = " or ".join(_NESTING[n] for n in ndims)
    if not isinstance(value, list):
        _fail(source, where, f"expected {want}, found {_kind(value)}")
    shape = _shape(value, source, where)
    if len(shape) not in ndims:
        _fail(source, where, f"expected {want}, found a list of shape {shape}")
    return np.array(value, dtype=np.float64).reshape(shape)


def _construct(source, where, cls, *args):
    """Call a model constructor, re-raising its ValueError with the file and section."""
    try:
        return cls(*args)
    except ValueError as exc:
        _fail(source, where, str(exc))


def _header(d, source, kind) -> None:
    """Check the optional ``format``/``version`` keys of a top-level object."""
    if not isinstance(d, dict):
        raise ModelFileError(f"{source}: expected a JSON object at the top level, found {_kind(d)}")
    other = "net" if kind == "model" else "model"
    fmt = d.get("format")
    looks_other = ("layers" in d and "prior" not in d) if other == "net" else "prior" in d
    if fmt == _FORMATS[other] or ("format" not in d and looks_other):
        raise ModelFileError(
            f"{source}: this is a {other} file, not a {kind} file; use load_{other}"
        )
    if "format" in d and fmt != _FORMATS[kind]:
        _fail(source, "format", f"expected {_FORMATS[kind]!r}, found {fmt!r}")
    if "version" in d and (type(d["version"]) is not int or d["version"] != FORMAT_VERSION):
        _fail(source, "version", f"expected {FORMAT_VERSION}, found {d['version']!r}")


# -- dict conversion -------------------------------------------------------------------------
def _net_body(net: ReluNet) -> dict:
    layers = [{"weight": w.tolist(), "bias": b.tolist()} for w, b in zip(net.weights, net.biases)]
    return {"negative_slope": net.negative_slope, "layers": layers}


def _net(d, source, where, header=()) -> ReluNet:
    _fields(d, source, where, ("layers",), ("negative_slope", *header))
    layers = d["layers"]
    if not isinstance(layers, list) or not layers:
        found = f"{len(layers)} layers" if isinstance(layers, list) else _kind(layers)
        _fail(source, _join(where, "layers"), f"expected a non-empty list of layers, found {found}")
    weights, biases = [], []
    for i, layer in enumerate(layers):
        at = _join(_join(where, "layers"), i)
        _fields(layer, source, at, ("weight", "bias"))
        weights.append(_array(layer["weight"], source, _join(at, "weight"), (2,)))
        biases.append(_array(layer["bias"], source, _join(at, "bias"), (1,)))
    slope = _number(d.get("negative_slope", 0.0), source, _join(where, "negative_slope"))
    return _construct(source, where, ReluNet, weights, biases, slope)


def net_to_dict(net: ReluNet) -> dict:
    """The JSON-ready dict of a net file: ``layers[i]`` holds ``weight`` (out_i, in_i) and
    ``bias`` (out_i,) as nested lists of floats.  Raises ValueError if ``net`` is no ReluNet."""
    if not isinstance(net, ReluNet):
        raise ValueError(f"net: expected a ReluNet, found {type(net).__name__}")
    return {"format": _FORMATS["net"], "version": FORMAT_VERSION, **_net_body(net)}


def net_from_dict(d, source: str = "<dict>") -> ReluNet:
    """Build a :class:`ReluNet` from a decoded net file.

    Parameters
    ----------
    d : dict
        As produced by :func:`net_to_dict` or :func:`json.load`.
    source : str
        Name of the origin of ``d``, used at the start of error messages.

    Raises
    ------
    ModelFileError
        If ``d`` is malformed; the message names ``source`` and the field path.
    """
    _header(d, source, "net")
    return _net(d, source, "", header=("format", "version"))


def model_to_dict(model: LatentModel) -> dict:
    """The JSON-ready dict of a model file: prior ``weights`` (J,), ``means`` (J, m), ``covs``
    (J, m, m), the net as in :func:`net_to_dict`, and ``noise_std``.  Raises ValueError if
    ``model`` is no LatentModel."""
    if not isinstance(model, LatentModel):
        raise ValueError(f"model: expected a LatentModel, found {type(model).__name__}")
    prior = model.prior
    return {
        "format": _FORMATS["model"],
        "version": FORMAT_VERSION,
        "prior": {
            "weights": prior.weights.tolist(),
            "means": prior.means.tolist(),
            "covs": prior.covs.tolist(),
        },
        "net": _net_body(model.net),
        "noise_std": model.noise_std,
    }


def model_from_dict(d, source: str = "<dict>") -> LatentModel:
    """Build a :class:`LatentModel` from a decoded model file; see :func:`net_from_dict`."""
    _header(d, source, "model")
    _fields(d, source, "", ("prior", "net", "noise_std"), ("format", "version"))
    p = d["prior"]
    _fields(p, source, "prior", ("weights", "means", "covs"))
    prior = _construct(
        source,
        "prior",
        GaussianMixture,
        _array(p["weights"], source, "prior.weights", (1,)),
        _array(p["means"], source, "prior.means", (1, 2)),
        _array(p["covs"], source, "prior.covs", (1, 3)),
    )
    net = _net(d["net"], source, "net")
    noise_std = _number(d["noise_std"], source, "noise_std")
    return _construct(source, "", LatentModel, prior, net, noise_std)


# -- files -----------------------------------------------------------------------------------
def _read(path) -> tuple[object, str]:
    """The decoded JSON content of ``path`` and the name used for it in error messages."""
    source = os.fspath(path)
    try:
        with open(source, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise ModelFileError(f"{source}: no such file") from None
    except OSError as exc:
        raise ModelFileError(f"{source}: cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ModelFileError(f"{source}: not valid JSON (not UTF-8 text: {exc.reason})") from None

    def no_duplicates(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise ModelFileError(f"{source}: duplicate key {key!r}")
            seen.add(key)
        return dict(pairs)

    try:
        return json.loads(text, object_pairs_hook=no_duplicates), source
    except json.JSONDecodeError as exc:
        raise ModelFileError(
            f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except ModelFileError:
        raise
    except (ValueError, RecursionError) as exc:  # e.g. an integer literal of > 4300 digits
        raise ModelFileError(f"{source}: not valid JSON ({exc})") from None


def _write(data: dict, path) -> None:
    """Write ``data`` as JSON to ``path`` atomically: a temporary file, then os.replace."""
    path = os.fspath(path)
    directory, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(directory, f".{name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_net(path) -> ReluNet:
    """Load a :class:`ReluNet` from a JSON net file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ReluNet

    Raises
    ------
    ModelFileError
        If the file is missing, not JSON, or malformed; the message names the field.
    """
    d, source = _read(path)
    return net_from_dict(d, source)


def save_net(net: ReluNet, path) -> None:
    """Save ``net`` as a JSON net file, atomically.

    Parameters
    ----------
    net : ReluNet
    path : str or os.PathLike
        Overwritten if it exists; left untouched if the save fails.
    """
    _write(net_to_dict(net), path)


def load_model(path) -> LatentModel:
    """Load a :class:`LatentModel` from a JSON model file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    LatentModel
        Prior weights (J,), means (J, m), covs (J, m, m); net layers ``weight`` (out_i, in_i)
        and ``bias`` (out_i,).

    Raises
    ------
    ModelFileError
        If the file is missing, not JSON, or malformed; the message names the field.
    """
    d, source = _read(path)
    return model_from_dict(d, source)


def save_model(model: LatentModel, path) -> None:
    """Save ``model`` as a JSON model file, atomically (see :func:`save_net`)."""
    _write(model_to_dict(model), path)


# -- other net formats ---------------------------------------------------------------------------
def load_net_npz(path) -> ReluNet:
    """Load a :class:`ReluNet` from a NumPy ``.npz`` archive.

    The archive holds ``W1, b1, W2, b2, ..., WL, bL`` (``W{l}`` of shape (out, in), ``b{l}``
    of shape (out,)) and optionally a scalar ``negative_slope``; the activation acts between
    the layers, not after the last one.  Example::

        numpy.savez("net.npz", W1=W1, b1=b1, W2=W2, b2=b2, negative_slope=0.0)

    Raises
    ------
    ModelFileError
        Missing or unreadable file, missing or unknown arrays, inconsistent shapes.
    """
    import zipfile

    source = os.fspath(path)
    bad_archive = (ValueError, OSError, EOFError, zipfile.BadZipFile)
    try:
        fh = open(source, "rb")
    except FileNotFoundError:
        raise ModelFileError(f"{source}: no such file") from None
    except OSError as exc:
        raise ModelFileError(f"{source}: not a readable .npz archive ({exc.strerror or exc})"
                             ) from None
    # The file is opened here so that it is closed whatever np.load raises.
    with fh:
        try:
            archive = np.load(fh, allow_pickle=False)
        except bad_archive as exc:
            raise ModelFileError(f"{source}: not a readable .npz archive "
                                 f"({exc or type(exc).__name__})") from None
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ModelFileError(f"{source}: expected an .npz archive of arrays, found a "
                                 "single array")
        with archive:
            weights, biases, slope, layers = _npz_arrays(archive, source, bad_archive)
    for i, arr in enumerate(weights + biases):
        if (not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
                or np.issubdtype(arr.dtype, np.complexfloating)):
            name = f"W{i + 1}" if i < layers else f"b{i - layers + 1}"
            raise ModelFileError(f"{source}: array '{name}': expected numbers, found dtype "
                                 f"{arr.dtype}")
    return _construct(source, "", ReluNet, [w.astype(float) for w in weights],
                      [b.astype(float) for b in biases], slope)


def _npz_arrays(archive, source, bad_archive):
    """The layer arrays and slope of an open .npz archive, with named errors."""
    names = set(archive.files)
    layers = 0
    while f"W{layers + 1}" in names:
        layers += 1
    if layers == 0:
        raise ModelFileError(f"{source}: missing array 'W1' (expected W1, b1, W2, b2, ...)")
    allowed = {f"W{i}" for i in range(1, layers + 1)} | {
        f"b{i}" for i in range(1, layers + 1)} | {"negative_slope"}
    unknown = sorted(names - allowed)
    if unknown:
        raise ModelFileError(f"{source}: unknown array(s) {', '.join(unknown)} (expected "
                             f"W1..W{layers}, b1..b{layers}, negative_slope)")
    missing = [f"b{i}" for i in range(1, layers + 1) if f"b{i}" not in names]
    if missing:
        raise ModelFileError(f"{source}: missing array(s) {', '.join(missing)}")

    def read(name):
        try:
            return archive[name]
        except bad_archive as exc:
            raise ModelFileError(f"{source}: array '{name}' cannot be read ({exc})") from None

    weights = [read(f"W{i}") for i in range(1, layers + 1)]
    biases = [read(f"b{i}") for i in range(1, layers + 1)]
    slope = 0.0
    if "negative_slope" in names:
        value = read("negative_slope")
        if (value.shape != () or not np.issubdtype(value.dtype, np.number)
                or np.issubdtype(value.dtype, np.complexfloating)):
            raise ModelFileError(f"{source}: array 'negative_slope': expected a scalar number, "
                                 f"found shape {value.shape}, dtype {value.dtype}")
        slope = float(value)
    return weights, biases, slope, layers


def load_net_torch(path) -> ReluNet:
    """Load a :class:`ReluNet` from a file written by ``torch.save(nn.Sequential(...))``.

    The sequential must alternate ``Linear`` layers and ``ReLU`` / ``LeakyReLU`` activations
    (one kind, one slope), start with a ``Linear`` layer, and may end with either (a final
    activation becomes an identity output layer).  ``torch`` is imported only here.

    Notes
    -----
    Loading a whole module unpickles Python objects (``weights_only=False``): only load files
    you trust.

    Raises
    ------
    ModelFileError
        torch missing, unreadable file, or an unsupported layer (named with its index).
    """
    source = os.fspath(path)
    try:
        import torch
        from torch import nn
    except ImportError:
        raise ModelFileError(f"{source}: reading a torch file needs PyTorch; install it with "
                             "'pip install torch==2.13.0'") from None
    if not os.path.exists(source):
        raise ModelFileError(f"{source}: no such file")
    try:
        obj = torch.load(source, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises many types for a bad file
        raise ModelFileError(f"{source}: not a readable torch file ({type(exc).__name__}: "
                             f"{exc})") from None
    if not isinstance(obj, nn.Sequential):
        raise ModelFileError(f"{source}: expected a torch.nn.Sequential, found "
                             f"{type(obj).__name__}")
    weights, biases, slopes = [], [], set()
    expect_linear = True
    for k, layer in enumerate(obj):
        if isinstance(layer, nn.Linear):
            if not expect_linear:
                raise ModelFileError(f"{source}: layer {k} (Linear) follows a Linear layer; "
                                     "put an activation between them")
            w = layer.weight.detach().cpu().double().numpy()
            b = (layer.bias.detach().cpu().double().numpy() if layer.bias is not None
                 else np.zeros(w.shape[0]))
            weights.append(w)
            biases.append(b)
            expect_linear = False
        elif isinstance(layer, (nn.ReLU, nn.LeakyReLU)):
            if expect_linear:
                raise ModelFileError(f"{source}: layer {k} ({type(layer).__name__}) must follow "
                                     "a Linear layer")
            slopes.add(0.0 if isinstance(layer, nn.ReLU) else float(layer.negative_slope))
            expect_linear = True
        else:
            raise ModelFileError(f"{source}: layer {k} ({type(layer).__name__}) is not "
                                 "supported; use Linear, ReLU and LeakyReLU")
    if not weights:
        raise ModelFileError(f"{source}: the Sequential has no Linear layer")
    if len(slopes) > 1:
        raise ModelFileError(f"{source}: mixed activations (negative slopes "
                             f"{sorted(slopes)}); use one kind throughout")
    if expect_linear:
        # A final activation: f = I s(...) + 0.
        out = weights[-1].shape[0]
        weights.append(np.eye(out))
        biases.append(np.zeros(out))
    return _construct(source, "", ReluNet, weights, biases, slopes.pop() if slopes else 0.0)


def load_net_any(path) -> ReluNet:
    """Load a net from a JSON net (or model) file, an ``.npz`` archive or a torch file, by
    extension: ``.npz`` -> :func:`load_net_npz`; ``.pt``, ``.pth``, ``.torch`` ->
    :func:`load_net_torch`; anything else is read as JSON (a net file, or a model file whose
    decoder is used)."""
    source = os.fspath(path)
    ext = os.path.splitext(source)[1].lower()
    if ext == ".npz":
        return load_net_npz(source)
    if ext in (".pt", ".pth", ".torch"):
        return load_net_torch(source)
    d, src = _read(source)
    # A model file: by its format tag, or (the tag being optional) by its sections.
    if isinstance(d, dict) and (d.get("format") == _FORMATS["model"]
                                or ("prior" in d and "net" in d)):
        return model_from_dict(d, src).net
    return net_from_dict(d, src)
