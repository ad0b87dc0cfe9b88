"""Every committed notebook: named in sequence, opens with a title and outcomes, executed top to bottom in one
fresh kernel, free of errors, warnings and machine paths, and uses NBVAL_IGNORE_OUTPUT only where nbval cannot
compare (output drawn by widget callbacks). nbval itself (run by the same `python -m pytest`) re-executes
each notebook and compares the outputs."""
import json
import re
import sys

import pytest

from conftest import NOTEBOOK_PATHS, NOTEBOOKS, ROOT, code_cells, label, read_notebook, source, tagged

NAME = re.compile(r"^(\d\d)_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
MACHINE_PATH = re.compile(r"(/home/|/root/|/tmp/|/Users/|/private/var/|[A-Z]:\\\\|site-packages)")
WARNING = re.compile(r"\b\w*Warning\b:|\bwarnings\.warn\b")
WIDGET_CALLBACK = re.compile(r"\binteractive_output\(|\binteract(?:_manual)?\(|@interact\b|^\s*with \w+:", re.M)
ids = [p.relative_to(NOTEBOOKS).as_posix() for p in NOTEBOOK_PATHS]


def test_notebooks_are_named_in_sequence_without_gaps():
    names = sorted(p.name for p in NOTEBOOKS.iterdir() if p.suffix == ".ipynb")
    assert names, "no notebooks found"
    bad = [n for n in names if not NAME.match(n)]
    assert not bad, f"not named NN_topic.ipynb (lower case, underscores): {bad}"
    numbers = [int(n[:2]) for n in names]
    assert numbers == list(range(len(numbers))), f"numbers must run 00, 01, ... without gaps or repeats: {names}"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=ids)
def test_opens_with_a_title_and_what_the_learner_will_be_able_to_do(path):
    first = read_notebook(path)["cells"][0]
    assert first["cell_type"] == "markdown", "the first cell must be Markdown"
    text = source(first)
    title = text.splitlines()[0]
    assert re.match(rf"^# {label(path)} · \S", title), f"first line must be '# {label(path)} · Title', got {title!r}"
    after = text.split("**After this notebook you will be able to:**")
    assert len(after) == 2, "the first cell must say '**After this notebook you will be able to:**'"
    bullets = [line for line in after[1].splitlines() if line.startswith("- ")]
    assert len(bullets) >= 2, "list at least two things the learner will be able to do"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=ids)
def test_executed_top_to_bottom_in_one_fresh_kernel(path):
    nb = read_notebook(path)
    cells = code_cells(nb)
    empty = [i for i, cell in enumerate(cells) if not source(cell).strip()]
    assert not empty, f"empty code cells: {empty}"
    counts = [cell["execution_count"] for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), f"execution counts must be 1..{len(cells)}, got {counts}"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=ids)
def test_no_errors_stderr_or_warnings_in_outputs(path):
    for number, cell in enumerate(code_cells(read_notebook(path)), start=1):
        for output in cell["outputs"]:
            assert output["output_type"] != "error", f"cell {number}: stored error {output.get('ename')}"
            assert output.get("name") != "stderr", f"cell {number}: stderr output {''.join(output['text'])[:200]!r}"
            text = json.dumps(output.get("text", "")) + json.dumps(output.get("data", {}).get("text/plain", ""))
            assert not WARNING.search(text), f"cell {number}: a warning in the output: {text[:200]}"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=ids)
def test_no_machine_paths_in_outputs(path):
    own = [str(ROOT), sys.prefix]
    for number, cell in enumerate(code_cells(read_notebook(path)), start=1):
        for output in cell["outputs"]:
            text = json.dumps({k: v for k, v in output.items() if k != "data"})
            text += json.dumps({k: v for k, v in output.get("data", {}).items() if not k.startswith("image/")})
            found = MACHINE_PATH.search(text) or next((p for p in own if p in text), None)
            assert not found, f"cell {number}: output shows a machine path"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=ids)
def test_nbval_ignore_output_only_on_widget_callback_cells(path):
    for number, cell in enumerate(code_cells(read_notebook(path)), start=1):
        text = source(cell)
        ignored = "NBVAL_IGNORE_OUTPUT" in text
        callback = bool(WIDGET_CALLBACK.search(text))
        assert ignored == callback, (
            f"cell {number}: "
            + ("NBVAL_IGNORE_OUTPUT is only for cells whose output a widget callback draws"
               if ignored else "output drawn by a widget callback never matches: mark the cell # NBVAL_IGNORE_OUTPUT")
        )


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=ids)
def test_widget_state_is_stored_for_every_displayed_widget(path):
    """JupyterLab draws a widget from the stored state before the kernel runs (else: 'model not found')."""
    nb = read_notebook(path)
    shown = [
        output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for cell in code_cells(nb)
        for output in cell["outputs"]
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
    ]
    state = nb["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    missing = [model for model in shown if model not in state]
    assert not missing, f"widget outputs without stored state: {missing}; re-execute with tools/nb.py run"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=ids)
def test_exercises_come_with_a_check_and_a_solution(path):
    nb = read_notebook(path)
    exercises, checks, solutions = tagged(nb, "exercise"), tagged(nb, "check"), tagged(nb, "solution")
    assert 2 <= len(exercises) <= 4, f"2-4 exercises expected, found {len(exercises)}"
    assert len(exercises) == len(checks) == len(solutions)
    for k, (check, solution) in enumerate(zip(checks, solutions), start=1):
        assert "<details>" in source(solution) and "```python" in source(solution), f"solution {k}: fold it"
        printed = "".join("".join(o.get("text", "")) for o in check["outputs"])
        assert printed.startswith(f"Exercise {k}: not answered yet"), f"check {k} printed {printed!r}"


EXPORT_CELL_LINES = 60  # DEVELOPERS.md: export cells stay short, the idea first and the plumbing after it


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=ids)
def test_export_cells_stay_short(path):
    for number, cell in enumerate(code_cells(read_notebook(path)), start=1):
        text = source(cell)
        if text.startswith("#| export"):
            lines = len(text.rstrip().splitlines())
            assert lines <= EXPORT_CELL_LINES, (
                f"code cell {number} ({text.splitlines()[0]}) has {lines} lines; split it (more cells, or "
                f"@add_to_class for the plumbing) to at most {EXPORT_CELL_LINES}")


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=ids)
def test_the_first_code_is_the_idea_not_plumbing(path):
    """The first code cell a learner meets is not an export of argument checks or widget internals."""
    first = source(code_cells(read_notebook(path))[0])
    assert not re.match(r"#\| export (validation|widgets|config)\b", first), first.splitlines()[0]


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=ids)
def test_every_widget_output_carries_a_still_picture_of_its_figure(path):
    """GitHub, nbviewer and an HTML export cannot run a widget: they show the panel's picture instead (JupyterLab
    prefers the widget view; the browser tests check that it still shows the live panel)."""
    import base64

    found = 0
    for i, cell in enumerate(code_cells(read_notebook(path))):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and "".join(data.get("text/plain", "")).startswith("[progress bar: "):
                continue  # fit's progress bar (verbose=1): its text line is what a static viewer shows
            if WIDGET_VIEW in data:
                found += 1
                assert "image/png" in data, f"code cell {i}: a widget output without its still picture"
                png = base64.b64decode(data["image/png"])
                assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 2000, f"code cell {i}: not a figure"
    assert found >= 1, "every notebook has at least one panel"


def test_the_html_export_shows_every_panels_picture(tmp_path):
    """tools/export_html.py: a notebook becomes a page holding, for each panel, the same picture. Two notebooks
    (exporting all 14 takes half a minute of nbconvert; `python tools/export_html.py` does them all)."""
    import subprocess
    import sys

    chosen = [path for path in NOTEBOOK_PATHS if path.stem in ("00_welcome", "12_real_data")]
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "export_html.py"), str(tmp_path),
                          *(path.stem for path in chosen)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.glob("*.html")) == ["00_welcome.html", "12_real_data.html", "index.html"]
    for path in chosen:
        page = (tmp_path / f"{path.stem}.html").read_text(encoding="utf-8")
        assert f'href="{path.stem}.html"' in index
        for cell in code_cells(read_notebook(path)):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if WIDGET_VIEW in data and "image/png" in data:
                    assert data["image/png"][:200].replace("\n", "") in page.replace("\n", ""), path.name
        assert WIDGET_VIEW not in page  # a static page: no widget views that would need a kernel


CLOCKS = {"perf_counter", "process_time", "monotonic", "time"}


def timing_names(cells):
    """Names whose value comes from a clock: functions of the notebook that call time.perf_counter() (or
    process_time, ...) or such a function, and names assigned from expressions that call one or use such a name,
    to a fixpoint. A name also assigned from clock-free expressions (a reused `start`) is left out: a guard with
    no false alarms, not a proof."""
    import ast

    trees = []
    for cell in cells:
        try:
            trees.append(ast.parse(source(cell)))
        except SyntaxError:  # IPython magics: nothing to learn from this cell
            continue
    assignments = [node for tree in trees for node in ast.walk(tree)
                   if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None]
    functions = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]

    def bound(target):  # the names an assignment target binds: x, (x, y), x[i] and x.a bind x
        if isinstance(target, (ast.Tuple, ast.List)):
            return set().union(*(bound(t) for t in target.elts))
        while isinstance(target, (ast.Subscript, ast.Attribute, ast.Starred)):
            target = target.value
        return {target.id} if isinstance(target, ast.Name) else set()

    def targets(node):
        return set().union(*(bound(t) for t in (node.targets if isinstance(node, ast.Assign) else [node.target])))

    clocked_functions, clocked = set(), set()

    def empty(value):  # `timings = {}` starts a container that clocked values fill: it does not make it clean
        return (isinstance(value, ast.Constant) or isinstance(value, (ast.Dict, ast.List, ast.Tuple, ast.Set))
                and not getattr(value, "keys", None) and not getattr(value, "elts", None))

    def uses_clock(node, names=()):
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                f = sub.func
                if isinstance(f, ast.Attribute) and f.attr in CLOCKS and getattr(f.value, "id", "") == "time":
                    return True
                if isinstance(f, ast.Name) and f.id in clocked_functions:
                    return True
            if isinstance(sub, ast.Name) and sub.id in names:
                return True
        return False

    while True:
        before = (len(clocked_functions), len(clocked))
        clocked_functions |= {f.name for f in functions if uses_clock(f)}
        tainted = {name for node in assignments if uses_clock(node.value, clocked) for name in targets(node)}
        clean = {name for node in assignments if not uses_clock(node.value, clocked) and not empty(node.value)
                 for name in targets(node)}
        clocked = tainted - clean
        if (len(clocked_functions), len(clocked)) == before:
            return clocked | clocked_functions, trees


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=ids)
def test_no_assert_depends_on_a_duration(path):
    """A teacher's slower or busier machine must not fail a notebook: timings are printed, never asserted (the
    claims about time are measured by benchmarks/notebook_timings.py)."""
    import ast

    clocked, trees = timing_names(code_cells(read_notebook(path)))
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assert):
                used = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)} & clocked
                assert not used, f"an assert depends on a duration ({', '.join(sorted(used))}): {ast.unparse(node)}"


def test_the_duration_check_finds_a_timed_assert():
    cells = [{"source": "import time\nstart = time.perf_counter()\nx = 1\nt = time.perf_counter() - start"},
             {"source": "def best(run):\n    s = time.process_time()\n    run()\n    return time.process_time() - s"},
             {"source": "ratio = best(f) / t\nassert ratio < 3\nassert x == 1"}]
    clocked, _ = timing_names(cells)
    assert {"t", "start", "best", "ratio"} <= clocked and "x" not in clocked
