"""Networks from NumPy ``.npz`` archives, read without trusting them.

At most :data:`exactid.limits.MAX_NET_FILE_BYTES` are read, every array's header (shape and
dtype) is checked before its data is decompressed, and at most
:data:`exactid.limits.MAX_NET_PARAMETERS` numbers are accepted in all, so a small "deflate
bomb" cannot allocate gigabytes.  Nothing is unpickled.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
import zlib

import numpy as np
from numpy.lib import format as npy

from .. import limits
from ..errors import InputError, ModelFileError
from ..files import read_bytes
from ..models import ReluNet
from .modelfile import construct

__all__ = ["load_net_npz", "read_npy"]

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
    return construct(source, "", ReluNet, [w.astype(float) for w in weights],
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
