#!/usr/bin/env python
"""Regenerate tests/exactid/density/polygon_references.json: polygons with mpmath references
for the polygon-mass tests (tests/exactid/density/test_polygon_mass.py).

Two sections:

* ``table`` -- the regime table: 105 polygons (near / mid / far, fat / thin / small, bounded /
  unbounded, and six closed-form boxes and quadrants) with the 50-digit slice reference
  (``ref``), for every third entry with ``log P > -250`` the Owen's-T edge reference at 110 or
  more digits (``ref_owen``), for the boxes the closed form (``ref_cf``), and the distance
  ``d`` of the polygon from 0.  The two references are independent methods; the test checks
  that they agree.
* ``random`` -- the first 200 random polygons of seed 7 (all kinds of
  ``polygon_cases.random_case``, ``d`` in [0, 100]) with the 30-digit slice reference.

Deterministic: fixed seeds, references printed to 40 (table) and 25 (random) digits, one
entry per line.  Written atomically.  Takes about 3 minutes.

Usage: python scripts/make_polygon_references.py [--out PATH] [--owen-every K]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import mpmath as mp
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the polygon generators and references live in the tests

from exactid.files import atomic_write, to_json  # noqa: E402
from tests.exactid.density import polygon_cases as C  # noqa: E402
from tests.exactid.density import polygon_reference as ref  # noqa: E402

OUT = ROOT / "tests" / "exactid" / "density" / "polygon_references.json"
TABLE_SEED = 20240611
RANDOM_SEED = 7
RANDOM_COUNT = 200
CLOSED_FORM_BOXES = ((20.0, 21.0, 5.0, 7.0), (50.0, 50.5, -3.0, 1.0),
                     (60.0, np.inf, 60.0, np.inf), (99.0, 100.0, 10.0, 10.001),
                     (-101.0, -100.0, -0.5, 0.5), (30.0, 30.0 + 1e-8, 40.0, 41.0))


def _polar(rng, r):
    ph = rng.uniform(0, 2 * np.pi)
    return (r * math.cos(ph), r * math.sin(ph))


def _near(rng, add):
    """Fat (bounded and unbounded), thin and small polygons with d below about 3."""
    for _ in range(14):
        k = int(rng.choice([3, 4, 5, 8, 16]))
        c = _polar(rng, rng.uniform(0, 3.5))
        L = 10 ** rng.uniform(-0.5, 0.7)
        w = L * rng.uniform(0.3, 1)
        V = C.random_polygon(rng, k, c, L, w, rng.uniform(0, 6.3))
        add("near-fat-bounded", f"k={k} c={np.hypot(*c):.2f} L={L:.2f}", *C.hp_from_vertices(V))
    for _ in range(4):
        k = int(rng.integers(1, 6))
        A, b = C.unbounded_chain(rng, k, _polar(rng, rng.uniform(0, 3)), rng.uniform(0.1, 2),
                                 rng.uniform(0.3, 3.0), rng.uniform(0, 6.3))
        add("near-fat-unbounded", f"chain k={k}", A, b)
    for _ in range(4):
        t0 = rng.uniform(0, 6.3)
        add("near-fat-unbounded", "wedge",
            *C.wedge(_polar(rng, rng.uniform(0, 2.5)), t0, t0 + rng.uniform(0.2, 3.0)))
    for _ in range(3):
        n = rng.normal(size=2)
        add("near-fat-unbounded", "half-plane", n[None, :], [rng.uniform(-3, 3) * np.hypot(*n)])
    for _ in range(3):
        n = rng.normal(size=2)
        lo = rng.uniform(-3, 2)
        add("near-fat-unbounded", "strip", np.array([n, -n]),
            [(lo + rng.uniform(0.05, 2)) * np.hypot(*n), -lo * np.hypot(*n)])
    for w in (1e-3, 1e-6, 1e-10):  # slivers, some through 0, thin wedges and strips
        for i in range(3):
            k = int(rng.choice([3, 4]))
            c = _polar(rng, rng.uniform(0, 2.5)) if i else _polar(rng, rng.uniform(0, 0.3))
            add("near-thin", f"sliver k={k} w={w:g}",
                *C.sliver(c, rng.uniform(0.5, 4), w, rng.uniform(0, 6.3), k))
        t0 = rng.uniform(0, 6.3)
        add("near-thin", f"thin wedge angle={w:g}",
            *C.wedge(_polar(rng, rng.uniform(0, 2.5)), t0, t0 + w))
        n = rng.normal(size=2)
        lo = rng.uniform(-2, 2)
        add("near-thin", f"thin strip w={w:g}", np.array([n, -n]),
            [(lo + w) * np.hypot(*n), -lo * np.hypot(*n)])
    for s in (1e-2, 1e-4):
        for _ in range(2):
            V = C.random_polygon(rng, 5, _polar(rng, rng.uniform(0, 2.5)), s, 0.6 * s,
                                 rng.uniform(0, 6.3))
            add("near-small", f"size={s:g}", *C.hp_from_vertices(V))


def _distant(rng, add, reg, dlo, dhi):
    """The same kinds at distance in [dlo, dhi]."""
    for _ in range(8):
        k = int(rng.choice([3, 4, 8, 16]))
        r = rng.uniform(dlo, dhi)
        L = 10 ** rng.uniform(-0.5, 0.7)
        V = C.random_polygon(rng, k, _polar(rng, r + L), L, L * rng.uniform(0.3, 1),
                             rng.uniform(0, 6.3))
        add(reg + "-fat-bounded", f"k={k} r={r:.1f}", *C.hp_from_vertices(V))
    for _ in range(3):
        k = int(rng.integers(1, 5))
        r = rng.uniform(dlo, dhi)
        A, b = C.unbounded_chain(rng, k, _polar(rng, r + 1), 1.0, rng.uniform(0.3, 3.0),
                                 rng.uniform(0, 6.3))
        add(reg + "-fat-unbounded", f"chain k={k} r={r:.1f}", A, b)
    for _ in range(2):
        t0 = rng.uniform(0, 6.3)
        add(reg + "-fat-unbounded", "wedge",
            *C.wedge(_polar(rng, rng.uniform(dlo, dhi)), t0, t0 + rng.uniform(0.2, 3.0)))
    n = rng.normal(size=2)
    add(reg + "-fat-unbounded", "half-plane", n[None, :], [-rng.uniform(dlo, dhi) * np.hypot(*n)])
    n = rng.normal(size=2)
    lo = rng.uniform(dlo, dhi)
    add(reg + "-fat-unbounded", "strip", np.array([n, -n]),
        [(lo + rng.uniform(0.01, 2)) * np.hypot(*n), -lo * np.hypot(*n)])
    for w in (1e-3, 1e-6, 1e-10):
        for _ in range(2):
            k = int(rng.choice([3, 4]))
            r = rng.uniform(dlo, dhi)
            add(reg + "-thin", f"sliver k={k} w={w:g} r={r:.1f}",
                *C.sliver(_polar(rng, r + 2), rng.uniform(0.5, 4), w, rng.uniform(0, 6.3), k))
        t0 = rng.uniform(0, 6.3)
        add(reg + "-thin", f"thin wedge angle={w:g}",
            *C.wedge(_polar(rng, rng.uniform(dlo, dhi)), t0, t0 + w))
    for s in (1e-2, 1e-4):
        r = rng.uniform(dlo, dhi)
        V = C.random_polygon(rng, 5, _polar(rng, r), s, 0.6 * s, rng.uniform(0, 6.3))
        add(reg + "-small", f"size={s:g} r={r:.1f}", *C.hp_from_vertices(V))


def regimes(rng):
    """The polygons of the regime table: (regime, description, A, b)."""
    out = []

    def add(regime, desc, A, b):
        out.append((regime, desc, np.asarray(A, float), np.asarray(b, float)))

    _near(rng, add)
    _distant(rng, add, "mid", 3, 14)
    _distant(rng, add, "far", 14, 100)
    for (x0, x1, y0, y1) in CLOSED_FORM_BOXES:
        add("far-fat-bounded" if np.isfinite(x1) else "far-fat-unbounded",
            f"closed-form box {x0},{x1},{y0},{y1}", *C.box(x0, x1, y0, y1))
    return out


def table_entry(j, reg, desc, A, b, owen_every):
    """One entry of the regime table, with both references where they are computed."""
    r = ref.ref_log_mass(A, b)
    ro = None
    if j % owen_every == 0 and r > -250:  # the edge reference needs ~|log P| / ln 10 digits
        try:
            ro = ref.ref_log_mass_owen(A, b, logp_guess=r)
        except ValueError:  # 0 on the boundary
            ro = None
    with mp.workdps(50):
        p = ref.nearest_point(ref._mp_constraints(A, b), mp.mpf(10) ** -40)
        d = float(mp.sqrt(p[0] ** 2 + p[1] ** 2))
    cf = None
    if desc.startswith("closed-form box"):
        cf = ref.cf_rectangle(*map(float, desc.split()[-1].split(",")))
    return dict(regime=reg, desc=desc, A=A.tolist(), b=b.tolist(), ref=mp.nstr(r, 40), d=d,
                ref_cf=None if cf is None else mp.nstr(cf, 40),
                ref_owen=None if ro is None else mp.nstr(ro, 40))


def random_entries(count, seed):
    """The first ``count`` polygons of ``polygon_cases.random_case`` with ``seed``, with the
    30-digit slice reference."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        kind, A, b, _pt = C.random_case(rng)
        r = ref.ref_log_mass(A, b, dps=30)
        out.append(dict(kind=kind, A=A.tolist(), b=b.tolist(), ref=mp.nstr(r, 25)))
    return out


def render(payload):
    """JSON text with one entry per line (small diffs when regenerated)."""
    lines = ["{"]
    lines.append(f'"note": {to_json(payload["note"])},')
    for name in ("table", "random"):
        entries = ",\n".join(to_json(e) for e in payload[name])
        lines.append(f'"{name}": [\n{entries}\n]' + ("," if name == "table" else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(OUT), help="output JSON (default: %(default)s)")
    parser.add_argument("--owen-every", type=int, default=3,
                        help="compute the edge reference for every K-th table entry")
    args = parser.parse_args(argv)
    t0 = time.time()
    table = []
    for j, (reg, desc, A, b) in enumerate(regimes(np.random.default_rng(TABLE_SEED))):
        t1 = time.time()
        e = table_entry(j, reg, desc, A, b, args.owen_every)
        table.append(e)
        agree = ""
        if e["ref_owen"] is not None:
            agree = f" owen-slice={float(mp.mpf(e['ref_owen']) - mp.mpf(e['ref'])):.1e}"
        print(f"{j:3d} {reg:20s} {desc:32s} d={e['d']:7.2f} ref={e['ref'][:20]:>21s}{agree}"
              f" ({time.time() - t1:.1f}s)", flush=True)
    random = random_entries(RANDOM_COUNT, RANDOM_SEED)
    note = (f"Generated by scripts/make_polygon_references.py (table seed {TABLE_SEED}, random "
            f"seed {RANDOM_SEED}); references from tests/exactid/density/polygon_reference.py.")
    atomic_write(args.out, render(dict(note=note, table=table, random=random)), "--out")
    print(f"wrote {args.out} in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
