"""Notebook 00's checks: the bias and the weight of one sigmoid neuron."""
import numpy as np

from nnlib.activations import logistic

from . import answer, register

answer("00", 1, {"46701b5a9791da5ba4d7b7f41b9239a044f7b363d3b61b0a93b7cea8b2a1e59f"}, decimals=3,
       correct="With w = 1 the output is 0.5 where x + b = 0, so it crosses 0.5 at x = -b.",
       hint=lambda b: f"With w = 1 and b = {b}, the output at x = 2 is {logistic(2.0 + float(b)):.4f}, not 0.5.")


@register("00", 2)
def small_inputs(w):
    ys = logistic(np.array([-1.0, 1.0]) * float(w))
    if ys[0] > 0.9 and ys[1] < 0.1:
        return "correct. A negative weight turns the curve around."
    return f"not yet. With w = {w}, b = 0 the outputs at x = -1 and x = 1 are {ys[0]:.3f} and {ys[1]:.3f}."
