"""Old module paths that moved into subpackages keep working, with a DeprecationWarning.

Before the subpackage layout, the README documented module paths such as
``exactid.equivalence`` or ``exactid.regions_nd``. A researcher's script that imports one of
them still runs: :data:`MOVED` maps each old path to the modules that now hold its public
names, and :class:`MovedModuleFinder` (installed by ``import exactid``) builds the old module on
import from those homes and warns once. Nothing here is imported by the library itself.

Use the new paths (or the names re-exported by ``exactid``) in new code; these aliases will be
removed in a future release.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings

#: Old module path -> the modules whose public names it re-exports, in lookup order.
MOVED: dict[str, tuple[str, ...]] = {
    "exactid.equivalence": ("exactid.identifiability.symmetries",
                            "exactid.identifiability.equivalence",
                            "exactid.identifiability.laws"),
    "exactid.injectivity": ("exactid.identifiability.line", "exactid.identifiability.verdicts"),
    "exactid.injectivity_nd": ("exactid.identifiability.cells",
                               "exactid.identifiability.verdicts",
                               "exactid.identifiability.decisions",
                               "exactid.identifiability.appendix_h"),
    "exactid.regions_nd": ("exactid.regions.cells", "exactid.regions.polyhedra",
                           "exactid.regions.vertices", "exactid.regions.tolerances",
                           "exactid.regions.lp"),
    "exactid.simulate": ("exactid.search.study",),
    "exactid.surface": ("exactid.search.surface",),
}


def public_names(module) -> list[str]:
    """Names a module defines: those without a leading underscore that are not modules and not
    functions or classes imported from elsewhere (constants included, unlike ``__all__``)."""
    names = []
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        imported = (isinstance(value, (type, types.FunctionType))
                    and value.__module__ != module.__name__)
        if not imported:
            names.append(name)
    return names


class _AliasLoader(importlib.abc.Loader):
    """Fills an old module with the public names of its new homes (first home wins)."""

    def create_module(self, spec):
        return None  # the default module object

    def exec_module(self, module) -> None:
        homes = MOVED[module.__name__]
        warnings.warn(f"{module.__name__} moved to {', '.join(homes)}; import from there or "
                      f"from exactid (this alias will be removed)", DeprecationWarning,
                      stacklevel=2)
        exported: list[str] = []
        for home in homes:
            target = importlib.import_module(home)
            for name in public_names(target):
                if name not in exported:
                    setattr(module, name, getattr(target, name))
                    exported.append(name)
        module.__all__ = exported


class MovedModuleFinder(importlib.abc.MetaPathFinder):
    """Finds the old module paths of :data:`MOVED` and nothing else."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader())


def install() -> None:
    """Put one :class:`MovedModuleFinder` on ``sys.meta_path`` (idempotent)."""
    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())
