"""Networks from ``torch.save(nn.Sequential(...))`` files, loaded safely.

By default the file is read with ``torch.load(weights_only=True)`` and an allow-list of torch's
own ``nn`` layer classes found by scanning the checkpoint (nothing runs while scanning); a file
that refers to anything else is refused with :class:`~exactid.errors.UntrustedFileError` before
anything in it runs.  ``trust_pickle=True`` unpickles without restriction.  Either way only an
``nn.Sequential`` of exactly ``Linear``, ``ReLU`` and ``LeakyReLU`` without hooks is accepted,
so the network read is the network the file computes.  torch is imported only here.
"""

from __future__ import annotations

import io
import os
import pickle
import pickletools
import sys
import warnings

import numpy as np

from .. import limits
from ..errors import InputError, ModelFileError, UntrustedFileError
from ..files import read_bytes
from ..models import ReluNet
from .modelfile import construct

__all__ = ["load_net_torch"]

#: Layers a torch file may contain (exact types: a subclass could override ``forward``).
_TORCH_LAYERS = ("Linear", "ReLU", "LeakyReLU")



def _torch_allowed_globals(torch, nn, data: bytes) -> tuple[list, list]:
    """The classes the file's pickle refers to, split into torch's own ``nn`` modules (safe to
    construct: their unpickling only fills ``__dict__``) and everything else (refused)."""

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

    source = os.fspath(path)
    try:  # torch only when a torch file is read: exactid never needs it to import
        import torch
        from torch import nn
    except ImportError:
        raise ModelFileError(f"{source}: reading a torch file needs PyTorch; install it with "
                             "'pip install torch==2.13.0'") from None
    try:
        data = read_bytes(source, limits.MAX_NET_FILE_BYTES, "file")
    except InputError as exc:
        raise ModelFileError(str(exc)) from None

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
    return construct(source, "", ReluNet, weights, biases, slopes.pop() if slopes else 0.0)
