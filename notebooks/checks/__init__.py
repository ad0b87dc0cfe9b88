"""The exercises' checks, kept out of the learner's sight (issue 28).

A notebook loads its checks in one cell, and each check cell prints what its check says:

    from checks import exercises
    check = exercises("09")           # notebooks/checks/nb09.py; the appendix notebook: exercises("appendix")
    ...
    print(check(1, exercise_1))

A check answers "Exercise k: not answered yet ..." for None, "Exercise k: correct. ..." for a right answer (it
may explain the answer: it is only seen after answering) and "Exercise k: not yet. <hint>" otherwise (a hint
helps without telling). The nbgrader edition calls the same checks.

Two kinds of check, neither holding an answer:

- A number or a short answer is compared with stored digests (`digest`) of the rounded answer, never with the
  answer itself: `matches`. An exercise may store several digests (acceptable forms of one answer).
- Code is run beside a reference (nnlib's own version, or what the exercise states) on random inputs drawn from
  np.random.default_rng(seed): `first_difference` names the first input on which the two disagree.

The digest rule: sha256 (hex) of the salt "grok-nn/{notebook}/{k}/" followed by the answer's canonical text
(`canonical`): a number with `decimals` given is written with that many decimals, with `sig` given with that
many significant digits (so that 0.12499999 and 0.125 both give "0.125"), and otherwise must be a whole number,
written exactly; a string is stripped and lower-cased; a tuple, list or array is written elementwise in
brackets. k is the exercise's number, or a text such as "1.A" for a part of exercise 1.

A notebook's module (nb00.py ... nb13.py, appendix.py) files each check in REGISTRY, with `answer` (a number or
short answer: its digests, the text for a right answer, a hint) or the decorator `register` (any other check).

To make a digest, from notebooks/:  python -m checks digest 09 1 0.125 --decimals 3
"""
import copy
import hashlib
import importlib
import math

import numpy as np

REGISTRY = {}  # {notebook: {k: check}}; a check takes an answer (not None) and returns "correct. ..." or "not yet. ..."


def canonical(value, decimals=None, sig=None):
    """The text a digest is made of (see the module's docstring)."""
    if isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ",".join(canonical(v, decimals, sig) for v in value) + "]"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"expected a number, a string or a sequence of them; got {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x):
        return str(x)
    if decimals is not None:
        text = f"{x:.{decimals}f}"
    elif sig is not None:
        text = f"{x:.{sig - 1}e}"
    elif x.is_integer():
        return str(int(x))
    else:
        raise ValueError(f"{value!r} is not a whole number (give decimals or sig to round it)")
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.000"


def digest(notebook, k, value, decimals=None, sig=None):
    """sha256 hex of "grok-nn/{notebook}/{k}/" + canonical(value, decimals, sig)."""
    text = f"grok-nn/{notebook}/{k}/" + canonical(value, decimals, sig)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def matches(notebook, k, value, digests, decimals=None, sig=None):
    """Whether value, rounded as stated, has one of the stored digests (False for what cannot be written)."""
    try:
        return digest(notebook, k, value, decimals, sig) in digests
    except (TypeError, ValueError):
        return False


def register(notebook, k):
    """Decorator: file a check function as exercise k of a notebook."""
    def add(check):
        REGISTRY.setdefault(notebook, {})[k] = check
        return check
    return add


def answer(notebook, k, digests, correct, hint, decimals=None, sig=None, kind="a number"):
    """Register the check of a number or short answer: right when it has one of the digests. correct: the text
    after "correct. "; hint: the text after "not yet. ", or a function of the answer that returns it; kind: what
    the answer must be ("a number", "a whole number", "a pair (rows, columns)", ...), said when it cannot be
    written down; "a name" for an answer that is a text."""
    def check(value):
        try:
            if isinstance(value, str) != (kind == "a name"):
                raise TypeError(kind)
            canonical(value, decimals, sig)
        except (TypeError, ValueError):
            return f"not yet. {value!r:.60} is not {kind}."
        if matches(notebook, k, value, digests, decimals, sig):
            return "correct. " + correct
        return "not yet. " + (hint(value) if callable(hint) else hint)
    return register(notebook, k)(check)


def show(value, digits=6):
    """A short text for a value in a message: numbers to `digits` significant digits, arrays as lists."""
    if isinstance(value, np.ndarray):
        return str(np.round(value.astype(float), digits).tolist()) if value.dtype.kind in "fiub" else repr(value)
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}g}"
    return repr(value)


def first_difference(yours, reference, cases, rtol=1e-9, atol=1e-12, name="yours", ref="the reference", at=None):
    """Run yours(*args) and reference(*args) on each case, (description, args), in turn: None when they agree
    (np.isclose everywhere, same shape) on every case, else a text naming the first case, and in it the first
    entry, where they differ. Each side gets its own copy of the arguments. name, ref: what the text calls the
    two; at(args, index): how it names an entry (default: "at (i, j)")."""
    for description, args in cases:
        want = np.asarray(reference(*copy.deepcopy(args)), dtype=float)
        try:
            got = yours(*copy.deepcopy(args))
        except Exception as error:  # the learner's code may fail in any way: say how
            return f"On {description}, {name} raised {type(error).__name__}: {error}."
        if got is None:
            return f"On {description}, {name} returned None: return the result."
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return f"On {description}, {name} returned {got!r:.80}, not numbers."
        if got.shape != want.shape:
            return f"On {description}, {name} returned shape {got.shape}; expected {want.shape}."
        wrong = np.argwhere(~np.isclose(got, want, rtol=rtol, atol=atol))
        if len(wrong):
            index = tuple(int(i) for i in wrong[0])
            entry = at(args, index) if at else f"at {index[0] if len(index) == 1 else index}" if index else ""
            return f"On {description}, {entry + ' ' if entry else ''}{name} gives {show(got[index])}; {ref} gives " \
                   f"{show(want[index])}."
    return None


def exercises(notebook):
    """The function a notebook's check cells call: check(k, answer) -> the text to print."""
    module = "appendix" if notebook == "appendix" else f"nb{notebook}"
    importlib.import_module(f"{__name__}.{module}")  # registers the notebook's checks
    checks = REGISTRY[notebook]

    def check(k, answer):
        if answer is None:
            return f"Exercise {k}: not answered yet (replace None above)."
        try:
            said = checks[k](answer)
        except Exception as error:  # the learner's code may fail in any way: say how
            said = f"not yet. Your answer raised {type(error).__name__}: {error}"
        return f"Exercise {k}: {said}"

    check.__doc__ = f"check(k, answer): notebook {notebook}'s check of exercise k, as a text to print."
    return check
