"""Model and net files in JSON: strict reading, atomic writing.

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
from typing import NoReturn

import numpy as np

from .. import limits
from ..errors import InputError, ModelFileError
from ..files import atomic_write, read_bytes
from ..models import GaussianMixture, LatentModel, ReluNet

__all__ = ["load_net", "save_net", "load_model", "save_model", "net_to_dict", "net_from_dict",
           "model_to_dict", "model_from_dict", "read_json", "looks_like_model", "construct",
           "FORMAT_VERSION"]


FORMAT_VERSION = 1
FORMAT_VERSION = 1
_FORMATS = {"model": "exactid-model", "net": "exactid-net"}
_FORMATS = {"model": "exactid-model", "net": "exactid-net"}
_NESTING = {1: "a list of numbers", 2: "a list of lists of numbers", 3: "a list of matrices"}
#: Lists nested deeper than this are refused at once (no deep recursion on hostile files).
_MAX_NESTING = 32


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



def _shape(value, source, where, depth: int = _MAX_NESTING) -> tuple:
    """Shape of a nested list of finite numbers, at most ``depth`` levels deep (deeper
    nesting is an error at once, not a deep recursion); errors name the offending element."""
    if not isinstance(value, list):
        _number(value, source, where)
        return ()
    if depth == 0:
        _fail(source, where, "expected a number, found a list (nested too deeply)")
    shapes = [_shape(v, source, _join(where, i), depth - 1) for i, v in enumerate(value)]
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
    shape = _shape(value, source, where, _MAX_NESTING)
    if len(shape) not in ndims:
        _fail(source, where, f"expected {want}, found a list of shape {shape}")
    return np.array(value, dtype=np.float64).reshape(shape)



def construct(source, where, cls, *args):
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
    return construct(source, where, ReluNet, weights, biases, slope)



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
    prior = construct(
        source,
        "prior",
        GaussianMixture,
        _array(p["weights"], source, "prior.weights", (1,)),
        _array(p["means"], source, "prior.means", (1, 2)),
        _array(p["covs"], source, "prior.covs", (1, 3)),
    )
    net = _net(d["net"], source, "net")
    noise_std = _number(d["noise_std"], source, "noise_std")
    return construct(source, "", LatentModel, prior, net, noise_std)


# -- files -----------------------------------------------------------------------------------
def read_json(path) -> tuple[object, str]:
    """The decoded JSON content of ``path`` and the name used for it in error messages.

    At most :data:`exactid.limits.MAX_JSON_BYTES` are read (a pipe or ``/dev/zero`` fails at
    the bound instead of filling memory)."""
    source = os.fspath(path)
    try:
        raw = read_bytes(source, limits.MAX_JSON_BYTES, "file")
    except InputError as exc:
        raise ModelFileError(str(exc)) from None
    try:
        text = raw.decode("utf-8")
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
    """Write ``data`` as JSON to ``path`` atomically (:func:`exactid.files.atomic_write`)."""
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    atomic_write(path, text, "path")



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
    d, source = read_json(path)
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
    d, source = read_json(path)
    return model_from_dict(d, source)



def save_model(model: LatentModel, path) -> None:
    """Save ``model`` as a JSON model file, atomically (see :func:`save_net`)."""
    _write(model_to_dict(model), path)



def looks_like_model(d) -> bool:
    """A decoded JSON object is a model file: by its format tag, or (the tag being optional)
    by its sections."""
    return isinstance(d, dict) and (d.get("format") == _FORMATS["model"]
                                    or ("prior" in d and "net" in d))
