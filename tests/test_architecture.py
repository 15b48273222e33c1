"""The shape of the code, checked: module and function sizes, private names, import cycles,
and what importing the package costs.  (The layers themselves are import-linter's contracts in
pyproject.toml, run by CI.)"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("exactid", "vade_check")
#: "No module over about 600 lines and no function over about 80 lines" (numba kernels aside).
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield name.removesuffix(".__init__"), path


MODULES = dict(_modules())


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute name of the module a ``from ... import`` statement reads from."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str):
    """(imported module, imported name or None, line) of every import statement."""
    tree = ast.parse(MODULES[module].read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node)
            for alias in node.names:
                yield source, alias.name, node.lineno


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_size(module):
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{module}: {lines} lines"


def _is_kernel(node) -> bool:
    return any("njit" in ast.unparse(d) for d in node.decorator_list)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_function_size(module):
    tree = ast.parse(MODULES[module].read_text())
    long = [(node.name, node.end_lineno - node.lineno + 1) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and not _is_kernel(node) and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, f"{module}: {long}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_names_across_modules(module):
    """A module imports another module's public names only; private (underscore) modules, the
    numba kernels of the search, are imported only from within their own subpackage."""
    bad = []
    for source, name, line in _imports(module):
        if not source.startswith(PACKAGES):
            continue
        as_module = f"{source}.{name}" if name is not None else None
        target = as_module if as_module in MODULES else source
        parts = target.split(".")
        for i, part in enumerate(parts):
            if part.startswith("_") and part not in ("__init__", "_version"):
                owner = ".".join(parts[:i])
                if module != owner and not module.startswith(owner + "."):
                    bad.append((line, target))
        if target == source and name is not None and name.startswith("_") \
                and not name.startswith("__"):
            bad.append((line, f"{source}.{name}"))
    assert not bad, f"{module} imports private names: {bad}"


def test_no_import_cycles():
    """The graph of imports between the project's modules (module-level and inside
    functions alike) has no cycle."""
    graph = {m: set() for m in MODULES}
    for module in MODULES:
        for source, name, _ in _imports(module):
            for target in (f"{source}.{name}" if name else None, source):
                if target in MODULES and target != module:
                    # A package's __init__ re-exports: importing ``pkg.mod`` runs ``pkg``.
                    graph[module].add(target)
                    break
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in graph:
        if v not in index:
            visit(v)
    # A package importing its own submodules (re-exports) and the submodules importing
    # siblings through the package are one-way in practice; only cycles among modules count.
    cycles = [c for c in cycles if not all(_is_package(m) or any(
        m.startswith(p + ".") for p in c if _is_package(p)) for m in c)]
    assert not cycles, cycles


#: The modules made of numba kernels, which import numba when they are imported.
NUMBA_MODULES = {"exactid.density.kernels", "exactid.density.special",
                 "exactid.density.bivariate", "exactid.density.cell_kernels",
                 "exactid.density.polygon_mass", "exactid.density.polygon_quadrature",
                 "exactid.density.polygon_geometry", "exactid.density.polygon_slices",
                 "exactid.search._kernels", "exactid.search._vecmath", "exactid.search._pieces",
                 "exactid.search._pruned"}


def test_importing_every_module_stays_light():
    """Importing the whole library (the numba modules and vade_check's torch modules aside)
    loads neither numba, nor torch, matplotlib, sympy or dask: those load when a function
    needs them, so ``exactid --version`` and ``import vade_check`` stay fast."""
    names = [m for m in MODULES if m not in NUMBA_MODULES and not m.endswith("__main__")
             and m not in ("vade_check.training", "vade_check.model")]
    code = ("import importlib, sys\n"
            f"for name in {names!r}:\n"
            "    importlib.import_module(name)\n"
            "print(sorted(m for m in ('numba', 'torch', 'matplotlib', 'sympy', 'dask') "
            "if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip() == "[]", out


def test_command_line_starts_light():
    """``exactid --version`` and ``--help`` build the parser only: no scipy, numba, torch,
    matplotlib, sympy or dask (each command imports what it needs when it runs).
    ``vade-check --help`` loads vade_check's metrics (scipy) but not torch."""
    heavy = ("numba", "torch", "matplotlib", "sympy", "dask")
    for cli, extra in (("exactid.cli", ("scipy",)), ("vade_check.cli", ())):
        code = (f"import sys, {cli}; {cli}.build_parser(); "
                f"print(sorted(m for m in {heavy + extra!r} if m in sys.modules))")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=ROOT).stdout
        assert out.strip() == "[]", (cli, out)


def _import_block_start(lines: list[str], lineno: int) -> int:
    """The first line of the run of import lines (or ``try:``) that ends at ``lineno``."""
    i = lineno - 1
    while i > 0 and lines[i - 1].strip().startswith(("import ", "from ", "try:")):
        i -= 1
    return i


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_inside_functions_say_why(module):
    """An import inside a function exists to keep start-up fast (torch, matplotlib, sympy,
    scipy, numba kernels) and a comment on it, or just above its block, says so."""
    lines = MODULES[module].read_text().splitlines()
    tree = ast.parse("\n".join(lines))
    silent = []
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(func):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                start = _import_block_start(lines, node.lineno)
                block = lines[start - 1:node.end_lineno]
                if not any("#" in line for line in block):
                    silent.append((node.lineno, lines[node.lineno - 1].strip()))
    assert not silent, f"{module}: imports inside functions without a reason: {silent}"


def test_architecture_md_names_exist():
    """Every module, function and script that ARCHITECTURE.md names exists."""
    import importlib
    import re
    import warnings

    text = (ROOT / "ARCHITECTURE.md").read_text()
    missing = []
    for dotted in sorted(set(re.findall(r"`((?:exactid|vade_check)(?:\.\w+)+)", text))):
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):  # the longest importable prefix, then attributes
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)  # the moved aliases
                    obj = importlib.import_module(".".join(parts[:cut]))
                break
            except ModuleNotFoundError:
                continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
        if obj is None:
            missing.append(dotted)
    for script in re.findall(r"`(scripts/\w+\.py)`", text):
        if not (ROOT / script).is_file():
            missing.append(script)
    assert not missing, missing
