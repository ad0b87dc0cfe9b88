"""Notebook 09's checks: momentum and Adam by hand, Adam's bias correction, and AMSGrad."""
import math

import numpy as np

from nnlib.optim import Adam

from . import answer, register

answer("09", 1, {"f29ce58d3ab875fa23d92a7777d43aff5b8498ba259c007be0e442de122a3f0c"}, decimals=3,
       correct="v = 2, w = 0.8; v = 2.6, w = 0.54; v = 2.38, and the third step lands there.",
       hint=lambda a: f"{a} is not w after three steps; at each step g = 2w, v = 0.5 v + g, w = w - 0.1 v, "
                      f"starting from v = 0.")


def _bias_hint(t):
    t = int(t)
    factor = 1 - 0.999**t
    return (f"At t = {t} the raw v_t is {factor:.4f} of E[g^2] on average: the smallest t with 1 - beta2^t >= 0.5 is "
            f"{'later' if factor < 0.5 else 'earlier'}.")


answer("09", 2, {"4878c67c550f2e57f814e4107c5fcd2a0a67d999369f4d8cd218b53da6646981"}, kind="a whole number",
       correct="1 - 0.999^t first reaches 0.5 there (ln 0.5 / ln 0.999 = 692.8).", hint=_bias_hint)

answer("09", 3, {"8fd0a97d14ff541fed697f9aecc24e7d66884d1d3767d8f90a9f06b2863c90cd"}, decimals=3,
       correct="Adam's first step is lr times the sign of the gradient (up to eps), against the gradient.",
       hint=lambda a: f"{a}: at t = 1, m_hat = g and v_hat = g^2; the step is -lr m_hat / (sqrt(v_hat) + eps).")


@register("09", 4)
def amsgrad(answer):
    if not (isinstance(answer, type) and callable(getattr(answer, "step", None))):  # the notebook's Optimizer or nnlib's
        return f"not yet. exercise_4 must be an Optimizer subclass (the class itself); got {answer!r:.60}."
    if any(base.__name__ in ("Adam", "AdamW") for base in answer.__mro__):
        return "not yet. That is built on nnlib's Adam: write update(param, grad, state) yourself."
    rng = np.random.default_rng(9)
    envelope = np.where(np.arange(60) < 20, 1.0, 0.01)[:, None]  # large gradients, then small ones
    gradients = rng.normal(size=(60, 3)) * [1e-3, 1.0, 100.0] * envelope  # three scales
    start = rng.normal(size=3)
    yours, theirs = start.copy(), start.copy()
    reference, largest = Adam(lr=0.01), np.zeros(3)  # nnlib's Adam keeps m and v; the check keeps their max
    try:
        optimizer = answer(lr=0.01)
        for step, g in enumerate(gradients, start=1):
            optimizer.step([yours], [g.copy()])
            before = theirs.copy()
            reference.step([theirs], [g.copy()])
            state = reference.state[0]
            largest = np.maximum(largest, state["v"])
            theirs = before - 0.01 / (1 - 0.9**step) * state["m"] / (np.sqrt(largest) / math.sqrt(1 - 0.999**step)
                                                                      + 1e-8)
            if step == 1 and np.array_equal(yours, start):
                return "not yet. The first step left param as it was: change it in place (param -= ...)."
            if not np.allclose(yours, theirs, rtol=1e-9, atol=1e-12):
                i = int(np.argmax(np.abs(yours - theirs)))
                hint = ("at t = 1 every parameter moves by lr, as in Adam: check the bias corrections and that eps "
                        "is added after the square root" if step == 1 else
                        "the steps before agree: check what carries over in state from step to step, and which v "
                        "the denominator uses")
                return (f"not yet. On random gradients, step {step} is the first that differs: parameter {i} "
                        f"(gradient {g[i]:.4g}) is {yours[i]:.8f}, the check's AMSGrad gives {theirs[i]:.8f}; {hint}.")
    except Exception as error:  # the learner's code may fail in any way: say how
        return (f"not yet. Running {answer.__name__}(lr=0.01) raised {type(error).__name__}: {error} (expected: an "
                f"Optimizer subclass whose __init__ calls super().__init__(lr))")
    return ("correct. Your AMSGrad agrees with the check's for 60 steps on random gradients of sizes 0.001, 1 and "
            "100 that shrink a hundredfold after step 20.")
