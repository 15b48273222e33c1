"""The paper's counterexamples, rebuilt as library objects and verified three ways.

What to use when: the constructions themselves (networks, priors, pairs of models whose laws
the paper says coincide) are :mod:`~exactid.counterexamples.constructions`; :func:`verify_all`
(:mod:`~exactid.counterexamples.verify`) checks each claim numerically with the engine
(:mod:`~exactid.counterexamples.numeric`), exactly, and symbolically with sympy
(:mod:`~exactid.counterexamples.symbolic`), and :func:`format_table` prints the table of
``exactid counterexamples``; :func:`verify_errata` (:mod:`~exactid.counterexamples.errata`)
verifies the claims printed in the paper that fail (Corollary H.2, Remarks D.1 and 3.5), each
on a counterexample, and :func:`format_errata` prints them after the table.
"""

from .constructions import (
    REMARK_36_VAR,
    Construction,
    absval_net,
    evaluate_formula,
    example_1_dead_relu,
    example_1_not_weakly_injective,
    example_1_relu,
    example_4,
    example_4_formula,
    example_5,
    layer_outputs,
    pwl_net,
    relu_net,
    remark_3_6,
    remark_3_7,
    zero_net,
)
from .errata import (
    Erratum,
    Evidence,
    corollary_h2_fold,
    format_errata,
    remark_d1_crossing,
    verify_corollary_h2,
    verify_errata,
    verify_remark_d1,
)
from .numeric import NOISE_STD, NUMERIC_TOL
from .verify import (
    Row,
    format_table,
    verify_all,
    verify_example_1_dead_relu,
    verify_example_1_not_weakly_injective,
    verify_example_1_relu,
    verify_example_4,
    verify_example_5,
    verify_remark_3_6,
    verify_remark_3_7,
)

__all__ = [
    "Construction",
    "Row",
    "NOISE_STD",
    "NUMERIC_TOL",
    "REMARK_36_VAR",
    "relu_net",
    "absval_net",
    "zero_net",
    "pwl_net",
    "layer_outputs",
    "example_4_formula",
    "evaluate_formula",
    "example_1_relu",
    "example_1_not_weakly_injective",
    "example_1_dead_relu",
    "remark_3_6",
    "remark_3_7",
    "example_4",
    "example_5",
    "verify_example_1_relu",
    "verify_example_1_not_weakly_injective",
    "verify_example_1_dead_relu",
    "verify_remark_3_6",
    "verify_remark_3_7",
    "verify_example_4",
    "verify_example_5",
    "verify_all",
    "format_table",
    "Erratum",
    "Evidence",
    "corollary_h2_fold",
    "remark_d1_crossing",
    "verify_corollary_h2",
    "verify_remark_d1",
    "verify_errata",
    "format_errata",
]
