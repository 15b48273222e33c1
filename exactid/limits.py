"""Size, memory and work bounds, checked before combinatorial or large work starts.

Every bound below protects a user from a computation that would run out of memory or not end
(a hostile or mistyped input should fail in a second with a message, not after an hour).  They
are generous for the intended use; a computation that crosses one raises
:class:`exactid.errors.LimitExceeded` naming the bound, before the work starts wherever the
size is known in advance.  Bounds that a user may legitimately want to raise are arguments of
the functions that use them (``max_cells=`` and ``time_limit=`` of
:func:`exactid.linear_regions` and :func:`exactid.check_injectivity`, ``--max-regions`` and
``--time-limit`` of ``exactid check``); the others can be changed here, for a whole session,
at the caller's own risk.
"""

from __future__ import annotations

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_NET_FILE_BYTES",
    "MAX_DATA_BYTES",
    "MAX_NET_PARAMETERS",
    "MAX_EVALUATION_POINTS",
    "MAX_SLICE_EVALUATIONS",
    "MAX_PIECES",
    "MAX_CELLS",
    "MAX_FAMILY_CONFIGURATIONS",
    "MAX_FAMILY_DECODERS",
    "MAX_MINIMIZERS",
    "MAX_SEARCH_TOL",
    "MAX_QUADRATURE_CELLS",
]

#: Largest JSON model or net file read (bytes).  A model with 10^6 parameters is ~25 MB.
MAX_JSON_BYTES = 64 * 2**20
#: Largest ``.npz`` or torch net file read (bytes).
MAX_NET_FILE_BYTES = 512 * 2**20
#: Largest observation file read by ``exactid surface --data`` (bytes).
MAX_DATA_BYTES = 512 * 2**20
#: Most weights and biases in one network loaded from a file (10^7 float64 = 80 MB).
MAX_NET_PARAMETERS = 10**7
#: Most points in one density evaluation from the command line (``logpdf --grid``, data).
MAX_EVALUATION_POINTS = 10**7
#: Most population-NLL evaluations in one slice (each is an adaptive quadrature).
MAX_SLICE_EVALUATIONS = 10**5
#: Most linear pieces of a network with one-dimensional input.
MAX_PIECES = 10**6
#: Default bound on the linear cells enumerated for a network with m >= 2 inputs.
MAX_CELLS = 20_000
#: Most mixture configurations (weights and component atoms) enumerated for a search family.
MAX_FAMILY_CONFIGURATIONS = 10**7
#: Most decoders enumerated for a search family.
MAX_FAMILY_DECODERS = 10**6
#: Most grid points within the tolerance of the minimum that a search classifies.
MAX_MINIMIZERS = 10**5
#: Largest objective tolerance of a search (nats); a tolerance is a numerical allowance for
#: ties, not a modelling choice.
MAX_SEARCH_TOL = 1.0
#: Most cells of one adaptive quadrature over x.
MAX_QUADRATURE_CELLS = 200_000
