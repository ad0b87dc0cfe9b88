"""Notebook 01's checks: threshold units and networks, on every input; how many functions one unit computes."""
import numpy as np

from nnlib.neurons import binary_inputs

from . import answer, register

# what each building exercise asks for, as the exercise states it: a function of the inputs x1, x2 (0 or 1)
ASKED = {1: ("x1 AND NOT x2", lambda x1, x2: x1 * (1 - x2)),
         2: ("NOR", lambda x1, x2: (1 - x1) * (1 - x2)),
         4: ("XNOR", lambda x1, x2: 1 - (x1 ^ x2))}


def unit_check(k):
    what, asked = ASKED[k]

    def check(unit):
        if type(unit).__name__ not in ("McCullochPitts", "ThresholdNetwork"):  # the notebook's classes or nnlib's
            return f"not yet. Expected a McCullochPitts unit or a ThresholdNetwork, got {type(unit).__name__}."
        for x in binary_inputs(2):  # two binary inputs: all four cases are the inputs there are
            got, want = int(np.ravel(unit(x[None, :]))[0]), int(asked(*x))
            if got != want:
                return f"not yet. On input {tuple(x.tolist())} yours gives {got}; {what} gives {want}."
        return f"correct. It computes {what}."
    return register("01", k)(check)


for _k in ASKED:
    unit_check(_k)

answer("01", 3, {"568a9f257704f015ea95c0fa0731f91f971533144168b5f8da8ed87bbad29cba"}, kind="a whole number",
       correct="All but XOR and XNOR are linearly separable.",
       hint=lambda count: f"{count} is not the number of functions one unit can compute: list the 16 target columns "
                          f"(itertools.product([0, 1], repeat=4)) and count those find_threshold_units finds a unit for.")
