"""The chunked search: Dask equals serial bit for bit (also when a worker dies), and
checkpoints resume an interrupted search to the same result, refusing other arguments.

The reference is the in-process serial search itself: chunk results are deterministic, so the
distributed and resumed searches must reproduce every field of its result exactly (timings
aside).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import stat

import numpy as np
import pytest

from exactid import Family, grid_search
from exactid.errors import Interrupted
from exactid.search import chunks as chunks_module
from exactid.search import exhaustive
from exactid.search.checkpoint import MANIFEST, CheckpointError, check_directory
from exactid.search.chunks import plan, serial_results
from exactid.search.distributed import batches, connect, dask_results, local_client

distributed = pytest.importorskip("distributed")

#: A family of a few hundred decoders: 5 or 6 chunks, a search of about a second.
FAMILY = Family(n_components=2, n_hidden=2, weight_steps=2, means=(-1.0, 0.0, 1.0))
TIMING = ("elapsed", "throughput")


def same_result(a, b) -> bool:
    da, db = dataclasses.asdict(a), dataclasses.asdict(b)
    for key in TIMING:
        da.pop(key), db.pop(key)
    return da == db


@pytest.fixture(scope="module")
def truth():
    return FAMILY.random_point(3)


@pytest.fixture(scope="module")
def serial(truth):
    return grid_search(FAMILY, truth)


@pytest.fixture(scope="module")
def client():
    with local_client(2) as c:
        yield c


def test_plan_covers_every_decoder_once():
    chunks = plan(2, 130, 64)
    assert [(c.sigma_index, c.lo, c.hi) for c in chunks] == [
        (0, 0, 64), (0, 64, 128), (0, 128, 130), (1, 0, 64), (1, 64, 128), (1, 128, 130)]
    assert len({c.name for c in chunks}) == len(chunks)


def test_dask_search_equals_serial(truth, serial, client):
    assert same_result(grid_search(FAMILY, truth, client=client), serial)


def test_killed_worker_changes_nothing(truth, client):
    """SIGKILL one of the two worker processes after the first chunk arrives: the scheduler
    reruns its chunks elsewhere (the nanny restarts it) and every chunk is still identical."""
    setup = exhaustive._prepare(FAMILY, truth.model(), None, True)
    chunks = plan(len(FAMILY.noise_stds), setup.n_dec, 8)
    reference = dict(serial_results(setup, chunks, 16))
    pids = client.run(os.getpid)
    got, killed = {}, False
    for chunk, result in dask_results(client, setup, chunks, 16):
        got[chunk] = result
        if not killed:
            os.kill(next(iter(pids.values())), signal.SIGKILL)
            killed = True
    assert killed and set(got) == set(reference)
    for chunk, result in got.items():
        for field in ("obj", "err", "idx", "rest"):
            np.testing.assert_array_equal(getattr(result, field), getattr(reference[chunk], field))


def test_checkpoint_resumes_an_interrupted_search(truth, serial, tmp_path, monkeypatch):
    directory = tmp_path / "ckpt"
    real = chunks_module.run_chunk
    calls = []

    def stop_after_two(setup, chunk, keep):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(chunk)
        return real(setup, chunk, keep)

    monkeypatch.setattr(chunks_module, "run_chunk", stop_after_two)
    with pytest.raises(Interrupted):
        grid_search(FAMILY, truth, checkpoint=directory)
    saved = sorted(p.name for p in directory.iterdir() if p.suffix == ".npz")
    assert saved == sorted(f"{c.name}.npz" for c in calls)

    counted = []

    def count(setup, chunk, keep):
        counted.append(chunk)
        return real(setup, chunk, keep)

    monkeypatch.setattr(chunks_module, "run_chunk", count)
    resumed = grid_search(FAMILY, truth, checkpoint=directory)
    n_chunks = len(plan(len(FAMILY.noise_stds), len(FAMILY.decoders(True)[0]),
                        exhaustive.DECODERS_PER_CHUNK))
    assert not set(counted) & set(calls) and len(counted) == n_chunks - 2
    assert same_result(resumed, serial)
    # A third run computes nothing and still gives the same result.
    counted.clear()
    assert same_result(grid_search(FAMILY, truth, checkpoint=directory), serial)
    assert counted == []


def test_checkpoint_refuses_other_arguments(truth, tmp_path):
    grid_search(FAMILY, truth, checkpoint=tmp_path / "c")
    other = Family(n_components=2, n_hidden=2, weight_steps=2, means=(-1.0, 0.0, 2.0))
    with pytest.raises(CheckpointError, match=r"holds chunks of a search with other arguments "
                       r"\(family differs\)"):
        grid_search(other, other.random_point(3), checkpoint=tmp_path / "c")
    with pytest.raises(CheckpointError, match=r"other arguments \(reference differs\)"):
        grid_search(FAMILY, FAMILY.random_point(4), checkpoint=tmp_path / "c")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to read-only directories")
def test_read_only_checkpoint_is_refused_before_any_work(truth, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(CheckpointError, match="is not writable"):
            grid_search(FAMILY, truth, checkpoint=ro / "c")
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(stat.S_IRWXU)


@pytest.mark.parametrize("make, match", [
    (lambda p: p / "missing" / "c", r"the parent directory .* does not exist"),
    (lambda p: (p / "f").write_text("x") and p / "f", r"exists and is not a directory"),
])
def test_checkpoint_directory_errors(tmp_path, make, match):
    with pytest.raises(CheckpointError, match=match):
        check_directory(make(tmp_path))


def test_damaged_manifest_is_refused(truth, tmp_path):
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(CheckpointError, match="cannot read"):
        grid_search(FAMILY, truth, checkpoint=tmp_path)


def test_unreachable_scheduler_is_an_input_error():
    with pytest.raises(ValueError, match=r"--scheduler: no Dask scheduler answered at "
                       r"'tcp://127\.0\.0\.1:9' within 1 s"):
        with connect("tcp://127.0.0.1:9", timeout=1.0):
            pass


@pytest.mark.parametrize("workers", [0, -1, True])
def test_bad_worker_counts(workers):
    with pytest.raises(ValueError, match=r"--workers: expected an integer >= 1"):
        with local_client(workers):
            pass


@pytest.mark.parametrize("n_chunks, workers, size", [
    (81, 2, 7),      # the J.3.1 family: 12 tasks of at most 7 chunks
    (81, 1, 14),
    (945, 2, 16),    # h3: capped at MAX_CHUNKS_PER_TASK
    (5, 8, 1),       # fewer chunks than tasks wanted: one chunk each
    (3, 0, 1),       # no worker known yet: still one task per few chunks
])
def test_batches_cover_every_chunk_in_order(n_chunks, workers, size):
    chunks = plan(1, 64 * n_chunks, 64)
    groups = batches(chunks, workers)
    assert [c for group in groups for c in group] == chunks
    assert max(len(group) for group in groups) == size
