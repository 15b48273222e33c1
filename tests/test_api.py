"""The public API is locked, and importing it stays cheap (no numba, no torch)."""

import subprocess
import sys

import exactid

PUBLIC = {
    "__version__",
    "GaussianMixture",
    "ReluNet",
    "LatentModel",
    "Pieces1D",
    "pieces_1d",
    "log_pdf",
    "pdf",
    "atoms",
    "log_pdf_numpy",
    "sample_nll",
    "cross_entropy",
    "kl_divergence",
    "ModelFileError",
    "load_model",
    "save_model",
    "load_net",
    "save_net",
    "Equivalence",
    "affine_maps",
    "affine_reparametrize",
    "models_equivalent",
    "same_distribution",
    "parameter_names",
    "get_parameter",
    "set_parameter",
    "Family",
    "FamilyPoint",
    "SearchResult",
    "grid_search",
    "Slice1D",
    "Slice2D",
    "nll_slice",
    "nll_slice_2d",
    "injectivity_1d",
    "check_injectivity",
    "InjectivityReport",
    "linear_regions",
    "load_net_any",
}


def test_public_api_is_locked():
    assert set(exactid.__all__) == PUBLIC
    for name in exactid.__all__:
        assert hasattr(exactid, name), name


def test_import_does_not_load_numba_or_torch():
    code = "import sys, exactid, exactid.cli; print('numba' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


VADE_PUBLIC = {
    "__version__", "strong_mcc", "weak_mcc", "mcc", "dist_aff_l2", "l2_distance", "Dataset",
    "DATASETS", "make_dataset", "pinwheel", "parallelograms", "nonstationary", "train",
    "TrainConfig", "TrainResult", "NonFiniteLossError", "run_stability", "StabilityResult",
    "format_table", "check_decoder",
}


def test_vade_check_public_api_is_locked_and_resolvable():
    import vade_check

    assert set(vade_check.__all__) == VADE_PUBLIC
    for name in vade_check.__all__:
        assert getattr(vade_check, name) is not None


def test_importing_vade_check_does_not_import_torch():
    code = ("import sys, vade_check; vade_check.strong_mcc; "
            "print('torch' in sys.modules, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]
