#!/usr/bin/env python3
"""List the sentences of the notebooks' prose that state a number or a comparison, and what backs each one.

    python tools/claims.py                       every notebook
    python tools/claims.py notebooks/07_*.ipynb  some of them
    python tools/claims.py --all                 also the sentences whose numbers a nearby output shows

A reviewer's aid, not a test (it always exits 0): a sentence such as "about 14 times fewer steps" or "the first
step already overshoots" must be computed by the notebook, printed by a cell next to it or pinned by an assert.
For each Markdown sentence with a measured-looking number (a decimal, a percentage, "14 times", "2x") or a
comparison word ("faster", "vanishes", "cancels", "overshoots", ...), the script looks at the code cells just
before and after the Markdown cell and reports:

    shown     every number of the sentence appears in those cells' outputs (listed only with --all)
    asserted  those cells assert something (the claim may be pinned: read the assert)
    printed   those cells print, but not the sentence's numbers: check that the printout says it
    UNBACKED  no neighbouring cell prints or asserts anything

Numbers inside $...$ are mathematics (a derivation), not measurements, and are not looked for in outputs; a
sentence made only of those and no comparison word is skipped. Settle every UNBACKED and printed line by
computing the claim in the notebook, or by rewording the sentence so it states what the notebook shows.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPARISONS = re.compile(
    r"\b(times|twice|half|faster|slower|larger|smaller|more than|less than|fewer|better|worse|vanish\w*|cancel\w*|"
    r"overshoot\w*|diverge\w*|explode\w*|saturat\w*|nearly|almost|roughly|about|most of|at least|at most|"
    r"always|never|every run)\b", re.I)
NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(\s*%|x\b|\s*times)?")
MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$", re.S)
CODE = re.compile(r"`[^`]*`")


def sentences(markdown: str) -> list[str]:
    text = re.sub(r"\s+", " ", markdown)
    return [s.strip() for s in re.split(r"(?<=[.!?:;])\s+(?=[A-Z(*])", text) if s.strip()]


def measured_numbers(sentence: str) -> list[str]:
    """The numbers of a sentence outside math and code spans, leaving out list markers and notebook numbers."""
    plain = CODE.sub(" ", MATH.sub(" ", sentence))
    plain = re.sub(r"^#+\s*\d+\s*·", " ", plain)  # a notebook's title, "# 08 · Training ...": its number
    found = []
    for match in NUMBER.finditer(plain):
        number, unit = match.group(1), match.group(2) or ""
        before = plain[max(0, match.start() - 9):match.start()].lower()
        if "notebook" in before or "section" in before or re.fullmatch(r"(19|20)\d\d", number):
            continue  # "notebook 05", "section 4", a year
        if unit or "." in number or len(number) >= 2:
            found.append(number)
    return found


def neighbours(cells: list[dict], index: int) -> list[dict]:
    """The code cells just before and just after cell index (skipping Markdown)."""
    found = []
    for step in (-1, 1):
        i = index + step
        while 0 <= i < len(cells) and cells[i]["cell_type"] != "code":
            i += step
        if 0 <= i < len(cells):
            found.append(cells[i])
    return found


def output_text(cell: dict) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if "text" in output:
            parts.append("".join(output["text"]))
        parts.append("".join(output.get("data", {}).get("text/plain", "")))
    return "".join(parts)


def source(cell: dict) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def review(path: Path, show_all: bool) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown" or "solution" in cell.get("metadata", {}).get("tags", []):
            continue
        if source(cell).lstrip().startswith("**Exercise"):  # a question's givens, not a claim: its check tests it
            continue
        near = neighbours(cells, index)
        outputs = " ".join(output_text(c) for c in near)
        printing = any("print(" in source(c) or output_text(c) for c in near)
        asserting = any(re.search(r"^\s*assert\b", source(c), re.M) for c in near)
        for sentence in sentences(source(cell)):
            numbers = measured_numbers(sentence)
            comparison = COMPARISONS.search(CODE.sub(" ", MATH.sub(" ", sentence)))
            if not numbers and not comparison:
                continue
            if numbers and all(re.search(rf"(?<![\d.]){re.escape(n)}(?!\d)", outputs) for n in numbers):
                status = "shown"
            elif asserting:
                status = "asserted"
            elif printing:
                status = "printed"
            else:
                status = "UNBACKED"
            if status != "shown" or show_all:
                lines.append(f"{path.name} cell {index + 1:>3}  {status:<8}  {sentence[:150]}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="also list sentences whose numbers an output shows")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    total = {}
    for path in paths:
        for line in review(path, args.all):
            print(line)
            status = line.split()[3]
            total[status] = total.get(status, 0) + 1
    print("claims: " + (", ".join(f"{n} {status}" for status, n in sorted(total.items())) or "none listed"),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
