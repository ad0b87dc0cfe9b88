"""The exercises' checks (notebooks/checks/): the digest rule, every folded solution against its check, wrong and
missing answers, no answer written in the checks' files, and code checks that name the first input that differs.
(Not tests/test_checks.py: tests/ui/test_checks.py, the tests of nnlib.ui.checks, has that basename.)

The suite's `exercises solved` item (tests/notebook_checks.py) runs the same solutions in each notebook's own
kernel; here they run without the notebook, so that a check is tested in seconds and on more answers: the
folded solution, its rounded form (what a learner types "to 4 places"), a wrong answer and None.
"""
import importlib
import math
import re
import subprocess
import sys
from itertools import product

import numpy as np
import pytest

from conftest import NOTEBOOK_PATHS, NOTEBOOKS, read_notebook, source, tagged

sys.path.insert(0, str(NOTEBOOKS))
checks = importlib.import_module("checks")

FENCE = re.compile(r"```python\n(.*?)```", re.S)
CHECK_FILES = sorted((NOTEBOOKS / "checks").glob("*.py"))
# The solutions that need what their notebook computed (its data, its experiments): their answers as the notebook's
# solution gives them (the `exercises solved` item checks them there). Every other solution runs here.
NEEDS_THE_NOTEBOOK = {("11", 2): 99, ("11", 4): 0.3, ("12", 3): (0.9035087719298246, 0.9824561403508771)}


def key(path):
    return "appendix" if path.parent.name == "appendix" else path.name[:2]


def namespace(nb):
    """What a solution may use: numpy, math, product, nnlib's public names, and the notebook's Exercises cell."""
    names = {"np": np, "math": math, "product": product}
    for module in ("activations", "autograd", "bias_variance", "callbacks", "data", "gradcheck", "layers",
                   "least_squares", "losses", "metrics", "model", "neighbors", "neurons", "optim", "recipe"):
        imported = importlib.import_module(f"nnlib.{module}")
        names.update({n: getattr(imported, n) for n in getattr(imported, "__all__", dir(imported)) if not n.startswith("_")})
    names["corners"] = names["binary_inputs"](2)  # notebook 01's corners of the square
    setup = next(source(c) for c in nb["cells"] if c["cell_type"] == "code" and "from checks import exercises" in source(c))
    exec(setup, names)
    return names


def exercises_of(path):
    """[(k, name, solution answer)] of one notebook."""
    nb = read_notebook(path)
    names = namespace(nb)
    found = []
    for k, (exercise, solution) in enumerate(zip(tagged(nb, "exercise"), tagged(nb, "solution")), start=1):
        name = re.match(r"\s*(\w+)\s*=", source(exercise)).group(1)
        if (key(path), k) in NEEDS_THE_NOTEBOOK:
            found.append((k, name, NEEDS_THE_NOTEBOOK[key(path), k]))
            continue
        scope = dict(names)
        exec(FENCE.findall(source(solution))[0], scope)
        found.append((k, name, scope[name]))
    return found


CASES = [(key(p), p) for p in NOTEBOOK_PATHS]
IDS = [k for k, _ in CASES]


def is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def rounded(value, places=4):
    """A learner's form of an answer: numbers to `places` decimals, elementwise."""
    if is_number(value):
        return round(float(value), places)
    if type(value) in (tuple, list):
        return type(value)(rounded(v, places) for v in value)
    return value


def wrong(value):
    """An answer that is not the solution's, of the same kind."""
    if is_number(value):
        return int(value) + 1 if float(value).is_integer() and abs(value) >= 1 else -1.1 * float(value) - 0.7
    if type(value) in (tuple, list):
        return type(value)(wrong(v) for v in value)
    if isinstance(value, dict):
        return {k: "overfitting" if v != "overfitting" else "good fit" for k, v in value.items()}
    if isinstance(value, str):
        return "diverges" if value != "diverges" else "creep"
    return lambda *args, **kwargs: 0  # in place of a function or a class


def texts_of(value):
    """The texts an answer could be written as in a file: to 2, 3 and 4 decimals, and as written (%g)."""
    if type(value) in (tuple, list):
        return {t for v in value for t in texts_of(v)}
    if isinstance(value, str):
        return {value}
    if is_number(value):
        x = float(value)
        if x.is_integer():
            return {str(int(x))}
        return {f"{x:.2f}", f"{x:.3f}", f"{x:.4f}", f"{x:g}"}
    return set()


# --- the digest rule and the machinery


def test_canonical_rounds_numbers_as_stated_and_writes_the_rest_exactly():
    assert checks.canonical(0.12499999, decimals=3) == checks.canonical(0.125, decimals=3) == "0.125"
    assert checks.canonical(-0.0354, sig=3) == checks.canonical(-0.035448, sig=3) == "-3.54e-02"
    assert checks.canonical(-0.0001, decimals=3) == "0.000"  # no "-0.000"
    assert checks.canonical(693) == checks.canonical(693.0) == checks.canonical(np.int64(693)) == "693"
    with pytest.raises(ValueError):
        checks.canonical(692.8)  # a fraction needs a stated rounding
    assert checks.canonical("  Good Fit ") == "good fit"
    assert checks.canonical(([0.5, 0], np.float64(0.0)), decimals=3) == "[[0.500,0.000],0.000]"
    assert checks.canonical((np.array([0.5, 0.0]), 0), decimals=3) == "[[0.500,0.000],0.000]"


def test_a_digest_is_salted_with_the_notebook_and_the_exercise():
    d = checks.digest("09", 1, 0.125, decimals=3)
    assert re.fullmatch(r"[0-9a-f]{64}", d)
    assert d == checks.digest("09", 1, 0.12499999, decimals=3)
    assert len({d, checks.digest("09", 2, 0.125, decimals=3), checks.digest("08", 1, 0.125, decimals=3),
                checks.digest("09", 1, 0.126, decimals=3)}) == 4
    assert checks.matches("09", 1, 0.125, {d}, decimals=3) and not checks.matches("09", 1, "x", {d}, decimals=3)


def test_the_digest_tool_prints_the_same_digest():
    out = subprocess.run([sys.executable, "-m", "checks", "digest", "09", "1", "0.125", "--decimals", "3"],
                         cwd=NOTEBOOKS, capture_output=True, text=True, check=True).stdout.strip()
    assert out == checks.digest("09", 1, 0.125, decimals=3)
    out = subprocess.run([sys.executable, "-m", "checks", "digest", "10", "1.C", "good fit"],
                         cwd=NOTEBOOKS, capture_output=True, text=True, check=True).stdout.strip()
    assert out == checks.digest("10", "1.C", "good fit")


def test_first_difference_names_the_first_case_and_entry_that_differ():
    reference = lambda x: 2 * x
    yours = lambda x: np.where(x > 2.5, 3 * x, 2 * x)  # wrong only above 2.5
    cases = [(f"case {i}", (np.arange(4.0) + i,)) for i in range(3)]
    assert checks.first_difference(reference, reference, cases) is None
    said = checks.first_difference(yours, reference, cases, ref="twice x")
    assert said == "On case 0, at 3 yours gives 9; twice x gives 6.", said
    said = checks.first_difference(yours, reference, cases[1:], at=lambda args, i: f"at x = {args[0][i]:g}")
    assert said.startswith("On case 1, at x = 3 yours gives 9;"), said
    assert "raised ZeroDivisionError" in checks.first_difference(lambda x: 1 / 0, reference, cases)
    assert "returned shape (2,)" in checks.first_difference(lambda x: x[:2], reference, cases)


# --- every notebook's checks


@pytest.fixture(autouse=True)
def _classes_put_back(classes):
    """The solutions define classes (notebook 03's Swish) that file themselves in nnlib.config.CLASSES: the
    conftest fixture puts the registry back after each test, so a later test's class of that name is its own."""
    yield


@pytest.mark.parametrize("notebook, path", CASES, ids=IDS)
def test_every_solution_is_correct_and_none_is_not_answered(notebook, path):
    check = checks.exercises(notebook)
    found = exercises_of(path)
    assert [k for k, _, _ in found] == sorted(checks.REGISTRY[notebook]), "one check per exercise, numbered as in the notebook"
    for k, name, answer in found:
        assert check(k, answer).startswith(f"Exercise {k}: correct"), (k, check(k, answer))
        assert check(k, rounded(answer)).startswith(f"Exercise {k}: correct"), (k, rounded(answer), check(k, rounded(answer)))
        assert check(k, None).startswith(f"Exercise {k}: not answered yet"), k


@pytest.mark.parametrize("notebook, path", CASES, ids=IDS)
def test_a_wrong_answer_is_not_yet_and_its_hint_does_not_tell(notebook, path):
    check = checks.exercises(notebook)
    for k, name, answer in exercises_of(path):
        said = check(k, wrong(answer))
        assert said.startswith(f"Exercise {k}: not yet. "), (k, said)
        told = [t for t in texts_of(answer) if re.search(rf"(?<![\w.]){re.escape(t)}(?![\w])", said)]
        assert not told or all(t in texts_of(wrong(answer)) for t in told), (k, said, told)


@pytest.mark.parametrize("notebook, path", CASES, ids=IDS)
def test_no_answer_is_written_in_the_checks(notebook, path):
    """No number of two or more significant digits that a solution answers, and no short answer, appears in the
    notebook's check module or in the machinery, as 2, 3 or 4 decimals or as written (numbers of one significant
    digit, such as 4 or 0.3, are too common in code to scan for)."""
    module = NOTEBOOKS / "checks" / ("appendix.py" if notebook == "appendix" else f"nb{notebook}.py")
    files = {f.name: f.read_text(encoding="utf-8") for f in (module, NOTEBOOKS / "checks" / "__init__.py")}
    for k, name, answer in exercises_of(path):
        if callable(answer):
            continue
        values = answer.values() if isinstance(answer, dict) else [answer]
        for text in {t for v in values for t in texts_of(v)}:
            if len(re.sub(r"[-.0]", "", text)) < 2:  # one significant digit (4, 0.3, 0.50): too common to scan for
                continue
            pattern = re.compile(rf"(?<![\w.]){re.escape(text)}(?![\w])", re.I)
            for file_name, content in files.items():
                hits = [line for line in content.splitlines() if pattern.search(line)]
                assert not hits, f"exercise {k}'s answer {text!r} is written in {file_name}: {hits}"


def test_every_check_file_is_a_module_of_a_notebook():
    modules = {f.stem for f in CHECK_FILES} - {"__init__", "__main__"}
    assert modules == {f"nb{k}" for k, _ in CASES if k != "appendix"} | {"appendix"}


# --- code checks name the first input on which the learner's code and the reference differ


def _relu_on_every_layer(X, layers):
    for W, b in layers:
        X = np.maximum(X @ W + b, 0)
    return X


def _without_weights(A, B, w):
    return (A**2).sum(axis=1)[:, None] - 2 * A @ B.T + (B**2).sum(axis=1)[None, :]


def _mean_of_rows_only(C):
    C = np.asarray(C, dtype=float)
    return C / np.maximum(C.sum(), 1)


@pytest.mark.parametrize("notebook, k, answer, expected", [
    ("04", 4, _relu_on_every_layer, r"^Exercise 4: not yet\. On the random 3-5-4-2 network, at \(\d, \d\) forward "
                                     r"gives 0; nnlib's Dense layers with the same weights gives -?\d"),
    ("12", 1, _without_weights, r"^Exercise 1: not yet\. On random A \(3, 2\), B \(4, 2\), w \(2,\), entry \(0, 0\) "
                                r"yours gives [\d.]+; sum\(w \* \(A\[i\] - B\[j\]\)\*\*2\) gives [\d.]+\.$"),
    ("05", 4, lambda y_pred, y: 2 * (y_pred - y) / y.size,
     r"^Exercise 4: not yet\. On random y_pred and y of shape \(6, 1\), at \(0, 0\) \(residual r = -?[\d.]+\) yours "),
    ("08", 4, lambda history, patience: (history.epoch[-1], None),
     r"^Exercise 4: not yet\. diagnose\(history, patience=\d\) with val_loss \[[\d., ]+\] returned best_epoch \d+; "
     r"nnlib's EarlyStopping finds \d+"),
    ("appendix", 1, _mean_of_rows_only, r"^Exercise 1: not yet\. For the random C = \[\[\d"),
    ("03", 4, lambda: None, r"^Exercise 4: not yet\. Swish must be a class"),
    ("07", 4, lambda hvp, dim: (1.0, 1.9), r"^Exercise 4: not yet\. On a random 2-D bowl \(eigenvalues [\d., ]+\), "
                                           r"your lam_max is 1, the largest eigenvalue [\d.]+ \(within 1% needed\)"),
    ("11", 3, lambda A, y: np.linalg.lstsq(A, y, rcond=None)[0] + 1e-3, r"^Exercise 3: not yet\. On a random 5 x 9 matrix, A w is not y"),
])
def test_a_code_check_names_the_first_input_that_differs(notebook, k, answer, expected):
    said = checks.exercises(notebook)(k, answer)
    assert re.search(expected, said), said


def test_a_check_that_raises_says_so_instead_of_failing():
    said = checks.exercises("13")(3, lambda p, y: 1 / 0)
    assert said == "Exercise 3: not yet. Your answer raised ZeroDivisionError: division by zero", said
