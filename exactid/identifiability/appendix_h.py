"""The sufficient conditions of paper 003, Appendix H, and the directed spanning set test.

Corollary H.2 (ReLU: non-decreasing widths and an m-dimensional image imply (F3)) and
Corollary H.4 (leaky ReLU: non-decreasing widths and full-column-rank layers imply (F4)) need
no region enumeration; the directed-spanning-set criterion of Puthawala et al. (2022) is
checked on the cells.  The report states when the printed hypotheses hold but the conclusion
fails (Corollary H.2 needs full column rank too).
"""

from __future__ import annotations

import numpy as np

from ..models import ReluNet

__all__ = ["layer_conditions", "appendix_h"]


# -- Appendix H -----------------------------------------------------------------------------------
def layer_conditions(net: ReluNet) -> tuple[list, bool, bool]:
    """Widths ``[m, n_1, ..., n]``, whether they never decrease, and whether every layer
    matrix has full column rank: the hypotheses of Corollaries H.2 and H.4 that need no
    region enumeration."""
    widths = [net.input_dim] + [w.shape[0] for w in net.weights]
    nondecreasing = all(a <= b for a, b in zip(widths[:-1], widths[1:]))
    full_column_rank = all(np.linalg.matrix_rank(w) == w.shape[1] for w in net.weights)
    return widths, nondecreasing, bool(full_column_rank)



def appendix_h(net, info, m, max_rank, f3, f4) -> dict:
    widths, nondecreasing, full_column_rank = layer_conditions(net)
    slope = net.negative_slope
    out = {"widths": widths, "widths_nondecreasing": nondecreasing}
    if slope == 0.0:
        holds = bool(nondecreasing and max_rank == m)
        entry = {"statement": "ReLU, m = n0 <= n1 <= ... <= nt = n and dim f(R^m) = m => (F3)",
                 "conditions_hold": holds}
        if holds and f3.holds is False:
            entry["note"] = ("the conditions hold as printed but f is not (F3): the proof of "
                             "Lemma H.1 also needs every h_i to have full column rank")
        entry["every_layer_full_column_rank"] = bool(full_column_rank)
        out["Corollary H.2"] = entry
    else:
        holds = bool(nondecreasing and full_column_rank and slope != 1.0)
        entry = {"statement": "leaky ReLU, m = n0 <= ... <= nt = n, every h_i of full column "
                              "rank => (F4)", "conditions_hold": holds}
        if holds and f4.holds is False:
            entry["note"] = "the conditions hold but f is not (F4)"
        out["Corollary H.4"] = entry
    # Puthawala et al. (2022): x -> ReLU(W x + b) is injective iff for every x the rows with
    # <w_i, x> + b_i >= 0 span R^m; composing with a full-column-rank output layer keeps it.
    if net.n_layers == 2 and slope == 0.0 and (
            np.linalg.matrix_rank(net.weights[1]) == net.weights[1].shape[1]):
        W = net.weights[0]
        failing = None
        for k, (*_, cell) in enumerate(info):
            active = np.array(cell.pattern[0], dtype=bool)
            if np.linalg.matrix_rank(W[active]) < m if active.any() else True:
                failing = k
                break
        out["directed spanning set"] = {
            "applies": True, "holds": failing is None,
            "statement": "ReLU(W z + b) is injective iff the active rows span R^m everywhere "
                         "(Puthawala et al. 2022)",
            **({} if failing is None else {"failing_cell": failing})}
    else:
        out["directed spanning set"] = {"applies": False}
    return out
