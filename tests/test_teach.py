"""tools/teach.py: the series as an nbgrader course (issue 30).

The course's source notebooks are checked for every notebook without nbgrader (plain JSON), in the default run.
With nbgrader installed (the `teach` extra; .ci/run installs it), the marker `teach` (not in the default run, whose
budget is 120 s: .ci/run runs it after the suite) takes the notebooks the whole way: `nbgrader generate_assignment`,
then `nbgrader autograde` of two submissions, the released notebook (with one locked cell tampered with) and the
source notebook (the solutions in); notebook 04 alone (`-m teach -k notebook_04`, half a minute), or every notebook
(several minutes of notebook execution).
"""
import filecmp
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, read_notebook, source, tagged

NBGRADER_MISSING = ("nbgrader is not installed: python -m pip install -e \".[teach]\" to test the course it grades "
                    "(tools/teach.py)")


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


teach = load("teach", ROOT / "tools" / "teach.py")
PATHS = teach.notebooks_with_exercises()

# the exercises whose check runs the learner's code on random inputs: 2 points and hidden tests on other inputs
RANDOM = {"00": set(), "01": set(), "02": set(), "03": {4}, "04": {4}, "05": {4}, "06": {4}, "07": {4}, "08": {4},
          "09": {4}, "10": {3}, "11": {3}, "12": {1}, "13": {1, 3, 4}, "14": {1, 2, 3},
          "appendix": {1, 2}}


def nbgrader(cell):
    return cell["metadata"]["nbgrader"]


def grade_cells(nb):
    return [cell for cell in nb["cells"] if nbgrader(cell).get("grade")]


def solution_lines(path):
    """The lines of the notebook's folded solutions that appear nowhere else in it (its own words and code)."""
    nb = read_notebook(path)
    elsewhere = "\n".join(source(cell) for cell in nb["cells"] if "solution" not in cell["metadata"].get("tags", []))
    text = "\n".join(re.sub(r"</?details>|<summary>.*?</summary>", "", source(c)) for c in tagged(nb, "solution"))
    return {line.strip() for line in text.splitlines() if len(line.strip()) >= 12 and line.strip() not in elsewhere}


def test_the_course_holds_every_notebook_with_exercises_and_nbgraders_settings(tmp_path):
    written = teach.write_course(tmp_path / "course")
    assert written == [("A_" if p.parent.name == "appendix" else "") + p.stem for p in PATHS]
    assert len(written) == 16 and written[0] == "00_welcome" and written[-1] == "A_front_end"
    config = (tmp_path / "course" / "nbgrader_config.py").read_text()
    assert 'c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}' in config
    assert "c.Execute.timeout = 600" in config
    (tmp_path / "course" / "nbgrader_config.py").write_text("c = get_config()  # the teacher's own\n")
    teach.write_course(tmp_path / "course", ["02"])
    assert (tmp_path / "course" / "nbgrader_config.py").read_text() == "c = get_config()  # the teacher's own\n"
    for name in written:
        folder = tmp_path / "course" / "source" / name
        notebook = f"{name.removeprefix('A_')}.ipynb"
        assert sorted(p.name for p in folder.iterdir()) == sorted(["checks", "grading.py", notebook])
        same = filecmp.dircmp(ROOT / "notebooks" / "checks", folder / "checks", ignore=["__pycache__"])
        assert not (same.left_only or same.right_only or same.diff_files), name


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_exercises_become_solution_cells_checks_graded_cells_and_the_rest_is_locked(path):
    nb, original = teach.assignment_notebook(path), read_notebook(path)
    key = teach.notebook_key(path)
    exercises, checks, solutions = (tagged(original, t) for t in ("exercise", "check", "solution"))
    assert len(nb["cells"]) == len(original["cells"]) - len(solutions)  # the Markdown solutions are left out
    ids = [nbgrader(cell)["grade_id"] for cell in nb["cells"]]
    assert len(set(ids)) == len(ids)
    answers = [cell for cell in nb["cells"] if nbgrader(cell)["solution"]]
    assert [nbgrader(c)["grade_id"] for c in answers] == [f"exercise_{k}" for k in range(1, len(exercises) + 1)]
    for k, (cell, exercise, solution) in enumerate(zip(answers, exercises, solutions), start=1):
        text = source(cell)
        assert text.startswith(source(exercise) + "\n### BEGIN SOLUTION\n") and text.endswith("\n### END SOLUTION")
        assert teach.FENCE.findall(source(solution))[0].rstrip("\n") in text
        assert not nbgrader(cell)["locked"] and not nbgrader(cell)["grade"] and "outputs" in cell
    graded = grade_cells(nb)
    assert [nbgrader(c)["grade_id"] for c in graded] == [f"check_{k}" for k in range(1, len(checks) + 1)]
    for k, (cell, check) in enumerate(zip(graded, checks), start=1):
        visible, hidden = source(cell).split("\n### BEGIN HIDDEN TESTS\n")
        assert visible == source(check).strip() and hidden.endswith("### END HIDDEN TESTS")
        assert f'.startswith("Exercise {k}: correct")' in hidden and nbgrader(cell)["locked"]
        assert nbgrader(cell)["points"] == (2 if k in RANDOM[key] else 1)
        assert (f'on_other_inputs("{key}", {k}, ' in hidden) == (k in RANDOM[key])
    for cell in nb["cells"]:
        if cell not in answers and cell not in graded:
            assert nbgrader(cell)["locked"] and not nbgrader(cell)["solution"], source(cell)[:60]
        assert cell.get("outputs", []) == [] and "solution" not in cell["metadata"].get("tags", [])
    assert "widgets" not in nb["metadata"]


def test_the_course_edition_of_00_checks_the_set_up_without_the_repository(monkeypatch):
    """Notebook 00 compares the nnlib imported with the repository's nnlib/ beside notebooks/: a course has none."""
    nb = teach.assignment_notebook(ROOT / "notebooks" / "00_welcome.ipynb")
    text = "\n".join(source(cell) for cell in nb["cells"])
    assert "Path.cwd().resolve().parent" not in text and "this folder's nnlib" not in text
    assert 'print(f"nnlib {nnlib.__version__}")\nassert not problems' in text  # the versions are still checked
    monkeypatch.setitem(teach.COURSE_EDITION, "00_welcome.ipynb", [(r"a line no notebook has", "")])
    with pytest.raises(ValueError, match=r"00_welcome.ipynb: the course edition's replacements .* matched \[\] times"):
        teach.assignment_notebook(ROOT / "notebooks" / "00_welcome.ipynb")


def test_the_checks_that_draw_random_inputs_are_found_in_their_modules():
    assert {key: teach.random_checks(key) for key in RANDOM} == RANDOM


def test_a_solution_becomes_comments_and_code():
    markdown = "<details><summary>Solution</summary>\n\nWhy $x = 2$.\n\n```python\nx = 2\n```\n</details>"
    assert teach.solution_region(markdown) == "# Why $x = 2$.\nx = 2"
    with pytest.raises(ValueError, match="exactly one ```python block; found 0"):
        teach.solution_region("<details>no code</details>")


def test_the_command_writes_some_notebooks_and_refuses_an_unknown_number(tmp_path, capsys):
    assert teach.main(["nbgrader", str(tmp_path), "02", "A"]) == 0
    assert sorted(p.name for p in (tmp_path / "source").iterdir()) == ["02_perceptron", "A_front_end"]
    assert "2 assignments: 02_perceptron, A_front_end" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        teach.main(["nbgrader", str(tmp_path), "99"])
    assert "no notebook with exercises numbered 99" in capsys.readouterr().err


def test_hidden_tests_catch_an_answer_fitted_to_the_visible_inputs(tmp_path, monkeypatch):
    """An answer that looks its output up for the inputs the visible check draws passes that check, and fails the
    hidden tests, which draw other inputs; the check's module gets numpy back afterwards."""
    import numpy as np

    teach.write_course(tmp_path, ["04"])
    monkeypatch.syspath_prepend(str(tmp_path / "source" / "04_forward_pass"))
    for name in [m for m in sys.modules if m == "checks" or m.startswith("checks.")]:
        monkeypatch.delitem(sys.modules, name)
    grading = importlib.import_module("grading")
    nb04 = importlib.import_module("checks.nb04")
    check = importlib.import_module("checks").exercises("04")
    table = {}

    def spy(X, layers):
        table[X.tobytes()] = nb04._nnlib_forward(X, layers)
        return table[X.tobytes()]

    def fitted(X, layers):
        return table.get(X.tobytes(), np.zeros((len(X), layers[-1][0].shape[1])))

    assert check(4, spy).startswith("Exercise 4: correct") and check(4, fitted).startswith("Exercise 4: correct")
    said = grading.on_other_inputs("04", 4, fitted)
    assert said.startswith("Exercise 4: not yet. On ") and said.endswith("(on other random inputs, salt 1)")
    assert grading.on_other_inputs("04", 4, spy).startswith("Exercise 4: correct")
    assert nb04.np is np


# ---- with nbgrader: release and autograde -------------------------------------------------------------------

def run_nbgrader(course, *args):
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # nbgrader runs `alembic`
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True,
                          env=dict(os.environ, PATH=path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout + done.stderr


def build_course(course, numbers):
    """Write the course, release every assignment, submit as "student" the released notebooks (with cell_002
    changed) and as "teacher" the source notebooks, and autograde both. Returns {assignment: autograde's log}."""
    names = teach.write_course(course, numbers)
    logs = {}
    for name in names:
        run_nbgrader(course, "generate_assignment", name)
        shutil.copytree(course / "release" / name, course / "submitted" / "student" / name)
        shutil.copytree(course / "source" / name, course / "submitted" / "teacher" / name)
        notebook = next((course / "submitted" / "student" / name).glob("*.ipynb"))
        nb = json.loads(notebook.read_text())
        loader = next(c for c in nb["cells"] if source(c).lstrip().startswith(("from checks import", "import sys")))
        loader["source"] = source(loader) + '\ncheck = lambda k, answer: f"Exercise {k}: correct"'  # full marks?
        notebook.write_text(json.dumps(nb))
        logs[name] = run_nbgrader(course, "autograde", name)
    return logs


def scores(course, name):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {student: [(grade.name, grade.score, grade.max_score)
                          for notebook in gradebook.find_submission(name, student).notebooks
                          for grade in notebook.grades]
                for student in ("student", "teacher")}


def errors(cell):
    return [o["ename"] for o in cell.get("outputs", []) if o["output_type"] == "error"]


def printed(cell):
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []) if o["output_type"] == "stream")


def check_assignment(course, name, log):
    path = next(p for p in PATHS if teach.assignment_name(p) == name)
    key = teach.notebook_key(path)
    released = json.loads(next((course / "release" / name).glob("*.ipynb")).read_text())
    text = json.dumps(released)
    # no solution text in the student's edition: no solution region, no hidden test, none of the solutions' lines
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and "on_other_inputs" not in text
    leaked = [line for line in solution_lines(path) if line in "\n".join(source(c) for c in released["cells"])]
    assert not leaked, leaked
    answers = [source(c) for c in released["cells"] if c["metadata"]["nbgrader"]["solution"]]
    assert answers == [source(c) + "\n# YOUR CODE HERE" for c in tagged(read_notebook(path), "exercise")]
    # the released notebook, autograded: every cell but the graded ones ran without error, each check printed "not
    # answered yet", each graded cell failed in its hidden test only: 0 points. cell_xxx, tampered, was put back.
    student = json.loads(next((course / "autograded" / "student" / name).glob("*.ipynb")).read_text())
    assert [source(c) for c in student["cells"] if not c["metadata"]["nbgrader"]["grade"]] == \
           [source(c) for c in released["cells"] if not c["metadata"]["nbgrader"]["grade"]]
    for cell in student["cells"]:
        if cell["cell_type"] == "code" and not cell["metadata"]["nbgrader"]["grade"]:
            assert errors(cell) == [], source(cell)[:200]
    graded = grade_cells(student)
    for k, cell in enumerate(graded, start=1):
        assert printed(cell).startswith(f"Exercise {k}: not answered yet") and errors(cell) == ["AssertionError"]
        assert "### BEGIN HIDDEN TESTS" in source(cell)  # put back by nbgrader: the release has only the print
        assert ("on_other_inputs(" in source(cell)) == (k in RANDOM[key])
    changed = re.findall(r"Attribute 'checksum' for cell (\w+) has changed", log)
    loader = next(c for c in released["cells"] if source(c).lstrip().startswith(("from checks import", "import sys")))
    assert changed == [loader["metadata"]["nbgrader"]["grade_id"]] + [f"check_{k}" for k in range(1, len(graded) + 1)]
    # (nbgrader puts back every graded cell's hidden tests the same way, and says so)
    points = [2 if k in RANDOM[key] else 1 for k in range(1, len(graded) + 1)]
    assert scores(course, name) == {
        "student": [(f"check_{k}", 0.0, float(p)) for k, p in enumerate(points, start=1)],
        "teacher": [(f"check_{k}", float(p), float(p)) for k, p in enumerate(points, start=1)]}
    teacher = json.loads(next((course / "autograded" / "teacher" / name).glob("*.ipynb")).read_text())
    assert all(errors(cell) == [] for cell in teacher["cells"])
    assert [printed(c).split(".")[0] for c in grade_cells(teacher)] == [f"Exercise {k}: correct"
                                                                         for k in range(1, len(graded) + 1)]


@pytest.fixture(scope="module")
def course_04(tmp_path_factory):
    pytest.importorskip("nbgrader", reason=NBGRADER_MISSING)
    course = tmp_path_factory.mktemp("course")
    return course, build_course(course, ["04"])


@pytest.mark.teach
def test_nbgrader_releases_and_grades_notebook_04(course_04):
    course, logs = course_04
    check_assignment(course, "04_forward_pass", logs["04_forward_pass"])


@pytest.mark.teach
def test_nbgrader_releases_and_grades_every_notebook(tmp_path):
    """Every notebook, in two courses (every other notebook each, with its own gradebook) built side by side: one
    per core."""
    from concurrent.futures import ThreadPoolExecutor

    pytest.importorskip("nbgrader", reason=NBGRADER_MISSING)
    numbers = ["A" if path.parent.name == "appendix" else path.name[:2] for path in PATHS]
    halves = {tmp_path / "even": numbers[0::2], tmp_path / "odd": numbers[1::2]}
    with ThreadPoolExecutor(len(halves)) as pool:
        built = dict(zip(halves, pool.map(build_course, halves, halves.values())))
    assert sorted(name for logs in built.values() for name in logs) == sorted(map(teach.assignment_name, PATHS))
    for course, logs in built.items():
        for name, log in logs.items():
            check_assignment(course, name, log)


def test_the_readme_shows_a_teacher_the_three_commands():
    teachers = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## For teachers\n", 1)[1].split("\n## ", 1)[0]
    block = teachers.split("**The exercises as graded assignments**", 1)[1].split("```\n", 2)[1]
    commands = [line.split("  #")[0].strip() for line in block.splitlines()]
    assert commands == ['python -m pip install -e ".[teach]" && python tools/teach.py nbgrader ../course',
                        "cd ../course && nbgrader generate_assignment 03_activations",
                        "nbgrader autograde 03_activations"]
    assert "03_activations" in [teach.assignment_name(path) for path in PATHS]
    assert ".github/workflows/notebooks.yml" in teachers
    from importlib import metadata

    from packaging.requirements import Requirement

    (nbgrader_requirement,) = [r for r in map(Requirement, metadata.requires("grok-nn")) if r.name == "nbgrader"]
    assert str(nbgrader_requirement.specifier) == ">=0.9.6" and nbgrader_requirement.marker.evaluate({"extra": "teach"})


def test_ci_installs_nbgrader_for_the_test_command_and_grades_every_notebook_after_it():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    test_command = 'python -m pip install -e ".[test]" && python -m pytest'
    assert commands.index('python -m pip install -e ".[teach]"') < commands.index(test_command) < \
        commands.index("python -m pytest -m teach")
    options = (ROOT / "pyproject.toml").read_text(encoding="utf-8").split("[tool.pytest.ini_options]", 1)[1]
    assert '"-m", "not browser and not lessons and not teach",' in options and '"teach: ' in options
