"""Notebook 11's checks: bias and variance by hand, the peak with a bias unit, the minimum-norm interpolant, and
the penalty that flattens the peak."""
import numpy as np

from nnlib.least_squares import min_norm_solve

from . import answer, matches, register

BIAS_VARIANCE = {"c12f44bd27e5a85b838557e8137c942ad05777ee9e70a017dc8d5f8f8858416d"}


def _bias_variance_hint(a):
    b, v = (float(x) for x in a)
    if matches("11", 1, (b, v * 3 / 4), BIAS_VARIANCE, decimals=3):
        return "The variance here divides by the number of fits, 4 (not 3): see bias_variance."
    return f"({b:g}, {v:g}): first the mean of the four fits, then bias^2 from it and the variance around it."


answer("11", 1, BIAS_VARIANCE, decimals=3, kind="two numbers (bias2, variance)",
       correct="The mean fit is 1.0: bias^2 = 0.2^2; the variance is (0 + 0.16 + 0.16 + 0) / 4.",
       hint=_bias_variance_hint)


def _peak_hint(p):
    if float(p) == 100:
        return "That is where the hidden units alone match the points: count every weight the readout fits."
    return "Look for the p at which the matrix the readout solves, the new column included, is square."


answer("11", 2, {"ac4ba56988947066b9199c1d770ff8d67c5c6f9ee80245f20cc208e1458a0cd0"}, kind="a whole number",
       correct="The peak sits where the readout's matrix is square: p + 1 columns (the units and the constant) "
               "for n = 100 rows, one unit fewer than without the bias.", hint=_peak_hint)


@register("11", 3)
def min_norm_wide(answer):
    if not callable(answer):
        return f"not yet. Answer a function min_norm_wide(A, y); got {type(answer).__name__}."
    rng = np.random.default_rng(11)
    for n, p in ((5, 9), (20, 60), (50, 51), tuple(sorted(rng.integers(2, 40, size=2) + [0, 41]))):
        A, y = rng.normal(size=(n, p)), rng.normal(size=n)
        try:
            w = np.asarray(answer(A.copy(), y.copy()), dtype=float)
        except Exception as error:  # the learner's code may fail in any way: say how
            return f"not yet. On a random {n} x {p} matrix it raised {type(error).__name__}: {error}"
        if w.shape != (p,):
            return f"not yet. On a random {n} x {p} matrix it returned shape {w.shape}, not ({p},)."
        if not np.allclose(A @ w, y, atol=1e-8):
            return f"not yet. On a random {n} x {p} matrix, A w is not y: the solution must interpolate."
        best = min_norm_solve(A, y)
        if not np.allclose(w, best, atol=1e-8):
            i = int(np.argmax(~np.isclose(w, best, atol=1e-8)))
            return (f"not yet. On a random {n} x {p} matrix, A w = y but |w| = {np.linalg.norm(w):.4f}, not the "
                    f"least norm {np.linalg.norm(best):.4f} (w[{i}] is {w[i]:.4g}, min_norm_solve's {best[i]:.4g}): "
                    f"w must be A^T times something.")
    return "correct. A^T (A A^T)^(-1) y, the minimum-norm interpolant, agrees with min_norm_solve on four random wide matrices."


def _penalty_hint(l2):
    return (f"{l2}: measure the ratio for each penalty of the exercise's grid in turn, from the smallest, with "
            f"double_descent(100, widths, NOISE, l2=..., draws=10), and stop at the first at most 1.25.")


answer("11", 4, {"140ce1e14b9ebbdd3be30aa51a3777dd1540656d4fa0d1a5f2a068a4335f617a"}, decimals=3,
       correct="The smallest penalty on the grid that brings the error at p = n within 1.25 times the curve's lowest.",
       hint=_penalty_hint)
