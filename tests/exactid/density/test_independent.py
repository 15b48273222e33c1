"""The engine against a reference that computes its own pieces (tests/exactid/independent.py).

First the reference's pieces are validated against the library's exact pieces (two different
algorithms, exact rational arithmetic: they must agree exactly); then the density on random
models, at sample points and in the tails, meets the README's bound against that reference.
"""

from __future__ import annotations

from hypothesis import given, settings

from exactid import pieces_1d
from exactid.density import log_pdf
from tests.budget import examples

from ..float_models import models_1d, nets_1d
from ..independent import log_pdf_independent, sweep_pieces
from .test_exact import assert_log_density_close, test_points


@given(nets_1d())
@settings(max_examples=examples(40))
def test_sweep_pieces_agree_with_the_layerwise_exact_pieces(net):
    swept = sweep_pieces(net)
    exact = pieces_1d(net, exact=True)
    assert [hi for _, hi, _, _ in swept[:-1]] == list(exact.breakpoints)
    assert [A for _, _, A, _ in swept] == list(exact.slopes[:, 0])
    assert [B for _, _, _, B in swept] == list(exact.intercepts[:, 0])


@given(models_1d(min_noise=1e-4))
@settings(max_examples=examples(25))
def test_density_against_the_independent_reference(model):
    x = test_points(model)
    assert_log_density_close(log_pdf(model, x), log_pdf_independent(model, x))
