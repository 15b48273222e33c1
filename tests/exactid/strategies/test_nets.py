"""The public net strategies: each class strategy against check_injectivity, shapes, shrinking.

The class strategies guarantee their class by construction (exactid.strategies.nets); here the
guarantee is checked against the decision procedures: exactid.injectivity_1d (exact) for
R -> R and exactid.check_injectivity (linear programs on the exact cells) otherwise, on 50
draws per class under the ci profile (500 under thorough), over (m, n) in {1, 2} x {m, m + 1}.
"""

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from exactid import check_injectivity, injectivity_1d
from exactid.strategies import (
    LEAKY_SLOPES,
    injective_nets,
    non_weakly_injective_nets,
    observably_but_not_injective_nets,
    relu_nets,
    weakly_but_not_observably_injective_nets,
)
from tests.budget import examples, thorough

#: (F2, F3, F4) of each class strategy.
CLASSES = {
    "F4": (injective_nets, (True, True, True)),
    "F3 not F4": (observably_but_not_injective_nets, (True, True, False)),
    "F2 not F3": (weakly_but_not_observably_injective_nets, (True, False, False)),
    "not F2": (non_weakly_injective_nets, (False, False, False)),
}
DIMS = [(1, 1), (1, 2), (2, 2), (2, 3)]
#: find() settings: the minimal example of a trivially true condition needs few draws.
QUICK = settings(max_examples=10, database=None)


def verdicts(net):
    if net.input_dim == 1 and net.output_dim == 1:
        report = injectivity_1d(net)
    else:
        report = check_injectivity(net)
    return report.F2.holds, report.F3.holds, report.F4.holds


@pytest.mark.parametrize("name", CLASSES)
@settings(max_examples=examples(50))
@given(data=st.data())
def test_class_strategy_matches_check_injectivity(name, data):
    strategy, expected = CLASSES[name]
    # R^2 -> R^3 and two blocks in 2-D only under the thorough profile (their cell
    # enumeration and linear programs take about a second per net).
    m, n = data.draw(st.sampled_from(DIMS if thorough() else DIMS[:3]), label="(m, n)")
    depth = (1, 2) if m == 1 or thorough() else 1
    net = data.draw(strategy(m, n, depth=depth, max_coordinates=2), label="net")
    assert (net.input_dim, net.output_dim) == (m, n)
    assert verdicts(net) == expected, (net.weights, net.biases, net.negative_slope)


@pytest.mark.parametrize("name", CLASSES)
@pytest.mark.parametrize("activation", ["relu", "leaky"])
@settings(max_examples=examples(5))
@given(data=st.data())
def test_class_strategy_honours_activation(name, activation, data):
    strategy, _ = CLASSES[name]
    net = data.draw(strategy(1, 2, activation=activation))
    assert (net.negative_slope == 0.0) == (activation == "relu")
    assert activation == "relu" or net.negative_slope in LEAKY_SLOPES


def test_class_strategies_shrink_to_one_narrow_layer():
    """The simplest ReLU (F4) net R -> R is the pair relu(z) - relu(-z) = z (unit slopes,
    breakpoint 0, identity read-out)."""
    z = np.linspace(-3, 3, 13)[:, None]
    net = find(injective_nets(1, activation="relu"), lambda net: True,
               settings=QUICK)
    assert net.n_layers == 2 and sorted(net.weights[0].ravel().tolist()) == [-1.0, 1.0]
    np.testing.assert_array_equal(net(z), z)


@settings(max_examples=examples(40))
@given(data=st.data())
def test_relu_nets_shapes_and_entries(data):
    m, n = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    lo = data.draw(st.integers(1, 3))
    depth, width = (lo, lo + data.draw(st.integers(0, 2))), (1, data.draw(st.integers(1, 5)))
    net = data.draw(relu_nets(m, n, depth=depth, width=width, activation="either"))
    assert (net.input_dim, net.output_dim) == (m, n)
    assert depth[0] <= net.n_layers - 1 <= depth[1]
    assert all(width[0] <= w.shape[0] <= width[1] for w in net.weights[:-1])
    assert net.negative_slope in (0.0, *LEAKY_SLOPES)
    for array in (*net.weights, *net.biases):
        # Simple fractions: multiples of 1/4 in [-2, 2].
        assert np.all(np.abs(array) <= 2) and np.all(array * 4 == np.round(array * 4))


def test_relu_nets_shrink_to_the_zero_net():
    net = find(relu_nets(2, 3), lambda net: True, settings=QUICK)
    assert [w.shape for w in net.weights] == [(1, 2), (3, 1)]
    assert all(not w.any() for w in net.weights) and net.negative_slope == 0.0


def test_relu_nets_custom_entries():
    net = find(relu_nets(1, 1, entries=st.just(3.0)), lambda net: True, settings=QUICK)
    assert np.all(net.weights[0] == 3.0) and np.all(net.biases[-1] == 3.0)


@pytest.mark.parametrize("call, message", [
    (lambda: relu_nets(0, 1), r"input_dim: expected an integer >= 1, found 0"),
    (lambda: relu_nets(1, 1, depth=(3, 2)), r"depth: expected \(lo, hi\) with lo <= hi"),
    (lambda: relu_nets(1, 1, width=0), r"width: expected an integer >= 1, found 0"),
    (lambda: relu_nets(1, 1, activation="tanh"),
     r"activation: expected one of relu, leaky, either, found 'tanh'"),
    (lambda: injective_nets(2, 1), r"output_dim: .* n >= m .* found n = 1 < m = 2"),
    (lambda: non_weakly_injective_nets(1, max_coordinates=0),
     r"max_coordinates: expected an integer >= 1, found 0"),
    (lambda: weakly_but_not_observably_injective_nets(True),
     r"input_dim: expected an integer >= 1, found True"),
])
def test_argument_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
