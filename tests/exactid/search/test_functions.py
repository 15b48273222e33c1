"""Decoders merged by the function they compute (exactid.search.functions): the labels are
checked by evaluating the decoders directly in exact rational arithmetic, independently of the
module's unit tables."""

from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.search import functions
from exactid.search.grid import Family

QUARTERS = tuple(i / 4 for i in range(-4, 5))
SMALL = {
    "relu-quarters": dict(n_hidden=2, alphas=(-1.0, -0.5, 0.0, 0.5, 1.0), betas=QUARTERS,
                          biases=(-1.0, -0.5, 0.0, 0.5, 1.0)),
    "leaky-h3": dict(n_hidden=3, alphas=(-1.0, 0.0, 1.0), betas=(-1.0, 0.0, 0.5, 1.0),
                     biases=(-0.5, 0.0, 0.5), negative_slope=0.25),
    # Grid values that are not dyadic in decimal (0.1, 0.3): Fractions of floats are exact.
    "relu-decimal": dict(n_hidden=2, alphas=(-0.3, 0.0, 0.1, 0.2), betas=(-0.1, 0.0, 0.3),
                         biases=(-0.1, 0.0, 0.2)),
}


def value(decoder, z: Fraction, slope: Fraction) -> Fraction:
    """f(z) of a decoder row (3, H), in exact arithmetic, straight from the definition."""
    out = Fraction(0)
    for a, b, c in np.asarray(decoder).T.tolist():
        u = Fraction(b) * z + Fraction(c)
        out += Fraction(a) * (u if u > 0 else slope * u)
    return out


def family_and_labels(name):
    family = Family(**SMALL[name])
    decoders, _ = family._unit_decoders(True)
    labels = functions.function_classes(decoders, family.negative_slope, family.betas,
                                        family.biases)
    return family, decoders, labels


@pytest.mark.parametrize("name", list(SMALL))
def test_labels_are_exactly_the_functions(name):
    """Same label => the same values at the probe points and at random rationals; different
    labels => some probe point tells them apart (all evaluated from the definition)."""
    family, decoders, labels = family_and_labels(name)
    slope = Fraction(family.negative_slope)
    probes = functions.probe_points(family.betas, family.biases)
    rng = np.random.default_rng(0)
    extra = [Fraction(int(n), int(d)) for n, d in zip(rng.integers(-400, 400, 12),
                                                       rng.integers(1, 37, 12))]
    extra += [Fraction(-10**6), Fraction(10**6)]
    signatures = {}
    for i, label in enumerate(labels.tolist()):
        sig = tuple(value(decoders[i], z, slope) for z in probes + extra)
        signatures.setdefault(label, set()).add(sig)
    assert all(len(s) == 1 for s in signatures.values())  # a class is one function
    distinct = {next(iter(s))[:len(probes)] for s in signatures.values()}
    assert len(distinct) == len(signatures)  # two classes are two functions
    # Labels follow the enumeration order (first appearances are 0, 1, 2, ...).
    _, first = np.unique(labels, return_index=True)
    assert np.all(np.diff(first) > 0) and labels[0] == 0


def test_python_integer_path_gives_the_same_labels(monkeypatch):
    family, decoders, labels = family_and_labels("leaky-h3")
    monkeypatch.setattr(functions, "_INT64_SAFE", 0)
    again = functions.function_classes(decoders, family.negative_slope, family.betas,
                                       family.biases)
    np.testing.assert_array_equal(again, labels)


def dec(*units):
    """A decoder row (3, H) from (alpha, beta, pi) units."""
    return np.array(units, dtype=float).T


@pytest.mark.parametrize("first, second, slope, same", [
    # positive rescaling that stays on the grid: relu(0.5 z + 0.5) = 0.5 relu(z + 1)
    (dec((1, 0.5, 0.5), (0, -1, -1)), dec((0.5, 1, 1), (0, -1, -1)), 0.0, True),
    # dead units: beta = 0 with s(pi) = 0 is the zero function, like alpha = 0
    (dec((1, 0, -0.5), (1, 1, 0)), dec((0, -1, -1), (1, 1, 0)), 0.0, True),
    # ... but not for leaky ReLU, where s(-0.5) = -0.125
    (dec((1, 0, -0.5), (1, 1, 0)), dec((0, -1, -1), (1, 1, 0)), 0.25, False),
    # constant units adding up to the same constant
    (dec((1, 0, 0.5), (0.5, 0, 1)), dec((1, 0, 1), (0, -1, -1)), 0.0, True),
    # cancelling units
    (dec((1, 1, 0.5), (-1, 1, 0.5)), dec((0, -1, -1), (0, -1, -1)), 0.0, True),
    # relu(z) - relu(-z) = z = leaky identity, but not relu(z) alone
    (dec((1, 1, 0), (-1, -1, 0)), dec((1, 1, 0), (0, -1, -1)), 0.0, False),
    # equal on [-1, 1] but not beyond: breakpoints at +-1 versus at 0
    (dec((1, 1, 1), (1, -1, 1)), dec((1, 0, 1), (1, 0, 1)), 0.0, False),
])
def test_known_identities(first, second, slope, same):
    grid = (-1.0, -0.5, 0.0, 0.5, 1.0)
    labels = functions.function_classes(np.stack([first, second]), slope, grid, grid)
    assert bool(labels[0] == labels[1]) is same


@functools.cache
def one_component_family(name) -> Family:
    """A family of SMALL with one prior atom and merged decoders (built once per name: its
    function classes are cached on the instance)."""
    return Family(**SMALL[name], n_components=1, weight_steps=1, means=(0.0,),
                  symmetry="functions")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(SMALL)), st.data())
def test_family_canonical_maps_to_the_same_function(name, data):
    """Family.canonical with symmetry="functions" returns a point whose decoder is the same
    function (exactly) and which is one of the evaluated decoders."""
    family = one_component_family(name)
    point = family.random_point(data.draw(st.integers(0, 10**6)))
    rep = family.canonical(point)
    slope = Fraction(family.negative_slope)
    original = dec(*zip(point.alpha, point.beta, point.pi))
    chosen = dec(*zip(rep.alpha, rep.beta, rep.pi))
    for z in functions.probe_points(family.betas, family.biases) + [Fraction(7, 3)]:
        assert value(original, z, slope) == value(chosen, z, slope)
    decoders, _ = family.decoders()
    assert np.any(np.all(decoders == chosen, axis=(1, 2)))
    assert family.canonical(rep) == rep


def test_functions_reduce_more_and_keep_every_grid_point():
    units = Family(n_hidden=3)
    merged = Family(n_hidden=3, symmetry="functions")
    assert merged.n_decoders() < units.n_decoders()
    assert int(merged.decoders()[1].sum()) == int(units.decoders()[1].sum()) \
        == len(units.alphas) ** 3 * (len(units.betas) * len(units.biases)) ** 3
