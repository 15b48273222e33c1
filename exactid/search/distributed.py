"""The exhaustive search on a Dask cluster (optional: ``pip install 'exactid[distributed]'``).

``grid_search(..., client=client)`` sends the search's fixed inputs to every worker once and
the chunks of decoders (:mod:`exactid.search.chunks`) as tasks, a few consecutive chunks per
task (:func:`batches`: about :data:`TASKS_PER_WORKER` tasks per worker, so that Dask's
per-task cost of a few milliseconds stays small next to the work); each task returns its
chunks' kept lists and lower bounds, and the driver merges them by decoder index exactly as
the serial search does, so the result is identical bit for bit.  Tasks are pure functions of
their chunks: when a worker dies, the scheduler runs its unfinished tasks again elsewhere, and
the result is still identical.

What to use when:

* one machine -- nothing: the in-process search (numba threads over decoders) is the default
  and needs no Dask; :func:`local_client` (``exactid simulate --workers N``) starts a
  ``LocalCluster`` of N single-threaded worker processes, mostly to try the distributed path;
* several machines -- start a scheduler and workers (``dask scheduler``, then ``dask worker
  tcp://HOST:8786 --nthreads 1`` on each machine, with exactid installed) and pass the address:
  :func:`connect` (``exactid simulate --scheduler tcp://HOST:8786``).

Dask is imported inside these functions only, so exactid imports without it.
"""

from __future__ import annotations

import contextlib

from ..errors import InputError
from .chunks import run_chunks

__all__ = ["dask_results", "batches", "local_client", "connect", "require_distributed",
           "CONNECT_TIMEOUT", "TASKS_PER_WORKER", "MAX_CHUNKS_PER_TASK"]

#: Seconds to wait for a scheduler before giving up (--scheduler).
CONNECT_TIMEOUT = 10.0
#: Tasks per worker a search aims at: enough to balance the load and lose little when a
#: worker dies, few enough that the per-task cost stays small.
TASKS_PER_WORKER = 6
#: At most this many chunks per task, so that progress, checkpoints and Ctrl-C stay within
#: seconds on big families.
MAX_CHUNKS_PER_TASK = 16


def batches(chunks: list, n_workers: int) -> list[list]:
    """Consecutive runs of ``chunks``, one per task: about :data:`TASKS_PER_WORKER` per worker,
    at most :data:`MAX_CHUNKS_PER_TASK` chunks each."""
    size = -(-len(chunks) // max(1, TASKS_PER_WORKER * max(1, n_workers)))
    size = min(max(size, 1), MAX_CHUNKS_PER_TASK)
    return [chunks[i:i + size] for i in range(0, len(chunks), size)]


def require_distributed():
    """The ``distributed`` module, or an ImportError naming the extra to install."""
    try:
        # lazy: Dask is an optional dependency of the distributed path only.
        import distributed
    except ImportError as error:
        raise ImportError("the distributed search needs Dask: pip install "
                          "'exactid[distributed]'") from error
    return distributed


@contextlib.contextmanager
def local_client(workers: int):
    """A client of a ``LocalCluster`` with ``workers`` single-threaded worker processes.

    Each worker runs numba with one thread (``NUMBA_NUM_THREADS=1``), so N workers use N
    cores.  The cluster is closed on exit.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"--workers: expected an integer >= 1, found {workers!r}")
    distributed = require_distributed()
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, env={"NUMBA_NUM_THREADS": "1"})
    try:
        with distributed.Client(cluster) as client:
            yield client
    finally:
        cluster.close()


@contextlib.contextmanager
def connect(address: str, timeout: float | None = None):
    """A client of the scheduler at ``address`` (e.g. ``tcp://10.0.0.5:8786``).

    Raises
    ------
    InputError
        The scheduler does not answer within ``timeout`` seconds (default
        :data:`CONNECT_TIMEOUT`).
    """
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    if not isinstance(address, str) or not address:
        raise InputError(f"--scheduler: expected an address such as tcp://HOST:8786, found "
                         f"{address!r}")
    distributed = require_distributed()
    try:
        client = distributed.Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as error:
        raise InputError(f"--scheduler: no Dask scheduler answered at {address!r} within "
                         f"{timeout:g} s ({type(error).__name__})") from None
    try:
        yield client
    finally:
        client.close()


def dask_results(client, setup, chunks, keep: int):
    """Yield ``(chunk, result)`` for each chunk as the cluster finishes it.

    Parameters
    ----------
    client : distributed.Client
    setup : exactid.search.exhaustive.SearchSetup
        Sent to every worker once (``client.scatter(..., broadcast=True)``).
    chunks : list of Chunk
    keep : int
    """
    distributed = require_distributed()
    chunks = list(chunks)
    if not chunks:
        return
    remote = client.scatter(setup, broadcast=True, hash=False)
    groups = batches(chunks, len(client.scheduler_info().get("workers", ())))
    futures = client.map(run_chunks, [remote] * len(groups), groups, [keep] * len(groups),
                         pure=False)
    which = {future.key: group for future, group in zip(futures, groups)}
    try:
        for future, results in distributed.as_completed(futures, with_results=True):
            yield from zip(which[future.key], results)
            future.release()
    finally:
        client.cancel(futures)
