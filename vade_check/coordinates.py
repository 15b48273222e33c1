r"""The E.1 alignment: the MCC between two runs after mapping each run's latents to the
coordinates that Theorem E.1 of paper 003 recovers from that run's learned prior.

If a run's prior is an invertible affine image :math:`Y = AZ + b` of a (P2) prior (diagonal
covariances, a pair of components with distinct variance ratios),
:func:`exactid.recover_coordinates` finds :math:`A'` with :math:`A'^{-1}A = QD`: the map
:math:`z \mapsto A'^{-1}(z - c)` undoes A up to a permutation Q, a diagonal scaling D (signs
included) and a shift.  The strong MCC (:func:`vade_check.metrics.strong_mcc`: Hungarian
matching of coordinates, absolute correlations, out of sample) is invariant under exactly
those, so after this map it compares what Theorem E.1 says is identifiable.

This sits next to the two other alignments of the stability table: the *weak MCC* aligns the
latents by CCA (fitted on the samples), *dist_Aff,L2* aligns the priors by the paper's mean
matching.  The E.1 alignment uses only the priors, and only their covariances.  For priors
that are already diagonal (VaDE's learned prior, the GMMs fitted for the VAE) :math:`A'` is a
scaled permutation and the E.1 MCC equals the strong MCC up to rounding; it differs for
priors with full covariances.  A prior with no pair of distinct ratios, or that is not an
affine image of a (P2) prior, has no E.1 coordinates: the MCC is then NaN, with a note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from exactid import GaussianMixture, recover_coordinates
from exactid.validation import as_float_array, check_instance, check_number

from .metrics import strong_mcc

__all__ = ["E1MCC", "e1_coordinates", "e1_mcc", "E1_TOL"]

#: Tolerance passed to :func:`exactid.recover_coordinates` (its default): generalised
#: eigenvalues closer than this relatively count as equal.
E1_TOL = 1e-9


@dataclass(frozen=True)
class E1MCC:
    """Result of :func:`e1_mcc`.

    Attributes
    ----------
    value : float
        The strong MCC after the E.1 alignment, in [0, 1]; NaN when a prior has no E.1
        coordinates.
    note : str
        Why the value is NaN (the refusal of :func:`exactid.recover_coordinates`, naming the
        run), or ``""``.
    """

    value: float
    note: str = ""


def _check_tol(tol) -> float:
    return check_number(tol, "tol", "a number in (0, 1)", lambda v: 0.0 < v < 1.0)


def _check_pair(z, prior, name: str, prior_name: str) -> np.ndarray:
    check_instance(prior, prior_name, GaussianMixture, "an exactid.GaussianMixture")
    arr = as_float_array(z, name, 2)
    if arr.shape[1] != prior.dim:
        raise ValueError(f"{name}: expected an array of shape (N, {prior.dim}) (m = "
                         f"{prior.dim} from {prior_name}), found shape {arr.shape}")
    return arr


def e1_coordinates(z, prior: GaussianMixture, tol: float = E1_TOL) -> np.ndarray:
    r"""Latents mapped to the coordinates recovered from ``prior``: :math:`A'^{-1}(z - c)`.

    Parameters
    ----------
    z : array_like, shape (N, m)
        Latent codes of one run.
    prior : exactid.GaussianMixture
        That run's prior on :math:`\mathbb R^m`.
    tol : float
        See :func:`exactid.recover_coordinates`.

    Returns
    -------
    ndarray, shape (N, m)
        Coordinate t is the recovered coordinate t (ordered by variance ratio, centred at the
        mixture mean, unit variance under the prior).

    Raises
    ------
    ValueError
        On bad arguments, or when ``prior`` has no E.1 coordinates (the message of
        :func:`exactid.recover_coordinates`).
    """
    arr = _check_pair(z, prior, "z", "prior")
    rec = recover_coordinates(prior, tol=_check_tol(tol))
    return (arr - rec.centre) @ rec.inverse.T


def e1_mcc(z1, prior1: GaussianMixture, z2, prior2: GaussianMixture, *,
           method: str = "pearson", out_of_sample: bool = True, seed=0,
           tol: float = E1_TOL) -> E1MCC:
    r"""The MCC of two runs after the E.1 alignment of each.

    .. math::

        \mathrm{MCC}_{E.1} = \mathrm{strong\ MCC}\big(A_1'^{-1}(z_1 - c_1),\
        A_2'^{-1}(z_2 - c_2)\big),

    with :math:`A_r', c_r` from :func:`exactid.recover_coordinates` of ``prior_r``.

    Parameters
    ----------
    z1, z2 : array_like, shape (N, m1) and (N, m2)
        Latents of the same N points in two runs.
    prior1, prior2 : exactid.GaussianMixture
        The runs' priors, of dimensions m1 and m2.
    method, out_of_sample, seed
        As in :func:`vade_check.metrics.strong_mcc` (the same split for the same seed).
    tol : float
        See :func:`exactid.recover_coordinates`.

    Returns
    -------
    E1MCC
        NaN with a note when a prior has no E.1 coordinates; other bad input raises.
    """
    tol = _check_tol(tol)
    x = _check_pair(z1, prior1, "z1", "prior1")
    y = _check_pair(z2, prior2, "z2", "prior2")
    aligned, notes = [], []
    for arr, prior, name in ((x, prior1, "prior1"), (y, prior2, "prior2")):
        try:
            aligned.append(e1_coordinates(arr, prior, tol))
        except ValueError as exc:  # the arguments are checked: this is a refusal
            notes.append(f"{name}: {exc}")
    if notes:
        return E1MCC(math.nan, "; ".join(notes))
    return E1MCC(strong_mcc(aligned[0], aligned[1], method=method,
                            out_of_sample=out_of_sample, seed=seed))
