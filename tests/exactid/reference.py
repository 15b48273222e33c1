"""The mpmath references live in the library (exactid.reference); re-exported for the tests."""

from exactid.reference import (  # noqa: F401
    DPS,
    exact_pieces,
    mp_log_pdf_closed_form,
    mp_log_pdf_quadrature,
    mp_net,
)
