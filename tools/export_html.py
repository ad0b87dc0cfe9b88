#!/usr/bin/env python3
"""Export the whole series as static HTML pages a teacher can host: one page per notebook, and an index.

    python tools/export_html.py [OUTDIR]                          (default: build/html)
    python tools/export_html.py OUTDIR 00_welcome 12_real_data    only these pages (the index lists them only)

Each page shows the committed outputs as they are (nothing is re-executed): the text, the figures, and for every
panel the still picture of its figure that the panel stores beside the live widget (a page has no kernel to
move a slider). nbconvert's lab template, made readable for everyone (tools/templates/grok_nn: a panel's picture
has its title and status line as alt text; colours of at least 5:1 contrast; links underlined); the picture is
preferred to the widget view, which needs a kernel.
Needs nbconvert (installed with JupyterLab).
"""
from __future__ import annotations

import argparse
import html
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "tools" / "templates"  # grok_nn: nbconvert's lab template with alt texts and higher contrast
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PRIORITY = ["text/html", "text/markdown", "image/svg+xml", "text/latex", "image/png", "image/jpeg", "text/plain",
            WIDGET_VIEW]  # a panel's picture before its widget view


def export(notebook: Path, outdir: Path) -> Path:
    """Write outdir/<notebook>.html; returns its path."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config({"NbConvertBase": {"display_data_priority": PRIORITY}})
    exporter = HTMLExporter(config=config, template_name="grok_nn", extra_template_basedirs=[str(TEMPLATES)])
    nb = nbformat.read(notebook, as_version=4)
    nb.metadata.pop("widgets", None)  # no live widgets on a static page: the pictures stand in for them
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
    target = outdir / f"{notebook.stem}.html"
    target.write_text(body, encoding="utf-8")
    return target


def title(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    first = "".join(cells[0]["source"]).splitlines()[0] if cells else notebook.stem
    return first.lstrip("# ").strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", nargs="?", default=str(ROOT / "build" / "html"))
    parser.add_argument("notebooks", nargs="*", help="names of notebooks to export (default: all)")
    args = parser.parse_args(argv)
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted((ROOT / "notebooks").glob("appendix/*.ipynb"))
    if args.notebooks:
        unknown = set(args.notebooks) - {n.stem for n in notebooks}
        if unknown:
            parser.error(f"no such notebook: {', '.join(sorted(unknown))}")
        notebooks = [n for n in notebooks if n.stem in args.notebooks]
    items = []
    for notebook in notebooks:
        page = export(notebook, outdir)
        items.append(f'<li><a href="{page.name}">{html.escape(title(notebook))}</a></li>')
        print(f"wrote {page}")
    (outdir / "index.html").write_text(
        "<!doctype html><html lang=en><meta charset=utf-8><title>grok-nn</title><main><h1>grok-nn: neural networks "
        "from one neuron up</h1><p>The notebooks as pages, with their outputs. The sliders need a running kernel: "
        "open the notebooks in JupyterLab to use them.</p><ol start=0>" + "".join(items) + "</ol></main>\n",
        encoding="utf-8")
    print(f"wrote {outdir / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
