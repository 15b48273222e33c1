"""Reading and writing files safely: bounded reads, checked outputs, atomic writes, strict JSON.

One mechanism for every file exactid and vade_check read or write, so that the rules hold
everywhere:

* **Reads are bounded.**  :func:`read_bytes` reads regular files only (a FIFO would block, a
  device such as ``/dev/zero`` never ends) and at most ``limit + 1`` bytes of them, refusing
  larger ones, so no input can fill memory.
* **Outputs are checked before any computation** (:func:`check_output`): the directory must
  exist and accept a new file (tested by creating and removing one, which catches read-only
  mounts, ``/proc`` and ``/sys``), and an existing target must be a regular file.  Device nodes,
  FIFOs, sockets and directories are refused, never replaced.  A symbolic link is followed, as
  ``open()`` would: the link stays and its target is replaced.
* **Writes are atomic** (:func:`atomic_write`): the bytes are produced in memory first, then
  written to a temporary file in the target's directory, flushed to disk and renamed over the
  target, so the target is never partial.  An existing target keeps its permission bits (and
  its owner and group where the process may set them); a new file gets ``0666`` minus the
  umask, as with ``open()``.  The temporary file is removed on every error, Ctrl-C and SIGTERM
  (the command-line entry points turn SIGTERM into an exception); only SIGKILL during the few
  milliseconds of the write can leave a ``.NAME.<hex>.tmp`` file behind.
* **JSON is strict** (:func:`to_json`): non-finite floats, which strict parsers reject, are
  written as the strings ``"inf"``, ``"-inf"`` and ``"nan"``.
"""

from __future__ import annotations

import json
import math
import os
import stat
import uuid

from .errors import InputError, LimitExceeded

__all__ = ["read_bytes", "check_output", "atomic_write", "to_json", "json_safe"]


def _limit_text(limit: int) -> str:
    return f"{limit / 2**20:g} MiB" if limit >= 2**20 else f"{limit} bytes"


def read_bytes(path, limit: int, what: str = "file") -> bytes:
    """The content of ``path``, refusing more than ``limit`` bytes.

    Parameters
    ----------
    path : str or os.PathLike
    limit : int
        Largest accepted size in bytes.
    what : str
        Used in messages, e.g. ``"model file"``.

    Raises
    ------
    InputError
        Missing, unreadable or a directory (the message starts with the path), or larger than
        ``limit`` (:class:`LimitExceeded`).
    """
    source = os.fspath(path)
    try:
        st = os.stat(source)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read the {what} ({exc.strerror or exc})") from None
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        # A FIFO would block until a writer appears; a device like /dev/zero never ends.
        raise InputError(f"{source}: not a regular file (a FIFO, device or socket); give "
                         f"the {what} as a regular file")
    try:
        with open(source, "rb") as fh:
            st = os.fstat(fh.fileno())
            if stat.S_ISREG(st.st_mode) and st.st_size > limit:
                raise LimitExceeded(
                    f"{source}: the {what} has {st.st_size} bytes, more than the limit of "
                    f"{_limit_text(limit)}", "size")
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read the {what} ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise LimitExceeded(f"{source}: the {what} is larger than the limit of "
                            f"{_limit_text(limit)}", "size")
    return data


def check_output(path, option: str = "path") -> str:
    """Check, before any computation, that ``path`` can be written; return the path to write.

    Parameters
    ----------
    path : str or os.PathLike
        The output file (it may not exist yet).
    option : str
        Name of the argument or command-line option, used at the start of error messages.

    Returns
    -------
    str
        The absolute path of the file that will be replaced (symbolic links resolved).

    Raises
    ------
    InputError
        Empty path, missing directory, a directory that does not accept new files, or an
        existing target that is a directory, a device, a FIFO or a socket, or not writable.
    """
    try:
        name = os.fspath(path)
    except TypeError:
        raise InputError(f"{option}: expected a file name, found {path!r}") from None
    if not isinstance(name, str) or not name:
        raise InputError(f"{option}: expected a file name, found {path!r}")
    real = os.path.realpath(name)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(f"{option}: {name!r}: {exc.strerror or exc}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{option}: {name!r} is a directory; give a file name")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(
                f"{option}: {name!r} is not a regular file (a device, FIFO or socket); "
                "refusing to replace it")
        if not os.access(real, os.W_OK):
            raise InputError(f"{option}: {name!r} is not writable")
    directory = os.path.dirname(real)
    if not os.path.isdir(directory):
        raise InputError(f"{option}: the directory {directory!r} does not exist")
    # Test for real that a file can be created next to the target: permissions, read-only
    # mounts and pseudo file systems (/proc, /sys) all show up here, before any work.
    probe = os.path.join(directory, f".{os.path.basename(real)}.{uuid.uuid4().hex}.tmp")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise InputError(f"{option}: cannot create files in {directory!r} "
                         f"({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(probe)
    return real


def atomic_write(path, data, option: str = "path") -> None:
    """Replace ``path`` with ``data`` atomically (see the module docstring).

    Parameters
    ----------
    path : str or os.PathLike
    data : bytes or str
        The whole content (``str`` is written as UTF-8).
    option : str
        Name of the argument, used in error messages.

    Raises
    ------
    InputError
        As :func:`check_output`; an ``OSError`` of the write itself (disk full) propagates
        with the temporary file removed.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    real = check_output(path, option)
    try:
        old = os.stat(real)
    except FileNotFoundError:
        old = None
    directory, name = os.path.split(real)
    tmp = os.path.join(directory, f".{name}.{uuid.uuid4().hex}.tmp")
    created = False
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
        try:
            if old is not None:
                os.fchmod(fd, stat.S_IMODE(old.st_mode))
                try:
                    os.fchown(fd, old.st_uid, old.st_gid)
                except PermissionError:
                    pass  # an ordinary user cannot give a file away; the mode is kept
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, real)
        created = False
    finally:
        if created:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass


def json_safe(value):
    """``value`` with every non-finite float replaced by ``"inf"``, ``"-inf"`` or ``"nan"``
    (recursively through dicts, lists and tuples; NumPy scalars and arrays become Python
    values)."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return json_safe(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def to_json(payload, indent: int | None = None) -> str:
    """Strict JSON text of ``payload`` (see :func:`json_safe`)."""
    return json.dumps(json_safe(payload), indent=indent, allow_nan=False)
