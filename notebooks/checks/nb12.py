"""Notebook 12's checks: weighted squared distances, a 4-NN vote by hand, and k-NN with and without scaling."""
import tracemalloc

import numpy as np

from . import answer, first_difference, matches, register


def _loop(A, B, w):  # the loop the exercise asks to avoid, as the reference
    return np.array([[np.sum(w * (a - b) ** 2) for b in B] for a in A])


@register("12", 1)
def weighted_sq_distances(answer):
    if not callable(answer):
        return "not yet. Answer a function weighted_sq_distances(A, B, w)."
    rng = np.random.default_rng(12)
    cases = []
    for m, n, d in ((3, 4, 2), (50, 70, 64), (1, 5, 30), tuple(rng.integers(1, 20, size=3))):
        A, B, w = rng.normal(size=(m, d)), rng.normal(size=(n, d)), rng.uniform(0, 2, size=d)
        cases.append((f"random A {A.shape}, B {B.shape}, w {w.shape}", (A, B, w)))
    where = first_difference(answer, _loop, cases, rtol=1e-9, atol=1e-9, ref="sum(w * (A[i] - B[j])**2)",
                             at=lambda args, index: f"entry {index}")
    if where:
        return f"not yet. {where}"
    A, B, w = rng.normal(size=(100, 500)), rng.normal(size=(100, 500)), rng.uniform(0, 2, size=500)
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    answer(A, B, w)
    peak = tracemalloc.get_traced_memory()[1]
    if started:
        tracemalloc.stop()
    if peak > 10 * A.nbytes:
        return (f"not yet. The numbers are right, but for A and B of shape (100, 500) your function held "
                f"{peak / 1e6:.0f} MB at once, an array of m x n x d numbers. Expand the square, weights included.")
    return "correct. All m x n weighted squared distances, with the products in one matrix product."


answer("12", 2, {"44dfc8891c3aa029abbeb1b559e73fcf4bb045a594af754952b4ebdb46edc73f"}, kind="a class label",
       correct="Votes 2 to 2; the tied class whose nearest member is nearest wins.",
       hint="Sort the points by distance to 0.5 (equal distances in training order), keep four, count the votes, "
            "and apply nnlib's rule for a tie.")

ACCURACIES = {"raw": "ce84d02706e28a7bcd480f957e569e9912ebf7c247114f1d2a801d70d978fbf2",
              "standardised": "c211bd06dc09b34a56610a8685ae7809556efed124af40b1f7272b4114c07ff3"}


@register("12", 3)
def scaling(answer):
    try:
        values = dict(zip(ACCURACIES, (float(v) for v in answer)))
    except (TypeError, ValueError):
        return "not yet. Answer two numbers: (raw, standardised)."
    off = [name for name, stored in ACCURACIES.items() if not matches("12", f"3.{name}", values[name], {stored},
                                                                      decimals=2)]
    if len(values) != 2 or off:
        return (f"not yet. Your {' and '.join(off) or 'answer'} accuracy is not what this split gives. Fit on the "
                f"training part, score the validation part, and standardise both with the training part's "
                f"statistics: standardize(X_tr, X_va).")
    return "correct. Unscaled, the areas (in the thousands) decide every distance alone."
