"""Figures 3 and 4 of paper 003 (Examples 4 and 5), computed with the library.

* ``example4_f_g.png``: f and g of equation (15) (black where they agree, red / blue where only
  f / g), as ReLU networks built by :func:`exactid.counterexamples.example_4`, and the exact
  densities of f(Y) and g(Y), Y ~ (N(-2,1) + N(2,1))/2, overlaid for sigma = 0 and 0.3.
* ``example5_lrelu.png``: the hidden layers s o h1 and h2 o s o h1 of the Example 5 leaky-ReLU
  network as curves in the plane, and the network against |x|/2.

Before drawing, the script re-checks what the figures show (the largest density difference of
f(Y) and g(Y) on the plotted grid, and the largest |f(x) - |x|/2| of Example 5) and prints the
numbers; exit code 1 if either exceeds 1e-12.

Usage: python scripts/figure_examples.py [--out-dir DIR]   (default: figures/)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from exactid import LatentModel, log_pdf
from exactid.counterexamples import NOISE_STD, NUMERIC_TOL, example_4, example_5, layer_outputs
from exactid.plotting import plot_example4, plot_example5

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE4 = "example4_f_g.png"
EXAMPLE5 = "example5_lrelu.png"


def figure_example4(path: Path) -> float:
    """Draw Figure 3 (plus the laws); return the largest density difference plotted."""
    c = example_4()
    f, g, Y = c.nets["f"], c.nets["g"], c.priors["Y"]
    z = np.linspace(-8.0, 8.0, 3201)
    fz, gz = f(z)[:, 0], g(z)[:, 0]
    shared = np.abs(fz - gz) <= 1e-12 * (1.0 + np.abs(z))
    # Midpoint grid: it avoids the images of breakpoints, where a sigma = 0 density is only
    # defined up to a null set.
    x = np.linspace(-5.0, 5.0, 4000, endpoint=False) + 10.0 / 8000
    densities, worst = {}, 0.0
    for sigma in (0.0, NOISE_STD):
        p_f = np.exp(log_pdf(LatentModel(Y, f, sigma), x))
        p_g = np.exp(log_pdf(LatentModel(Y, g, sigma), x))
        worst = max(worst, float(np.abs(p_f - p_g).max()))
        densities[f"sigma = {sigma:g}"] = (p_f, p_g)
    plot_example4(z, fz, gz, shared, x, densities, path,
                  title="Example 4: f(Y) and g(Y) have the same law, f is not g o h for affine h")
    return worst


def figure_example5(path: Path) -> float:
    """Draw Figure 4 (plus f against |x|/2); return max |f(x) - |x|/2| on the grid."""
    f = example_5().nets["f"]
    z = np.linspace(-2.0, 2.0, 801)
    layers = layer_outputs(f, z)
    first = layers[0][1]   # s(h1(z))
    second = layers[1][0]  # h2(s(h1(z))), before the second activation
    fz = layers[-1][1][:, 0]
    reference = np.abs(z) / 2
    plot_example5(z, first, second, fz, reference, path,
                  title="Example 5: h3 o s o h2 o s o h1 = |x|/2 (leaky ReLU, slope 1/2)")
    return float(np.abs(fz - reference).max())


def run(out_dir: Path) -> dict:
    """Draw both figures into ``out_dir``; return the checked differences and the paths."""
    path4, path5 = Path(out_dir) / EXAMPLE4, Path(out_dir) / EXAMPLE5
    diff4 = figure_example4(path4)
    print(f"  {EXAMPLE4}: max |p_f(Y) - p_g(Y)| on the plotted grid = {diff4:.2e}")
    diff5 = figure_example5(path5)
    print(f"  {EXAMPLE5}: max |f(x) - |x|/2| on the plotted grid = {diff5:.2e}")
    return {"example4_max_density_diff": diff4, "example5_max_diff": diff5,
            "figures": [str(path4), str(path5)]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", "--outdir", dest="out_dir", type=Path,
                        default=ROOT / "figures", help="output directory (default: figures/)")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    done = run(args.out_dir)
    print(f"wrote {' and '.join(done['figures'])}")
    worst = max(done["example4_max_density_diff"], done["example5_max_diff"])
    return 0 if worst <= NUMERIC_TOL else 1


if __name__ == "__main__":
    from exactid.cli.run import run_command

    # Ctrl-C, SIGTERM and errors end the script with one line and the documented exit code.
    sys.exit(run_command("scripts/figure_examples.py", "", lambda _: main() or 0, None))
