"""Notebook 10's checks: three runs diagnosed, an L2 step, a GaussianNoise layer, the size of a validation set."""
from fractions import Fraction

import numpy as np

from nnlib.data import moons
from nnlib.layers import Dense
from nnlib.model import Sequential
from nnlib.optim import Adam

from . import matches, register, answer

RUNS = {"A": "41d6431ca51eb75a5527b7a12335ec1237b9224aecec0baf2475e9183b8c651f",  # each run's diagnosis, apart
        "B": "855912e6ffc9288e578f680d0b837e93117e22e0d24259be2e637b57fcaa53a2",
        "C": "c7603f30723e9b62b9fdb5643df3e167b98f0789816389c3dacaa9dd87cff6e9"}


@register("10", 1)
def three_runs(answer):
    if not isinstance(answer, dict):
        return f"not yet. Answer with a dict {{'A': ..., 'B': ..., 'C': ...}}; got {type(answer).__name__}."
    for name, stored in RUNS.items():
        if not matches("10", f"1.{name}", answer.get(name, ""), {stored}):
            return (f"not yet. Run {name}: {answer.get(name)!r} is not what its errors say; compare the training error "
                    f"with 15% first, then the validation error with the training error, and watch the validation loss.")
    return "correct. A cannot fit its own data; B fits it perfectly while its validation error climbs; C's errors are low and close."


answer("10", 2, {"13e69761329bfcb8851de20bc780e1ac8a7df586fb8860f8ea64755bda6f88a9"}, decimals=3,
       correct="w - lr (g + 2 lambda w) = 0.5 - 0.1 (0.2 + 0.01).",
       hint=lambda a: f"{a}: the L2 penalty lambda w^2 adds its own gradient to the data's gradient 0.2.")


def _fit_twice(layer_class, X, y):
    histories = []
    for _ in range(2):
        model = Sequential([Dense(16, "relu", input_dim=2), layer_class(0.3), Dense(1, "sigmoid")])
        model.compile(Adam(0.01), "binary_crossentropy")
        histories.append(model.fit(X, y, epochs=5, batch_size=None, rng=10, verbose=0).history)
    return histories


@register("10", 3)
def gaussian_noise(answer):
    rng = np.random.default_rng(10)
    try:
        layer = answer(0.3)
        if not all(callable(getattr(layer, name, None)) for name in ("build", "forward", "backward")):
            return "not yet. GaussianNoise must be a subclass of nnlib.layers.Layer (the layer contract)."
        x = rng.normal(size=(4000, 5))
        if layer.build(5, np.random.default_rng(0)) != 5:
            return "not yet. build(input_dim, rng) must return the output width, input_dim."
        if not np.array_equal(layer.forward(x, training=False), x):
            return "not yet. At prediction (training=False) the layer must return its input unchanged."
        noise = layer.forward(x.copy(), training=True) - x
        if abs(noise.mean()) > 0.02 or abs(noise.std() - 0.3) > 0.02:
            return (f"not yet. In training, on random inputs, output - input has mean {noise.mean():.3f} and standard "
                    f"deviation {noise.std():.3f}; expected 0 and 0.3 (stddev).")
        G = rng.normal(size=x.shape)
        if not np.array_equal(layer.backward(G), G):
            return "not yet. The noise does not depend on x: what is dL/dx when y = x + noise?"
        X, y = moons(200, rng=1)
        runs = _fit_twice(answer, X, y)
    except Exception as error:  # the learner's code may fail in any way: say how
        return (f"not yet. It raised {type(error).__name__}: {error} (expected: a Layer subclass whose "
                f"__init__(self, stddev) calls super().__init__())")
    if runs[0] != runs[1]:
        return "not yet. Two fits with the same seed differ: draw the noise from the rng build receives."
    return "correct. A layer of your own, through the contract; fit runs it, reproducibly."


def _bound_hint(n):
    p, limit = Fraction(1, 10), Fraction(1, 100)
    n = int(n)
    if n < 1:
        return f"{n}: the answer is a number of points, at least 1."
    if 4 * p * (1 - p) / n > limit**2:  # (2 SE)^2 > (1 point)^2, in exact arithmetic
        return (f"With n = {n}, two standard errors of 10% are {2 * np.sqrt(0.09 / n):.2%}, more than 1 point: "
                f"solve 2 sqrt(p (1 - p) / n) <= 0.01 for n.")
    return f"n = {n} is enough, but it is not the smallest n that is."


answer("10", 4, {"45e2bb1b41dc42395c2f43d595d67a9e1cab71a7a2ac3f0c4d623424479a842a"}, kind="a whole number",
       correct="Two standard errors of 10% are then 1 point; on the 500 validation points of this notebook they are "
               f"{2 * np.sqrt(0.09 / 500):.1%}.", hint=_bound_hint)
