"""The assertion on (F2) weak, (F3) observable and (F4) injectivity of a network (paper 003,
Definition 3.1): :func:`assert_injectivity`.

A network ``R -> R`` is decided exactly (:func:`exactid.injectivity_1d`, rational pieces); any
other (``m <= 3``, ``m <= n``) by linear programs on its exact linear regions
(:func:`exactid.check_injectivity`), whose verdicts may be undecided (None) at a tolerance --
the assertion then fails and says so rather than guess.
"""

from __future__ import annotations

from ..identifiability import check_injectivity, format_report, injectivity_1d
from ..models import ReluNet
from ..validation import check_instance
from .common import CheckResult, fail

__all__ = ["assert_injectivity", "CHECK_OPTIONS"]

#: Keyword arguments passed on to :func:`exactid.check_injectivity`.
CHECK_OPTIONS = ("box", "tol", "max_cells", "time_limit", "progress")
_TITLES = {"F2": "weakly injective", "F3": "observably injective", "F4": "injective"}


def _expected(F2, F3, F4) -> dict:
    wanted = {}
    for key, value in (("F2", F2), ("F3", F3), ("F4", F4)):
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"{key}: expected True, False or None (not checked), found "
                             f"{value!r}")
        if value is not None:
            wanted[key] = value
    if not wanted:
        raise ValueError("F2, F3, F4: expected at least one of them to be True or False, found "
                         "all None (nothing to check)")
    return wanted


def _decide(net: ReluNet, check_kwargs: dict):
    if net.input_dim == 1 and net.output_dim == 1:
        if check_kwargs:
            raise ValueError(
                f"check_kwargs: a network R -> R is decided exactly by injectivity_1d, which "
                f"takes no options, found {sorted(check_kwargs)}")
        return injectivity_1d(net)
    unknown = sorted(set(check_kwargs) - set(CHECK_OPTIONS))
    if unknown:
        raise ValueError(f"check_kwargs: expected options of check_injectivity "
                         f"({', '.join(CHECK_OPTIONS)}), found {unknown}")
    # No progress bars by default: the assertion runs inside tests.
    return check_injectivity(net, **{"progress": False, **check_kwargs})


def assert_injectivity(net, *, F2: bool | None = None, F3: bool | None = None,
                       F4: bool | None = None, **check_kwargs) -> CheckResult:
    """Assert the (F2), (F3) and (F4) verdicts of a network.

    Parameters
    ----------
    net : ReluNet
        ``f: R^m -> R^n``; ``R -> R`` is decided exactly by :func:`exactid.injectivity_1d`,
        anything else (``m <= n``, ``m <= 3``) by :func:`exactid.check_injectivity`.
    F2, F3, F4 : bool or None
        The expected verdict of weak injectivity (F2), observable injectivity (F3) and
        injectivity (F4); None: not checked.  At least one must be given.
    **check_kwargs
        Options of :func:`exactid.check_injectivity` (``box``, ``tol``, ``max_cells``,
        ``time_limit``, ``progress``; ``progress`` defaults to False here).  Not accepted for
        a network ``R -> R``, whose exact decision takes none.

    Returns
    -------
    CheckResult
        ``report``: the :class:`~exactid.InjectivityReport`, with the witnesses.

    Raises
    ------
    AssertionError
        If a verdict differs from the expected one or is undecided (None); the message names
        each such condition and includes the full report
        (:func:`exactid.identifiability.format_report`) with its witnesses.
    ValueError
        On a bad argument (``net`` not a ReluNet, a verdict not True/False/None, none given,
        an unknown option, options for a network ``R -> R``, or ``m > n``).
    NotImplementedError
        If ``m > 3`` (and the network is not ``R -> R``).

    Examples
    --------
    >>> from exactid.counterexamples import relu_net
    >>> assert_injectivity(relu_net(), F2=True, F3=True, F4=False).method
    'exact (injectivity_1d)'
    """
    check_instance(net, "net", ReluNet)
    wanted = _expected(F2, F3, F4)
    report = _decide(net, check_kwargs)
    method = ("exact (injectivity_1d)" if net.input_dim == net.output_dim == 1
              else f"check_injectivity ({report.method})")
    found = report.verdicts()
    wrong, undecided = [], []
    for key, expect in wanted.items():
        verdict = getattr(report, key)
        if verdict.holds is None:
            undecided.append(f"({key}) {_TITLES[key]}: expected {expect}, undecided (the "
                             f"decision sits at a tolerance): {verdict.reason}")
        elif verdict.holds != expect:
            wrong.append(f"({key}) {_TITLES[key]}: expected {expect}, found {verdict.holds}: "
                         f"{verdict.reason}")
    if wrong or undecided:
        state = " and ".join(part for part, items in (("wrong verdict", wrong),
                                                       ("undecided", undecided)) if items)
        fail(f"assert_injectivity: {state} ({method})",
             wrong + undecided + ["report:"] + format_report(report).splitlines())
    text = ", ".join(f"({k}) {found[k]}" for k in wanted)
    return CheckResult(method, f"{text} as expected ({method})", report)
