"""Synthetic clustered data sets with known latents: pinwheel, random parallelograms, TCL.

The data of the simulated experiments in paper 003 (Appendix J.3.2: the pinwheel of Johnson et
al. 2016 and three "random parallelograms" data sets, 5000 samples, m = 2) and the
time-contrastive (TCL) sources of papers 000 (Appendix A) and 002 (Section 5.1).  Each generator
returns a :class:`Dataset` holding the observations, the ground-truth latents and the cluster
labels, so that a learned latent space can be compared with the truth.

Design choices and trade-offs:

* Determinism over convenience: every generator takes ``seed`` (an int or a
  ``numpy.random.Generator``) and uses only ``numpy.random.default_rng``; no global state.  A
  Generator is advanced in place, so only an int seed is recorded in ``params``.
* The parallelogram geometry depends on ``variant`` alone, not on ``seed``: the three data sets
  #1-#3 of the paper are fixed objects, and ``seed`` only redraws samples from them.
* Ground truth is the Gaussian-mixture / uniform sample before any nonlinearity (for the
  pinwheel: before the twist), and parallelograms are kept apart so that labels are
  unambiguous.  The papers leave both open; see each generator's Notes.
* Cluster sizes are exact (as equal as possible, remainder to the first clusters) rather than
  multinomial: the label proportions are part of the ground truth, not noise.
* Rows are shuffled with one seeded permutation applied to ``x``, ``z`` and ``labels`` alike, so
  that a consumer taking a prefix of the rows still sees every cluster, and the three arrays stay
  aligned row by row.
* ``params`` holds plain floats, ints and lists only, so it can be written to JSON next to results.
"""

from __future__ import annotations

import inspect

from .common import Dataset
from .parallelograms import parallelograms
from .pinwheel import pinwheel
from .tcl import mixing_net, nonstationary

__all__ = [
    "Dataset",
    "pinwheel",
    "parallelograms",
    "nonstationary",
    "mixing_net",
    "make_dataset",
    "DATASETS",
]

#: Names accepted by :func:`make_dataset`.
DATASETS = ("pinwheel", "parallelograms1", "parallelograms2", "parallelograms3", "tcl")



def make_dataset(name: str, *, n_samples: int = 5000, seed=0, **kwargs) -> Dataset:
    """Build one of the named data sets of :data:`DATASETS`.

    Parameters
    ----------
    name : str
        ``"pinwheel"``, ``"parallelogramsK"`` (variant K, any K >= 1; the paper uses 1-3) or
        ``"tcl"``.
    n_samples : int
    seed : int or numpy.random.Generator
    **kwargs
        Further arguments of the generator (:func:`pinwheel`, :func:`parallelograms` without
        ``variant``, which the name fixes, or :func:`nonstationary`).

    Returns
    -------
    Dataset
    """
    prefix = "parallelograms"
    generator, fixed = None, {}
    if name == "pinwheel":
        generator = pinwheel
    elif name == "tcl":
        generator = nonstationary
    elif isinstance(name, str) and name.startswith(prefix):
        digits = name[len(prefix):]
        if digits.isascii() and digits.isdigit() and not digits.startswith("0"):
            generator, fixed = parallelograms, {"variant": int(digits)}
    if generator is None:
        raise ValueError(
            f"name: expected one of {', '.join(DATASETS)} (or parallelogramsK for any K >= 1), "
            f"found {name!r}"
        )
    accepted = set(inspect.signature(generator).parameters) - {"n_samples", "seed"} - set(fixed)
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise ValueError(
            f"kwargs: expected arguments of {generator.__name__}() among "
            f"{', '.join(sorted(accepted))}, found {', '.join(unknown)}"
        )
    return generator(n_samples=n_samples, seed=seed, **fixed, **kwargs)
