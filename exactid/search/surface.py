r"""Likelihood surfaces: the negative log-likelihood along 1-D and 2-D slices through parameter
space (paper 003, Figure 1 and Appendix J.3.1).

A slice varies one or two named parameters (:mod:`exactid.parameters`) of a *base* model,
holding the rest fixed, and evaluates at every grid point either

* the **population** NLL, the cross-entropy :math:`H(p, q_\theta) = -\int p \log q_\theta`
  of the candidate :math:`q_\theta` under data from the truth p, by adaptive quadrature
  (:func:`exactid.divergence.cross_entropy`, with its error bound), or
* the **sample** NLL :math:`-\frac1N \sum_i \log q_\theta(x_i)` of given observations.

By Gibbs' inequality :math:`H(p, q) \ge H(p, p)`, so on a population slice through the truth
the truth is a global minimizer of the slice, up to the reported quadrature errors.  The cost
is one quadrature per grid point (a few milliseconds for small nets); candidates are built
and validated for the whole grid before any quadrature starts, so a bad grid fails at once.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..density import check_supported
from ..divergence import cross_entropy, sample_nll
from ..errors import NumericalError
from ..models import LatentModel
from ..parameters import canonical_name, get_parameter, set_parameters
from ..progress import progress_bar
from ..validation import as_float_array, check_instance

__all__ = ["Slice1D", "Slice2D", "nll_slice", "nll_slice_2d", "default_range"]

#: Default number of grid points of :func:`default_range`.
DEFAULT_POINTS = 101


class Slice1D(NamedTuple):
    """The NLL along one parameter.

    Attributes
    ----------
    name : str
        The parameter, spelled as in :func:`exactid.parameters.parameter_names`.
    values : ndarray, shape (N,)
        Grid of parameter values.
    objective : ndarray, shape (N,)
        NLL at each value.
    error : ndarray, shape (N,)
        Quadrature error bound of each objective value (zeros for a sample NLL).
    truth_value : float
        The parameter's value in the truth (NaN if the truth has no such parameter).
    kind : str
        ``"population"`` (cross-entropy) or ``"sample"`` (mean NLL of data).
    """

    name: str
    values: np.ndarray
    objective: np.ndarray
    error: np.ndarray
    truth_value: float
    kind: str

    @property
    def argmin_value(self) -> float:
        """The grid value with the smallest objective (the first one on ties)."""
        return float(self.values[int(np.argmin(self.objective))])


class Slice2D(NamedTuple):
    """The NLL on a grid of two parameters.

    Attributes
    ----------
    name_x, name_y : str
        The parameters, spelled as in :func:`exactid.parameters.parameter_names`.
    values_x : ndarray, shape (Nx,)
    values_y : ndarray, shape (Ny,)
    objective : ndarray, shape (Ny, Nx)
        ``objective[i, k]`` is the NLL at ``(values_x[k], values_y[i])``.
    error : ndarray, shape (Ny, Nx)
        Quadrature error bounds (zeros for a sample NLL).
    truth_value_x, truth_value_y : float
        The parameters' values in the truth (NaN if the truth has no such parameter).
    kind : str
        ``"population"`` or ``"sample"``.
    """

    name_x: str
    name_y: str
    values_x: np.ndarray
    values_y: np.ndarray
    objective: np.ndarray
    error: np.ndarray
    truth_value_x: float
    truth_value_y: float
    kind: str

    @property
    def argmin_values(self) -> tuple[float, float]:
        """``(x, y)`` of the grid point with the smallest objective (first in row-major order
        on ties)."""
        i, k = np.unravel_index(int(np.argmin(self.objective)), self.objective.shape)
        return float(self.values_x[k]), float(self.values_y[i])


def _check_models(truth, base) -> LatentModel:
    check_instance(truth, "truth", LatentModel)
    if base is None:
        return truth
    return check_instance(base, "base", LatentModel, "a LatentModel or None")


def _grid(values, name: str) -> np.ndarray:
    grid = as_float_array(values, name, 1)
    if grid.size == 0:
        raise ValueError(f"{name}: expected at least one parameter value, found none")
    return grid


def _truth_value(truth: LatentModel, name: str) -> float:
    """The parameter's value in the truth, NaN if the truth has no such parameter (a base of
    another architecture, e.g. a misspecified number of components)."""
    try:
        return get_parameter(truth, name)
    except ValueError:
        return float("nan")


def _evaluator(truth: LatentModel, data, tol: float):
    """(kind, function candidate -> (objective, error))."""
    if data is None:
        if truth.noise_std <= 0:
            raise ValueError(
                "truth: the population NLL needs noise_std > 0, found noise_std = "
                f"{truth.noise_std!r} (the law of x may have atoms); pass data for a sample NLL"
            )
        if not (isinstance(tol, (int, float, np.floating)) and tol > 0 and np.isfinite(tol)):
            raise ValueError(f"tol: expected a finite number > 0, found {tol!r}")

        def population(candidate):
            res = cross_entropy(truth, candidate, tol)
            return res.value, res.error

        return "population", population
    x = as_float_array(data, "data", (1, 2))
    if x.ndim == 2 and x.shape[1] != 1:
        raise ValueError(f"data: expected shape (N,) or (N, 1), found {x.shape}")
    x = x.reshape(-1)
    if x.size == 0:
        raise ValueError("data: expected at least one observation, found none")

    def sample(candidate):
        return sample_nll(candidate, x), 0.0

    return "sample", sample


def _candidates(base: LatentModel, names: list[str], points: list[tuple], labels: list[str]):
    """Build (and so validate) every candidate before any expensive evaluation."""

    out = []
    for point, label in zip(points, labels):
        try:
            candidate = set_parameters(base, dict(zip(names, point)))
            # The engine's supported range, before any quadrature (a value such as a weight
            # of 1e200 is refused here, not turned into NaN later).
            candidate.derived("density_range", check_supported)
        except ValueError as exc:
            raise type(exc)(f"{label}: invalid parameter value ({exc})") from None
        out.append(candidate)
    return out


def _population_noise_check(kind: str, candidates, labels) -> None:
    if kind != "population":
        return
    for cand, label in zip(candidates, labels):
        if cand.noise_std <= 0:
            raise ValueError(
                f"{label}: the population NLL needs noise_std > 0 in every candidate, found "
                f"noise_std = {cand.noise_std!r}"
            )


def _evaluate(evaluate, candidates: list, progress) -> tuple[np.ndarray, np.ndarray]:
    total = len(candidates)
    objective = np.empty(total)
    error = np.empty(total)
    # A callable (done, total) is still accepted; otherwise the progress convention of
    # exactid.progress (None: a bar only on a terminal).
    callback = progress if callable(progress) else None
    bar = progress_bar(total, "NLL slice", None if callback else progress, unit="model")
    try:
        for i in range(total):
            objective[i], error[i] = evaluate(candidates[i])
            if not (np.isfinite(objective[i]) and np.isfinite(error[i])):
                raise NumericalError(f"slice point {i}: non-finite NLL {objective[i]!r} (error "
                                     f"{error[i]!r}); no minimum is reported over it")
            candidates[i] = None  # release the candidate's cached pieces
            bar.update(1)
            if callback is not None:
                callback(i + 1, total)
    finally:
        bar.close()
    return objective, error


def nll_slice(truth: LatentModel, name: str, values, *, base: LatentModel | None = None,
              data=None, tol: float = 1e-10,
              progress=None) -> Slice1D:
    r"""The NLL along one parameter.

    Parameters
    ----------
    truth : LatentModel
        The model generating the data (m = n = 1; ``noise_std > 0`` for the population NLL).
    name : str
        The parameter to vary (see :func:`exactid.parameters.parameter_names`).
    values : array_like, shape (N,)
        Values of the parameter, N >= 1.
    base : LatentModel, optional
        The model the slice goes through (the other parameters are those of ``base``);
        default ``truth``.
    data : array_like, shape (M,) or (M, 1), optional
        Observations.  If given the objective is the sample NLL
        :math:`-\frac1M \sum_i \log q(x_i)`; otherwise the population NLL
        :math:`H(p, q) = -\int p \log q` with p the truth.
    tol : float
        Absolute quadrature tolerance of each population NLL.
    progress : bool, None or callable
        A progress bar on stderr (None: only on a terminal; see :mod:`exactid.progress`); a
        callable is called as ``progress(done, total)`` after each evaluation instead.

    Returns
    -------
    Slice1D
        ``objective[i]`` is the NLL of ``set_parameter(base, name, values[i])``.

    Raises
    ------
    ValueError
        If ``name`` is no parameter of ``base`` (the message lists the valid names), a value
        is invalid for the parameter (the message names it, e.g. ``values[3] = -1.0`` for a
        variance), or the population NLL is asked for with ``noise_std = 0``.
    NotImplementedError
        If the models are not one-dimensional (m = n = 1).

    Examples
    --------
    >>> from exactid import GaussianMixture, LatentModel, ReluNet
    >>> net = ReluNet([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> truth = LatentModel(GaussianMixture([0.5, 0.5], [-1.0, 2.0], [1.0, 0.5]), net, 0.3)
    >>> s = nll_slice(truth, "mu2", [1.5, 2.0, 2.5])
    >>> s.argmin_value == s.truth_value == 2.0
    True
    """
    base = _check_models(truth, base)
    name = canonical_name(base, name)
    grid = _grid(values, "values")
    kind, evaluate = _evaluator(truth, data, tol)
    labels = [f"values[{i}] = {v!r}" for i, v in enumerate(grid.tolist())]
    candidates = _candidates(base, [name], [(v,) for v in grid.tolist()], labels)
    _population_noise_check(kind, candidates, labels)
    objective, error = _evaluate(evaluate, candidates, progress)
    return Slice1D(name, grid, objective, error, _truth_value(truth, name), kind)


def nll_slice_2d(truth: LatentModel, name_x: str, values_x, name_y: str, values_y, *,
                 base: LatentModel | None = None, data=None, tol: float = 1e-10,
                 progress=None) -> Slice2D:
    """The NLL on the grid ``values_x`` x ``values_y`` of two parameters.

    Parameters
    ----------
    truth, base, data, tol, progress
        As in :func:`nll_slice`.
    name_x, name_y : str
        Two different parameters.  If both are mixture weights, both are set and the other
        weights rescaled (see :func:`exactid.parameters.set_parameters`).
    values_x : array_like, shape (Nx,)
    values_y : array_like, shape (Ny,)

    Returns
    -------
    Slice2D
        ``objective[i, k]`` is the NLL at ``name_x = values_x[k]``, ``name_y = values_y[i]``
        (rows follow y, as for :func:`matplotlib.pyplot.pcolormesh`).

    Raises
    ------
    ValueError
        As :func:`nll_slice`; also if the two names denote the same parameter.  An invalid
        grid point is named, e.g. ``(values_x[2], values_y[0]) = (0.7, 0.5)`` when two
        weights would sum to more than 1.
    """
    base = _check_models(truth, base)
    name_x = canonical_name(base, name_x)
    name_y = canonical_name(base, name_y)
    if name_x == name_y:
        raise ValueError(f"name_y: expected a parameter other than name_x, found {name_y!r} twice")
    gx = _grid(values_x, "values_x")
    gy = _grid(values_y, "values_y")
    kind, evaluate = _evaluator(truth, data, tol)
    points, labels = [], []
    for i, y in enumerate(gy.tolist()):
        for k, x in enumerate(gx.tolist()):
            points.append((x, y))
            labels.append(f"(values_x[{k}], values_y[{i}]) = ({x!r}, {y!r})")
    candidates = _candidates(base, [name_x, name_y], points, labels)
    _population_noise_check(kind, candidates, labels)
    objective, error = _evaluate(evaluate, candidates, progress)
    shape = (gy.size, gx.size)
    return Slice2D(name_x, name_y, gx, gy, objective.reshape(shape), error.reshape(shape),
                   _truth_value(truth, name_x), _truth_value(truth, name_y), kind)


def default_range(model: LatentModel, name: str, n: int = DEFAULT_POINTS) -> np.ndarray:
    """A grid of ``n`` values around the current value v of a parameter.

    Parameters
    ----------
    model : LatentModel
    name : str
    n : int
        Number of points, >= 2.

    Returns
    -------
    ndarray, shape (n,)
        Equally spaced over ``[v - h, v + h]`` with ``h = max(1, |v|)``, except: ``lambda{j}``
        uses ``[0, 1]``; ``var{j}`` and ``sigma`` use ``[v / 4, v + h]`` (positive; for
        ``sigma = 0``, ``[h / 100, h]``; a population NLL needs ``sigma > 0`` and is steep
        towards 0).  The grid point nearest v is replaced by v, so the current value is on the
        grid exactly (``sigma = 0`` excepted).

    Raises
    ------
    ValueError
        If ``name`` is unknown, ``n`` is not an integer >= 2, or ``name`` is a weight that
        cannot change (J = 1, or all other weights zero).
    """
    name = canonical_name(model, name)
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n: expected an integer number of points >= 2, found {n!r}")
    v = get_parameter(model, name)
    h = max(1.0, abs(v))
    if name.startswith("lambda"):
        weights = model.prior.weights
        j = int(name[len("lambda"):]) - 1
        if weights.sum() - weights[j] == 0.0:
            raise ValueError(
                f"name: {name} cannot vary: the other mixture weights are all zero "
                f"(weights {weights.tolist()})"
            )
        lo, hi = 0.0, 1.0
    elif name.startswith("var") or name == "sigma":
        lo, hi = (v / 4, v + h) if v > 0 else (h / 100, h)
    else:
        lo, hi = v - h, v + h
    grid = np.linspace(lo, hi, int(n))
    if lo <= v <= hi:
        grid[int(np.argmin(np.abs(grid - v)))] = v
    return grid
