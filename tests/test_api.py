"""The public API is locked, and importing it stays cheap (no numba, no torch)."""

import importlib
import subprocess
import sys

import pytest

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
    "singular_part",
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
    "P2Report",
    "check_p2",
    "CoordinateRecovery",
    "recover_coordinates",
    "AffineMap",
    "prior_maps",
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


#: Module paths of the flat layout that the README documented, and the names each defined.
#: They moved into subpackages; importing them still works, with a DeprecationWarning.
MOVED_MODULES = {
    "exactid.equivalence": (
        "DistributionCheck", "Equivalence", "MAX_KL_TOL", "PushforwardComparison", "affine_maps",
        "affine_reparametrize", "decoders_match", "models_equivalent", "permute_components",
        "permute_hidden_units", "priors_equivalent", "rescale_hidden_unit", "same_distribution",
        "same_pushforward"
    ),
    "exactid.injectivity": (
        "Injectivity1D", "injectivity_1d"
    ),
    "exactid.injectivity_nd": (
        "DISTINCT", "ILL_CONDITIONED", "InjectivityReport", "MAX_PIECES", "RANK_RTOL", "Verdict",
        "WITNESS_BOX", "WITNESS_RTOL", "check_injectivity", "exact_rank", "format_report",
        "layer_conditions"
    ),
    "exactid.regions_nd": (
        "BOX_TOL_RATIO", "Cell", "DEFAULT_TOL", "DET_MIN", "LP_FEAS_TOL", "LP_REL_ACC", "MAP_RTOL",
        "MAX_INPUT_DIM", "MAX_OFFSET", "MAX_TOL", "MIN_TOL", "PARALLEL_TOL", "ROUND_RTOL", "Region",
        "Regions", "UNDECIDED_FACTOR", "VERTEX_RTOL", "ZERO_NORMAL_RTOL", "bounding_box",
        "cell_vertices", "check_box_and_tol", "evaluate_pattern", "linear_regions"
    ),
    "exactid.simulate": (
        "DEFAULT_MODELS", "FULL_MODELS", "HEADER_KEYS", "MAX_LISTED", "finite_sample_study",
        "resume_records", "run_study", "study_families", "study_payload", "study_record",
        "summarize"
    ),
    "exactid.surface": (
        "DEFAULT_POINTS", "Slice1D", "Slice2D", "default_range", "nll_slice", "nll_slice_2d"
    ),
}


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_moved_module_paths_still_import_with_a_warning(old):
    sys.modules.pop(old, None)  # a fresh import, so that it warns again
    with pytest.warns(DeprecationWarning, match=old.replace(".", r"\.") + " moved to"):
        module = importlib.import_module(old)
    missing = [name for name in MOVED_MODULES[old] if not hasattr(module, name)]
    assert not missing


def test_unknown_module_paths_are_not_aliased():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("exactid.no_such_module")


#: Names of vade_check.metrics that moved to exactid.divergence.gmm_l2 or vade_check.alignment.
MOVED_METRIC_NAMES = (
    "AffineL2Distance", "MAX_CONDITION", "MAX_GMM_SCALE", "MAX_PAPER_COMPONENTS",
    "N_ANCHORED_STARTS", "N_PAPER_STARTS", "NEGLIGIBLE", "PRECISE_DPS", "dist_aff_l2",
    "gmm_inner_product", "l2_distance", "pushforward",
)


@pytest.mark.parametrize("name", MOVED_METRIC_NAMES)
def test_moved_metric_names_still_resolve_with_a_warning(name):
    from vade_check import metrics

    home = importlib.import_module(metrics.MOVED_NAMES[name])
    with pytest.warns(DeprecationWarning, match=f"vade_check.metrics.{name} moved"):
        assert getattr(metrics, name) is getattr(home, name)



STRATEGIES_PUBLIC = {
    "gaussian_mixtures", "relu_nets", "injective_nets", "observably_but_not_injective_nets",
    "weakly_but_not_observably_injective_nets", "non_weakly_injective_nets", "latent_models",
    "affine_maps", "simple_fractions", "positive_fractions", "nonzero_fractions",
    "ACTIVATIONS", "LEAKY_SLOPES", "MAX_CONDITION",
}
TESTING_PUBLIC = {
    "CheckResult", "assert_same_law", "assert_different_law", "assert_equivalent",
    "assert_prior_equivalent", "assert_injectivity", "assert_unique_global_minimizer",
    "default_family", "settings_profile",
}


@pytest.mark.parametrize("module, public", [("exactid.strategies", STRATEGIES_PUBLIC),
                                            ("exactid.testing", TESTING_PUBLIC)])
def test_strategies_and_testing_apis_are_locked(module, public):
    mod = importlib.import_module(module)
    assert set(mod.__all__) == public
    for name in mod.__all__:
        assert getattr(mod, name) is not None, name


def test_exactid_and_its_assertions_do_not_import_hypothesis():
    code = ("import sys, exactid, exactid.testing; "
            "print('hypothesis' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]
