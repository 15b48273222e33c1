"""Reading and writing networks and models: JSON files, ``.npz`` archives, torch files.

What to use when: :func:`load_model` / :func:`save_model` and :func:`load_net` / :func:`save_net`
for exactid's own JSON files (:mod:`~exactid.io.modelfile`, strict: every error names the file
and the field); :func:`load_net_any` for a network in any supported format, chosen by extension
(``.npz`` -- :mod:`~exactid.io.npz`; ``.pt``/``.pth`` -- :mod:`~exactid.io.torchfile`, loaded
safely).
"""

from __future__ import annotations

import os

from ..errors import ModelFileError, UntrustedFileError
from ..models import ReluNet
from .modelfile import (
    FORMAT_VERSION,
    load_model,
    load_net,
    looks_like_model,
    model_from_dict,
    model_to_dict,
    net_from_dict,
    net_to_dict,
    read_json,
    save_model,
    save_net,
)
from .npz import load_net_npz, read_npy
from .torchfile import load_net_torch

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
    "FORMAT_VERSION",
]



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
    d, src = read_json(source)
    if looks_like_model(d):
        return model_from_dict(d, src).net
    return net_from_dict(d, src)
