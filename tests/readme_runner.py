"""Run the README: parse its code blocks, execute them, compare their printed output.

Conventions of the README that this module relies on (and checks):

* ```` ```bash ```` -- commands, one per line (a trailing ``# comment`` is dropped).
* ```` ```text ```` starting with ``$ COMMAND`` -- a transcript: each ``$`` line is run and
  what it prints (stdout and stderr, interleaved) is compared with the lines under it.
* ```` ```text ```` right after ``<!-- reproduce-full: KEY -->`` -- output of ``make
  reproduce-full``, compared with ``figures/reproduce_full.json`` (``outputs[KEY]``), which that
  run wrote.
* ```` ```python ```` -- run in order in one namespace (a notebook); lines starting with
  ``>>>`` are doctests whose output is compared.
* ```` ```json ```` -- a model file; it must load with ``exactid.load_model``.

Output comparison (:func:`matches`): runs of spaces count as one; a line ``...`` stands for any
number of lines and ``...`` inside a line for any text; every number must equal the printed
one to the precision it is printed with (``0.207`` matches 0.2071, not 0.208; integers exactly).
"""

from __future__ import annotations

import doctest
import math
import re
from dataclasses import dataclass

#: A number as printed: optional sign, digits, optional decimals, optional exponent.
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


@dataclass
class Block:
    """A fenced code block of the README."""

    lang: str
    text: str
    line: int  # 1-based line of the opening fence
    marker: str | None  # the HTML comment right before it, if any


def blocks(markdown: str) -> list[Block]:
    """Every fenced block, with its language and the ``<!-- ... -->`` marker before it."""
    out, lines = [], markdown.splitlines()
    i = 0
    while i < len(lines):
        fence = re.match(r"^```(\w*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        start = i
        body = []
        i += 1
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        prev = next((lines[k].strip() for k in range(start - 1, -1, -1) if lines[k].strip()), "")
        marker = prev[4:-3].strip() if prev.startswith("<!--") and prev.endswith("-->") else None
        out.append(Block(fence.group(1), "\n".join(body), start + 1, marker))
        i += 1
    return out


def commands(block: Block) -> list[str]:
    """The commands of a ``bash`` block (comments and blank lines dropped)."""
    out = []
    for line in block.text.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def transcript(block: Block) -> list[tuple[str, str]]:
    """``[(command, expected output), ...]`` of a ``$`` text block."""
    pairs = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            pairs.append([line[2:].strip(), []])
        elif pairs:
            pairs[-1][1].append(line)
        else:
            raise ValueError(f"README line {block.line}: a transcript must start with '$ '")
    return [(cmd, "\n".join(out)) for cmd, out in pairs]


# -- comparison -------------------------------------------------------------------------------
def _number_ok(shown: str, got: str) -> bool:
    """``got`` equals ``shown`` to the precision ``shown`` is printed with."""
    if re.fullmatch(r"-?\d+", shown):
        return got == shown
    mantissa, _, exponent = shown.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    scale = 10.0 ** int(exponent) if exponent else 1.0
    tol = 0.5 * 10.0 ** -decimals * scale
    value, want = float(got), float(shown)
    return math.isclose(value, want, rel_tol=0, abs_tol=tol * (1 + 1e-9))


def _line_matches(expected: str, got: str) -> bool:
    expected, got = " ".join(expected.split()), " ".join(got.split())
    pattern, numbers = [], []
    for piece in re.split(r"(\.\.\.|" + NUMBER.pattern + ")", expected):
        if piece == "...":
            pattern.append(".*?")
        elif piece and NUMBER.fullmatch(piece):
            pattern.append("(" + NUMBER.pattern + ")")
            numbers.append(piece)
        else:
            pattern.append(re.escape(piece))
    found = re.fullmatch("".join(pattern), got)
    return bool(found) and all(_number_ok(s, g) for s, g in zip(numbers, found.groups()))


def matches(expected: str, got: str) -> bool:
    """Whether the printed output ``got`` is what the README shows as ``expected``."""
    exp = [line for line in expected.strip("\n").splitlines()]
    out = [line for line in got.strip("\n").splitlines()]
    memo = {}

    def match(i, j):
        if (i, j) not in memo:
            if i == len(exp):
                memo[i, j] = j == len(out)
            elif exp[i].strip() == "...":
                memo[i, j] = any(match(i + 1, k) for k in range(j, len(out) + 1))
            else:
                memo[i, j] = j < len(out) and _line_matches(exp[i], out[j]) and match(i + 1, j + 1)
        return memo[i, j]

    return match(0, 0)


class NumberChecker(doctest.OutputChecker):
    """Doctest output compared by :func:`matches`."""

    def check_output(self, want, got, optionflags):
        return matches(want, got)


def run_doctest(block: Block, namespace: dict, name: str) -> list[str]:
    """Run the ``>>>`` examples of ``block`` in ``namespace``; the failure reports."""
    test = doctest.DocTestParser().get_doctest(block.text, namespace, name, "README.md",
                                               block.line)
    failures = []
    runner = doctest.DocTestRunner(checker=NumberChecker(), optionflags=doctest.ELLIPSIS)
    runner.run(test, out=failures.append, clear_globs=False)
    return failures
