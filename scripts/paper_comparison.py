"""The "ours vs paper" table that ends a reproduction: every quantitative claim of paper 003 that
the reproduction recomputes, the paper's value, ours, and whether they agree.

A row is built from what a stage measured (:func:`claim_row` for yes/no claims, :func:`metric_row`
for a mean with a standard deviation); :func:`format_comparison` prints the rows.  A row that
disagrees is flagged ``DIFFERS`` and names the README section that explains the difference.

Agreement rule for a metric: ``|ours - paper| <= max(sd_ours, sd_paper)`` (the paper's sd where
it reports one), i.e. the two means lie within one spread of each other.  This is a screen, not a
test: five runs give a coarse standard deviation.
"""

from __future__ import annotations

#: README sections that explain each known difference.
EXPLAINED = {
    "H.2": "README, 'Check your own network' (Corollary H.2 as printed is too weak)",
    "J.3.1": "README, 'The J.3.1 study' (the non-unique models have constant decoders)",
    "D.1": "README, 'The paper's counterexamples' (the errata: true only for n = m = 1)",
    "Table 2": "README, 'VaDE stability on simulated data' (the bullets under the table)",
}


def claim_row(claim: str, paper: str, ours: str, agrees: bool, explained: str | None = None
              ) -> dict:
    """A yes/no claim: the paper's statement, what we found, whether they agree."""
    return {"claim": claim, "paper": paper, "ours": ours, "agrees": bool(agrees),
            "explained": None if agrees else explained}


def metric_row(claim: str, paper: tuple, ours: tuple, explained: str | None = None) -> dict:
    """A metric ``(mean, sd)`` of ours against the paper's ``(mean, sd or None)``."""
    p_mean, p_sd = paper
    o_mean, o_sd = ours
    agrees = abs(o_mean - p_mean) <= max(o_sd, p_sd or 0.0)
    paper_text = str(p_mean) + (f" ({p_sd})" if p_sd is not None else "")
    return claim_row(claim, paper_text, f"{o_mean:.3f} ({o_sd:.3f})", agrees, explained)


def format_comparison(rows: list[dict], note: str = "") -> str:
    """The table: claim, paper, ours, verdict; then where each difference is explained."""
    head = ("claim (paper 003)", "paper", "ours", "verdict")
    cells = [(r["claim"], r["paper"], r["ours"], "agrees" if r["agrees"] else "DIFFERS")
             for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(head)]

    def line(values):
        return "  ".join(f"{v:<{w}}" for v, w in zip(values, widths)).rstrip()

    out = [line(head), "-" * len(line(head))]
    out.extend(line(c) for c in cells)
    differ = [r for r in rows if not r["agrees"]]
    out.append("-" * len(line(head)))
    out.append(f"{len(rows) - len(differ)} of {len(rows)} agree; metrics agree when |ours - "
               "paper| <= the larger standard deviation")
    for explained in dict.fromkeys(r["explained"] for r in differ):
        claims = "; ".join(r["claim"] for r in differ if r["explained"] == explained)
        out.append(f"  DIFFERS: {claims}\n    explained in {explained or 'nowhere yet'}")
    if note:
        out.append(note)
    return "\n".join(out)
