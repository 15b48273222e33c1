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
from typing import NoReturn

import numpy as np

from . import limits
from ._files import atomic_write, read_bytes
from .errors import InputError, ModelFileError, UntrustedFileError
from .models import GaussianMixture, LatentModel, ReluNet

__all__ = [
    "ModelFileError",
    "UntrustedFileError",
    "load_net",
    "load_net_any",
    "load_net_npz",
    "load_net_torch",
    "read_npy",
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
    """Write ``data`` as JSON to ``path`` atomically (:func:`exactid._files.atomic_write`)."""
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
#: Numeric kinds accepted in .npz arrays: signed and unsigned integers, and real floats.  Booleans,
#: complex numbers (casting would drop the imaginary part), strings and objects are refused.
_NPZ_KINDS = "iuf"


def load_net_npz(path) -> ReluNet:
    """Load a :class:`ReluNet` from a NumPy ``.npz`` archive.

    The archive holds ``W1, b1, W2, b2, ..., WL, bL`` (``W{l}`` of shape (out, in), ``b{l}``
    of shape (out,)) and optionally a scalar ``negative_slope``; the activation acts between
    the layers, not after the last one.  Example::

        numpy.savez("net.npz", W1=W1, b1=b1, W2=W2, b2=b2, negative_slope=0.0)

    The archive is read without trusting it: at most :data:`exactid.limits.MAX_NET_FILE_BYTES`
    are read, every array's header (shape and dtype) is checked before its data is
    decompressed, and at most :data:`exactid.limits.MAX_NET_PARAMETERS` numbers are accepted in
    all, so a small "deflate bomb" cannot allocate gigabytes.  Nothing is unpickled.

    Raises
    ------
    ModelFileError
        Missing or unreadable file, missing or unknown arrays, non-numeric, boolean or complex
        arrays, too many numbers, inconsistent shapes.
    """
    import io
    import zipfile
    import zlib

    source = os.fspath(path)
    try:
        raw = read_bytes(source, limits.MAX_NET_FILE_BYTES, "file")
    except InputError as exc:
        message = str(exc)
        if "no such file" not in message and "limit" not in message:
            message = message.replace("cannot read the file", "not a readable .npz archive")
        raise ModelFileError(message) from None
    if raw[:6] == b"\x93NUMPY":
        raise ModelFileError(f"{source}: expected an .npz archive of arrays, found a single "
                             "array (.npy)")
    bad_archive = (ValueError, OSError, EOFError, RuntimeError, NotImplementedError,
                   zipfile.BadZipFile, zlib.error)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            arrays = _npz_read_arrays(archive, source, bad_archive)
    except ModelFileError:
        raise
    except bad_archive as exc:
        raise ModelFileError(f"{source}: not a readable .npz archive "
                             f"({exc or type(exc).__name__})") from None
    weights, biases, slope = _npz_layers(arrays, source)
    return _construct(source, "", ReluNet, [w.astype(float) for w in weights],
                      [b.astype(float) for b in biases], slope)


def _npz_read_arrays(archive, source, bad_archive) -> dict:
    """Every array of an open .npz archive, each checked by its header before it is read."""
    names = {}
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise ModelFileError(f"{source}: unexpected member {info.filename!r} (an .npz "
                                 "archive holds NAME.npy arrays)")
        names[info.filename[:-4]] = info
    layers = 0
    while f"W{layers + 1}" in names:
        layers += 1
    if layers == 0:
        raise ModelFileError(f"{source}: missing array 'W1' (expected W1, b1, W2, b2, ...)")
    allowed = {f"W{i}" for i in range(1, layers + 1)} | {
        f"b{i}" for i in range(1, layers + 1)} | {"negative_slope"}
    unknown = sorted(set(names) - allowed)
    if unknown:
        raise ModelFileError(f"{source}: unknown array(s) {', '.join(unknown)} (expected "
                             f"W1..W{layers}, b1..b{layers}, negative_slope)")
    missing = [f"b{i}" for i in range(1, layers + 1) if f"b{i}" not in names]
    if missing:
        raise ModelFileError(f"{source}: missing array(s) {', '.join(missing)}")
    budget = limits.MAX_NET_PARAMETERS
    out = {}
    for name, info in names.items():
        try:
            with archive.open(info) as fp:
                out[name] = _npz_member(fp, name, source, budget)
        except ModelFileError:
            raise
        except bad_archive as exc:
            raise ModelFileError(f"{source}: array '{name}' cannot be read ({exc})") from None
        budget -= out[name].size
    return out


def _npz_member(fp, name, source, budget) -> np.ndarray:
    """One .npy member: header checked (numeric dtype, size within ``budget``), then read."""
    from numpy.lib import format as npy

    version = npy.read_magic(fp)
    if version == (1, 0):
        shape, fortran, dtype = npy.read_array_header_1_0(fp)
    elif version == (2, 0):
        shape, fortran, dtype = npy.read_array_header_2_0(fp)
    else:
        raise ModelFileError(f"{source}: array '{name}': unsupported .npy format version "
                             f"{version}")
    if dtype.hasobject or dtype.kind not in _NPZ_KINDS:
        if name == "negative_slope":
            raise ModelFileError(f"{source}: array 'negative_slope': expected a scalar number, "
                                 f"found shape {shape}, dtype {dtype}")
        raise ModelFileError(f"{source}: array '{name}': expected numbers, found dtype {dtype}")
    count = math.prod(shape)
    if count > budget:
        raise ModelFileError(
            f"{source}: array '{name}' has shape {shape} ({count} numbers): more than the "
            f"limit of {limits.MAX_NET_PARAMETERS} numbers per network "
            "(exactid.limits.MAX_NET_PARAMETERS)")
    nbytes = count * dtype.itemsize
    data = fp.read(nbytes)
    if len(data) != nbytes:
        raise ModelFileError(f"{source}: array '{name}' is truncated ({len(data)} of {nbytes} "
                             "bytes)")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def read_npy(raw: bytes, source: str, max_elements: int) -> np.ndarray:
    """An array from the bytes of an ``.npy`` file, checked by its header (real numeric dtype,
    at most ``max_elements`` numbers) before its data is read; nothing is unpickled.

    Raises
    ------
    ModelFileError
        Not an .npy file, a non-numeric, boolean or complex dtype, or too many numbers.
    """
    import io

    try:
        return _npz_member(io.BytesIO(raw), "data", source, max_elements)
    except ModelFileError:
        raise
    except (ValueError, OSError, EOFError) as exc:
        raise ModelFileError(f"{source}: not a readable .npy file ({exc})") from None


def _npz_layers(arrays: dict, source: str):
    """Split the arrays of an .npz net into weights, biases and the slope."""
    layers = sum(1 for name in arrays if name.startswith("W"))
    weights = [arrays[f"W{i}"] for i in range(1, layers + 1)]
    biases = [arrays[f"b{i}"] for i in range(1, layers + 1)]
    slope = 0.0
    if "negative_slope" in arrays:
        value = arrays["negative_slope"]
        if value.shape != ():
            raise ModelFileError(f"{source}: array 'negative_slope': expected a scalar number, "
                                 f"found shape {value.shape}, dtype {value.dtype}")
        slope = float(value)
    return weights, biases, slope


#: Layers a torch file may contain (exact types: a subclass could override ``forward``).
_TORCH_LAYERS = ("Linear", "ReLU", "LeakyReLU")


def _torch_allowed_globals(torch, nn, data: bytes) -> tuple[list, list]:
    """The classes the file's pickle refers to, split into torch's own ``nn`` modules (safe to
    construct: their unpickling only fills ``__dict__``) and everything else (refused)."""
    import io
    import sys

    names = torch.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(data))
    modules, others = [], []
    for qualified in names:
        module_name, _, attr = qualified.rpartition(".")
        cls = None
        if module_name.startswith("torch.nn.modules."):
            module = sys.modules.get(module_name)
            cls = getattr(module, attr, None) if module is not None else None
        if (isinstance(cls, type) and issubclass(cls, nn.Module)
                and cls.__module__ == module_name):
            modules.append(cls)
        else:
            others.append(qualified)
    return modules, others


def load_net_torch(path, *, trust_pickle: bool = False) -> ReluNet:
    """Load a :class:`ReluNet` from a file written by ``torch.save(nn.Sequential(...))``.

    The sequential must alternate ``Linear`` layers and ``ReLU`` / ``LeakyReLU`` activations
    (one kind, one slope), start with a ``Linear`` layer, and may end with either (a final
    activation becomes an identity output layer).  ``torch`` is imported only here.

    Parameters
    ----------
    path : str or os.PathLike
    trust_pickle : bool
        ``False`` (default): the file is read with ``torch.load(weights_only=True)`` and an
        allow-list of torch's own layer classes, so a file that refers to anything else (a
        function such as ``os.system``, a class of another module, a subclass of a torch
        layer) is refused *before* anything in it runs.  ``True``: the file is unpickled
        without restriction, which runs any code the file contains; use it only for files you
        wrote or trust.

    Notes
    -----
    Either way the module must be an ``nn.Sequential`` of exactly ``Linear``, ``ReLU`` and
    ``LeakyReLU`` (subclasses, which could override ``forward``, are refused), with no hooks
    and no per-instance ``forward``, so that the network read is the network the file
    computes.

    Raises
    ------
    UntrustedFileError
        The file refers to objects outside the allow-list (and ``trust_pickle`` is False).
    ModelFileError
        torch missing, unreadable file, or an unsupported layer (named with its index).
    """
    import io
    import pickle

    source = os.fspath(path)
    try:
        import torch
        from torch import nn
    except ImportError:
        raise ModelFileError(f"{source}: reading a torch file needs PyTorch; install it with "
                             "'pip install torch==2.13.0'") from None
    try:
        data = read_bytes(source, limits.MAX_NET_FILE_BYTES, "file")
    except InputError as exc:
        raise ModelFileError(str(exc)) from None
    import warnings

    if trust_pickle:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = torch.load(io.BytesIO(data), map_location="cpu", weights_only=False)
        except Exception as exc:  # torch raises many types for a bad file
            raise ModelFileError(f"{source}: not a readable torch file ({type(exc).__name__}: "
                                 f"{exc})") from None
        return _sequential_to_net(obj, source, torch, nn)
    try:
        layer_classes, others = _torch_allowed_globals(torch, nn, data)
    except Exception:  # not a zip checkpoint (legacy format or a bare pickle)
        layer_classes, others = [nn.Sequential, nn.Linear, nn.ReLU, nn.LeakyReLU], []
    if others:
        raise _untrusted(source, others)
    try:
        with torch.serialization.safe_globals(layer_classes), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        names, parsed = _pickle_globals(data)
        names = [n for n in names if not n.startswith(("torch.", "collections."))]
        if names:
            raise _untrusted(source, names) from None
        if not parsed:
            raise ModelFileError(f"{source}: not a readable torch file (neither a torch "
                                 "checkpoint nor a pickle)") from None
        raise UntrustedFileError(f"{source}: refusing to unpickle "
                                 f"({str(exc).splitlines()[0]}); a file you trust can be read "
                                 "with --trust-pickle") from None
    except Exception as exc:  # torch raises many types for a bad file
        raise ModelFileError(f"{source}: not a readable torch file ({type(exc).__name__}: "
                             f"{exc})") from None
    return _sequential_to_net(obj, source, torch, nn)


def _untrusted(source: str, names: list) -> UntrustedFileError:
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return UntrustedFileError(
        f"{source}: refusing to unpickle: the file refers to {shown}, which is not a torch "
        "layer (loading it could run code); a file you trust can be read with --trust-pickle "
        "(load_net_torch(..., trust_pickle=True))")


def _pickle_globals(data: bytes) -> tuple[list, bool]:
    """The ``module.name`` references of the pickles at the start of ``data``, found by
    reading the opcodes (nothing is executed), and whether at least one whole pickle was
    read; for error messages only."""
    import io
    import pickletools

    names, strings = [], []
    stream = io.BytesIO(data)
    parsed = False
    while stream.tell() < len(data):
        start = stream.tell()
        try:
            for op, arg, _ in pickletools.genops(stream):
                if op.name in ("GLOBAL", "INST"):
                    names.append(str(arg).replace(" ", "."))
                elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                    names.append(f"{strings[-2]}.{strings[-1]}")
                elif isinstance(arg, str):
                    strings.append(arg)
            parsed = True
        except Exception:
            break
        if stream.tell() == start:
            break
    return list(dict.fromkeys(names)), parsed


def _sequential_to_net(obj, source, torch, nn) -> ReluNet:
    """The ReluNet of a loaded ``nn.Sequential`` (exact layer types only)."""
    if type(obj) is not nn.Sequential:
        kind = "a subclass of" if isinstance(obj, nn.Sequential) else "not"
        raise ModelFileError(f"{source}: expected a torch.nn.Sequential, found "
                             f"{type(obj).__name__}" + (f" ({kind} Sequential, whose forward "
                                                        "may differ)" if kind.startswith("a")
                                                        else ""))
    for module in obj.modules():
        hooks = [name for name in ("_forward_hooks", "_forward_pre_hooks",
                                   "_forward_hooks_with_kwargs", "_state_dict_hooks")
                 if getattr(module, name, None)]
        if "_forward_hooks" in hooks or "_forward_pre_hooks" in hooks or (
                "forward" in vars(module)):
            raise ModelFileError(f"{source}: the module {type(module).__name__} has forward "
                                 "hooks or its own forward, which may change what it computes")
    weights, biases, slopes = [], [], set()
    expect_linear = True
    for k, layer in enumerate(obj):
        kind = type(layer)
        if isinstance(layer, (nn.Linear, nn.ReLU, nn.LeakyReLU)) and kind not in (
                nn.Linear, nn.ReLU, nn.LeakyReLU):
            raise ModelFileError(f"{source}: layer {k} ({kind.__name__}) is a subclass of a "
                                 "torch layer and may compute something else; use plain "
                                 "Linear, ReLU and LeakyReLU")
        if kind is nn.Linear:
            if not expect_linear:
                raise ModelFileError(f"{source}: layer {k} (Linear) follows a Linear layer; "
                                     "put an activation between them")
            tensors = [layer.weight] + ([layer.bias] if layer.bias is not None else [])
            for t in tensors:
                if not isinstance(t, torch.Tensor) or not t.dtype.is_floating_point:
                    raise ModelFileError(f"{source}: layer {k} (Linear): expected real "
                                         f"floating-point parameters, found "
                                         f"{getattr(t, 'dtype', type(t).__name__)}")
            w = layer.weight.detach().cpu().double().numpy()
            b = (layer.bias.detach().cpu().double().numpy() if layer.bias is not None
                 else np.zeros(w.shape[0]))
            weights.append(w)
            biases.append(b)
            expect_linear = False
        elif kind in (nn.ReLU, nn.LeakyReLU):
            if expect_linear:
                raise ModelFileError(f"{source}: layer {k} ({kind.__name__}) must follow "
                                     "a Linear layer")
            slopes.add(0.0 if kind is nn.ReLU else float(layer.negative_slope))
            expect_linear = True
        else:
            raise ModelFileError(f"{source}: layer {k} ({kind.__name__}) is not "
                                 "supported; use Linear, ReLU and LeakyReLU")
    if not weights:
        raise ModelFileError(f"{source}: the Sequential has no Linear layer")
    if len(slopes) > 1:
        raise ModelFileError(f"{source}: mixed activations (negative slopes "
                             f"{sorted(slopes)}); use one kind throughout")
    if sum(w.size + b.size for w, b in zip(weights, biases)) > limits.MAX_NET_PARAMETERS:
        raise ModelFileError(f"{source}: more than {limits.MAX_NET_PARAMETERS} parameters "
                             "(exactid.limits.MAX_NET_PARAMETERS)")
    if expect_linear:
        # A final activation: f = I s(...) + 0.
        out = weights[-1].shape[0]
        weights.append(np.eye(out))
        biases.append(np.zeros(out))
    return _construct(source, "", ReluNet, weights, biases, slopes.pop() if slopes else 0.0)


def _looks_like_model(d) -> bool:
    """A decoded JSON object is a model file: by its format tag, or (the tag being optional)
    by its sections."""
    return isinstance(d, dict) and (d.get("format") == _FORMATS["model"]
                                    or ("prior" in d and "net" in d))


def load_net_any(path, *, trust_pickle: bool = False) -> ReluNet:
    """Load a net from a JSON net (or model) file, an ``.npz`` archive or a torch file, by
    extension: ``.npz`` -> :func:`load_net_npz`; ``.pt``, ``.pth``, ``.torch`` ->
    :func:`load_net_torch` (``trust_pickle`` is passed on); anything else is read as JSON (a
    net file, or a model file whose decoder is used)."""
    source = os.fspath(path)
    ext = os.path.splitext(source)[1].lower()
    if ext == ".npz":
        return load_net_npz(source)
    if ext in (".pt", ".pth", ".torch"):
        return load_net_torch(source, trust_pickle=trust_pickle)
    d, src = _read(source)
    if _looks_like_model(d):
        return model_from_dict(d, src).net
    return net_from_dict(d, src)
