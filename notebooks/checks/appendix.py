"""The appendix notebook's checks (front_end.ipynb): the shares a confusion matrix is coloured by, and a recipe step."""
import numpy as np

from nnlib.data import standardize
from nnlib.recipe import Step, code, run

from . import register


@register("appendix", 1)
def row_shares(answer):
    import matplotlib.pyplot as plt
    from nnlib.ui.confusion import ConfusionMatrixPlot

    rng = np.random.default_rng(7)
    figure = plt.figure()
    try:
        for trial in range(20):
            K = int(rng.integers(2, 6))
            C = rng.integers(0, 9, size=(K, K))
            C[rng.integers(0, K)] = 0  # a class with no samples
            want = np.asarray(ConfusionMatrixPlot(figure.add_subplot(), K).update(C).image.get_array())
            try:
                got = np.asarray(answer(C.copy()), dtype=float)
            except Exception as error:  # the learner's code may fail in any way: say how
                return f"not yet. For the random C = {C.tolist()}, row_shares raised {type(error).__name__}: {error}."
            if got.shape != want.shape or not np.allclose(got, want):
                return (f"not yet. For the random C = {C.tolist()} the plot colours {np.round(want, 3).tolist()}; "
                        f"yours gives {np.round(got, 3).tolist()}. Divide each row by its own sum; a row of zeros "
                        f"stays 0.")
    finally:
        plt.close(figure)
    return "correct. Each cell is its share of its row: the diagonal is each class's recall."


@register("appendix", 2)
def standardize_step(answer):
    if not isinstance(answer, list) or not all(isinstance(step, Step) for step in answer):
        return f"not yet. Answer with a list of Step objects; got {type(answer).__name__}."
    rng = np.random.default_rng(8)
    A, B = rng.normal(3, 2, size=(20, 2)), rng.normal(3, 2, size=(5, 2))
    try:
        env = run(answer, {"X_train": A.copy(), "X_val": B.copy()})
    except Exception as error:
        return f"not yet. run(steps) raised {type(error).__name__}: {error}."
    for name, expected in zip(("X_train", "X_val"), standardize(A, B)):
        if not np.allclose(env.get(name), expected):
            return f"not yet. After your steps on random points, {name} is not standardize's: pass both arrays to it."
    text = code(answer)
    if "standardize(X_train, X_val)" not in text or "from nnlib.data import standardize" not in text:
        return f"not yet. The code reads:\n{text}\nIt should call standardize on both, by their names."
    return "correct. One step, run and written out by the same description:\n" + text
