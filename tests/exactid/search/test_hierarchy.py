"""The 2-D hierarchy study (exactid.search.hierarchy): the Table 1 logic on synthetic records,
and the constructed cases, whose level of equivalence is known, run end to end."""

import pytest

from exactid.search import hierarchy
from exactid.search.hierarchy_cases import constructed_cases, draw_case


def _minimizer(level, *, same=True, F2=True, F4=True, P2=True, equivalent=True):
    return {"same_law": same, "prior_level": level, "F2": F2, "F4": F4, "P2": P2,
            "model_equivalent": equivalent}


TRUTH_ALL = {"F2": True, "F3": True, "F4": True, "P2": True}


@pytest.mark.parametrize("truth, minimizers, expected", [
    # (a): an (F2) minimizer with the same law and no affine relation contradicts 3.2(a).
    (TRUTH_ALL, [_minimizer(None)], {"a": False}),
    # ... unless its decoder is not (F2) (outside the theorem's class).
    (TRUTH_ALL, [_minimizer(None, F2=False, F4=False)], {"a": True, "b": True, "c": True}),
    # ... or its law differs (it is then no counterexample to identifiability).
    (TRUTH_ALL, [_minimizer(None, same=False)], {"a": True}),
    # (b): an affine-only image whose prior is (P2) contradicts 3.2(b); one violating (P2) not.
    (TRUTH_ALL, [_minimizer("affine")], {"a": True, "b": False}),
    (TRUTH_ALL, [_minimizer("affine", P2=False)], {"a": True, "b": True}),
    # (c): same law, (F4) decoder, not equivalent as a model.
    (TRUTH_ALL, [_minimizer("identity", equivalent=False)], {"c": False}),
    (TRUTH_ALL, [_minimizer("permutation_scaling_translation")], {"a": True, "b": True,
                                                                  "c": True}),
    # Without (F2) nothing is predicted; without (P2) (b) is not checked.
    ({"F2": False, "F3": False, "F4": False, "P2": True}, [_minimizer(None)],
     {"a": None, "b": None, "c": None}),
    ({"F2": True, "F3": True, "F4": False, "P2": False}, [_minimizer("affine")],
     {"a": True, "b": None, "c": None}),
])
def test_table1_predictions(truth, minimizers, expected):
    out = hierarchy.table1_checks(truth, minimizers)
    for key, value in expected.items():
        assert out[key] is value


def test_random_truths_are_seeded_and_in_the_family():
    a, b = draw_case(3), draw_case(3)
    assert a.truth == b.truth and a.axes == b.axes
    assert a.truth.latent_dim == a.truth.observed_dim == 2
    assert 2 <= a.truth.prior.n_components <= 3
    assert a.truth.net.weights[0].shape[0] in (2, 3)
    assert [name for name, _ in a.axes][-2:] == ["scale1", "rotate"]
    assert hierarchy.grid_size(a) == 3**3 * 4


@pytest.fixture(scope="module")
def constructed():
    return {case.name: hierarchy.hierarchy_record(case, progress=False)
            for case in constructed_cases(quick=True)}


def test_rotated_p2_prior_shows_each_level(constructed):
    record = constructed["rotated-P2"]
    assert record["truth_class"]["F4"] and record["truth_class"]["P2"]
    levels = {m["prior_level"] for m in record["minimizers"]}
    # rotate 0 (identity, and PST with scale2 = 2), 90 degrees (PST), 45 degrees (affine only,
    # and its prior is not (P2): Theorem 3.2(b) excludes it).
    assert levels == {"identity", "permutation_scaling_translation", "affine"}
    assert all(m["same_law"] and m["model_equivalent"] for m in record["minimizers"])
    assert all(not m["P2"] for m in record["minimizers"] if m["prior_level"] == "affine")
    assert len(record["minimizers"]) == 2 * 3  # scale2 x rotate at the true mu1[0]
    assert record["gap"] > 1e3 * hierarchy.DEFAULT_TOL
    assert hierarchy.verdict(record) == "consistent"


def test_fold_shows_a_nonequivalent_minimizer_with_the_same_law(constructed):
    record = constructed["fold"]
    assert record["truth_class"]["F2"] is False
    assert all(v is None for v in record["table1"].values())
    # All four mirror images have the truth's law; mirroring one component is no affine image.
    assert len(record["minimizers"]) == 4
    assert all(m["same_law"] for m in record["minimizers"])
    assert any(m["prior_level"] is None and not m["model_equivalent"]
               for m in record["minimizers"])
    assert record["expectation_met"] is True


def test_table_prints_every_record(constructed):
    table = hierarchy.format_table(list(constructed.values()))
    assert "rotated-P2" in table and "fold" in table and "CONTRADICTION" not in table
    assert "nothing (not F2)" in table


def test_a_grid_without_valid_points_is_refused():
    case = constructed_cases(quick=True)[1]
    bad = type(case)("bad", case.truth, (("var1[0]", (-1.0, -2.0)),), "no valid point")
    with pytest.raises(ValueError, match="no point of the grid of 'bad' is a valid model"):
        hierarchy.hierarchy_record(bad, progress=False)
