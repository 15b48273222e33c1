"""Named families for the J.3.1 study (``exactid simulate --family NAME``).

What to use when:

* ``j31`` -- the paper's setting (J.3.1): two hidden units, alpha, beta, pi in
  {-1, -0.5, 0, 0.5, 1}; 29.3 million grid points for J = 3, a few seconds per model;
* ``h3`` -- three hidden units on the same grids: 3.7e9 grid points for J = 3 (4.3e10 for
  J = 4), about 10-20 s per model on 2 cores;
* ``h4`` -- four hidden units, alpha in 5 values, beta and pi in {-1, 0, 1}: 7.7e9 points;
* ``fine`` -- two hidden units, alpha, beta, pi in steps of 0.25 on [-1, 1] (9 values each):
  1.0e9 points;
* ``leaky`` -- the ``j31`` grids with leaky ReLU of slope 1/4.

The prior grids are the J.3.1 ones for every preset (weights in steps of 1/4, means in
{-2, -1, 0, 1, 2}, variance 0.25, noise 0.25); J comes from the study (``--J``).  Every preset
but ``j31`` merges decoders that compute the same function (``symmetry="functions"``,
:mod:`exactid.search.functions`), which the bigger decoder grids need; ``j31`` keeps the unit
symmetries, so its records stay those of the paper-scale study.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["FAMILIES", "family_kwargs"]

_QUARTERS = tuple(i / 4 for i in range(-4, 5))

#: ``{name: Family keyword arguments}`` (without ``n_components``, which the study sets).
FAMILIES = MappingProxyType({
    "j31": MappingProxyType({}),
    "h3": MappingProxyType({"n_hidden": 3, "symmetry": "functions"}),
    "h4": MappingProxyType({"n_hidden": 4, "betas": (-1.0, 0.0, 1.0),
                            "biases": (-1.0, 0.0, 1.0), "symmetry": "functions"}),
    "fine": MappingProxyType({"alphas": _QUARTERS, "betas": _QUARTERS, "biases": _QUARTERS,
                              "symmetry": "functions"}),
    "leaky": MappingProxyType({"negative_slope": 0.25, "symmetry": "functions"}),
})


def family_kwargs(name: str) -> dict:
    """The :class:`~exactid.search.Family` arguments of the preset ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not a preset (the message lists them).
    """
    if name not in FAMILIES:
        raise ValueError(f"family: expected one of {', '.join(FAMILIES)}, found {name!r}")
    return dict(FAMILIES[name])
