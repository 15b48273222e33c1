"""vade_check: VaDE training on simulated data and the stability metrics of paper 003 (J.1).

``import vade_check`` is cheap (NumPy/SciPy only): the metrics and data generators are loaded
at once, while the torch-based trainer (:func:`train`, :class:`TrainConfig`) is imported on
first access.
"""

import importlib

from exactid import __version__
from exactid.divergence.gmm_l2 import l2_distance

from .alignment import dist_aff_l2
from .data import (
    DATASETS,
    Dataset,
    make_dataset,
    nonstationary,
    parallelograms,
    pinwheel,
)
from .metrics import mcc, strong_mcc, weak_mcc
from .study import StabilityResult, format_table, run_stability

_LAZY = {"train": "training", "TrainConfig": "training", "TrainResult": "training",
         "NonFiniteLossError": "training", "check_decoder": "decoder_check"}

__all__ = [
    "__version__",
    "strong_mcc",
    "weak_mcc",
    "mcc",
    "dist_aff_l2",
    "l2_distance",
    "Dataset",
    "DATASETS",
    "make_dataset",
    "pinwheel",
    "parallelograms",
    "nonstationary",
    "train",
    "TrainConfig",
    "TrainResult",
    "NonFiniteLossError",
    "run_stability",
    "StabilityResult",
    "format_table",
    "check_decoder",
]


def __getattr__(name):
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'vade_check' has no attribute {name!r}")
