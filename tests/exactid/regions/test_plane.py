"""Exact polygons of the linear regions for m = 2, against the network itself and by hand.

References: the network evaluated at sample points (float, checked to 1e-9 relative to the
size of its terms), exact rational identities of the geometry (vertices on both their edges,
counter-clockwise convex order), the LP-based cell enumeration of exactid.regions.cells, and
partitions worked out by hand.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid import ReluNet, linear_regions
from exactid.errors import LimitExceeded
from exactid.regions.plane import polygons_2d
from tests.budget import examples


@st.composite
def nets_2d(draw, max_hidden_layers=2, max_width=5, n_out=(1, 3)):
    """ReLU or leaky nets 2 -> widths -> n with small integer-and-half weights (exact ties
    such as parallel or concurrent lines occur often, which the exact geometry must survive)."""
    depth = draw(st.integers(1, max_hidden_layers))
    widths = [2] + [draw(st.integers(1, max_width)) for _ in range(depth)]
    widths.append(draw(st.integers(*n_out)))
    value = st.integers(-4, 4).map(lambda k: k / 2)
    weights = [np.array(draw(st.lists(st.lists(value, min_size=widths[i], max_size=widths[i]),
                                      min_size=widths[i + 1], max_size=widths[i + 1])))
               for i in range(len(widths) - 1)]
    biases = [np.array(draw(st.lists(value, min_size=widths[i + 1], max_size=widths[i + 1])))
              for i in range(len(widths) - 1)]
    slope = draw(st.sampled_from([0.0, 0.0, 0.25]))
    return ReluNet(weights, biases, negative_slope=slope)


def random_net(seed, widths=(2, 6, 5, 3), slope=0.0):
    rng = np.random.default_rng(seed)
    ws = [rng.normal(size=(widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
    bs = [rng.normal(size=widths[i + 1]) for i in range(len(widths) - 1)]
    return ReluNet(ws, bs, negative_slope=slope)


def cross(o, a, b):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def assert_exact_geometry(cell):
    """Each vertex lies exactly on its two edges and satisfies every other constraint; the
    vertices turn left (counter-clockwise, strictly convex)."""
    poly = cell.polygon
    normals, offsets, verts = poly.normals, poly.offsets, poly.vertices
    for i, v in enumerate(verts):
        for e, ((a1, a2), b) in enumerate(zip(normals, offsets)):
            value = a1 * v[0] + a2 * v[1] - b
            if e in (i, (i + 1) % len(normals)):
                assert value == 0
            else:
                assert value <= 0
    if poly.bounded:
        assert len(verts) >= 3
        for i in range(len(verts)):
            assert cross(verts[i - 1], verts[i], verts[(i + 1) % len(verts)]) > 0
    else:
        for i in range(1, len(verts) - 1):
            assert cross(verts[i - 1], verts[i], verts[i + 1]) > 0


def assert_partition(net, cells, points):
    """Every point lies in exactly one cell's interior or on shared boundaries only, and the
    cell's exact map agrees with the network there."""
    for z in points:
        inside = [c for c in cells if c.polygon.contains(z)]
        strict = [c for c in inside if c.polygon.contains(z, strict=True)]
        assert len(strict) <= 1 and inside
        a, c = inside[0].map_arrays()
        want = net(z[None])[0]
        size = 1.0 + np.abs(z).sum() * max(np.abs(w).max() for w in net.weights) ** net.n_layers
        assert np.allclose(a @ z + c, want, rtol=0, atol=1e-12 * size * 10)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("slope", [0.0, 0.1])
def test_random_nets_are_partitioned_exactly(seed, slope):
    net = random_net(seed, slope=slope)
    cells = polygons_2d(net)
    for cell in cells:
        assert_exact_geometry(cell)
    points = np.random.default_rng(100 + seed).normal(size=(300, 2)) * 4
    assert_partition(net, cells, points)
    # Distinct activation patterns: cells are never split needlessly.
    assert len({c.pattern for c in cells}) == len(cells)


@given(net=nets_2d(), data=st.data())
@settings(max_examples=examples(25))
def test_random_small_integer_nets(net, data):
    cells = polygons_2d(net)
    for cell in cells:
        assert_exact_geometry(cell)
    points = np.array(data.draw(st.lists(st.tuples(st.floats(-6, 6), st.floats(-6, 6)),
                                         min_size=1, max_size=20)))
    assert_partition(net, cells, points)


def test_same_cells_as_the_lp_enumeration():
    # exactid.regions.cells finds the cells (activation patterns with an interior) by linear
    # programs inside a box that holds every vertex: the same patterns.
    for seed in range(3):
        net = random_net(seed, widths=(2, 4, 3, 1))
        exact = {tuple(tuple(bool(u) for u in layer) for layer in c.pattern)
                 for c in polygons_2d(net)}
        lp = linear_regions(net)
        found = {tuple(tuple(bool(u) for u in layer) for layer in cell.pattern)
                 for cell in lp.cells}
        assert exact == found


def test_by_hand_quadrants_and_unbounded_shapes():
    # |z1| + |z2|: four quadrants, all unbounded with one vertex (the origin).
    net = ReluNet([[[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]], [[1.0, 1.0, 1.0, 1.0]]],
                  [[0.0] * 4, [0.0]])
    cells = polygons_2d(net)
    assert len(cells) == 4
    for cell in cells:
        assert not cell.polygon.bounded
        assert cell.polygon.vertices == ((0, 0),)
        assert len(cell.polygon.normals) == 2
    # A strip and two half-planes: ReLU(z1) - ReLU(z1 - 1).
    strip = ReluNet([[[1.0, 0.0], [1.0, 0.0]], [[1.0, -1.0]]], [[0.0, -1.0], [0.0]])
    shapes = sorted((len(c.polygon.normals), len(c.polygon.vertices))
                    for c in polygons_2d(strip))
    assert shapes == [(1, 0), (1, 0), (2, 0)]
    # No hidden unit depends on z: the whole plane, one cell.
    flat = ReluNet([[[0.0, 0.0]], [[2.0]]], [[1.0], [3.0]])
    (cell,) = polygons_2d(flat)
    assert cell.polygon.normals == () and cell.map_arrays()[1].tolist() == [5.0]
    # A triangle: ReLU(z1) + ReLU(z2) + ReLU(1 - z1 - z2) has one bounded cell.
    tri = ReluNet([[[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]], [[1.0, 1.0, 1.0]]],
                  [[0.0, 0.0, 1.0], [0.0]])
    bounded = [c for c in polygons_2d(tri) if c.polygon.bounded]
    assert len(bounded) == 1
    assert set(bounded[0].polygon.vertices) == {(0, 0), (1, 0), (0, 1)}


def test_exact_rationals_of_float_weights():
    # 0.1 is not 1/10 in binary: the cut lies at the exact rational of the float.
    net = ReluNet([[[1.0, 0.0]], [[1.0]]], [[-0.1], [0.0]])
    offsets = {c.polygon.offsets[0] for c in polygons_2d(net)}
    assert offsets == {Fraction(0.1), -Fraction(0.1)}


def test_validation_and_limits():
    with pytest.raises(ValueError, match=r"net: expected input dimension 2, found 1"):
        polygons_2d(ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]]))
    with pytest.raises(ValueError, match=r"net: expected a ReluNet"):
        polygons_2d("net")
    with pytest.raises(LimitExceeded, match=r"max_cells = 3"):
        polygons_2d(random_net(0), max_cells=3)


def test_models_cache_their_polygons():
    from exactid import GaussianMixture, LatentModel

    net = random_net(1, widths=(2, 3, 2))
    model = LatentModel(GaussianMixture([1.0], [[0.0, 0.0]], [np.eye(2)]), net, 0.5)
    first = model.polygons
    assert model.polygons is first
    assert [c.pattern for c in first] == [c.pattern for c in polygons_2d(net)]
    one_d = LatentModel(GaussianMixture([1.0], [0.0], [1.0]),
                        ReluNet([[[1.0]], [[1.0]]], [[0.0], [0.0]]), 0.5)
    with pytest.raises(ValueError, match=r"net: expected input dimension 2, found 1"):
        one_d.polygons  # noqa: B018
