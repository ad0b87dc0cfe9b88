"""Notebook 05's checks: two cross-entropies and a gradient by hand, and the Huber loss's gradient."""
import numpy as np

from nnlib.gradcheck import numerical_gradient

from . import answer, first_difference, register

answer("05", 1, {"b8c30bed9b80eb4a9bfcc9cd3b6ea65a0886baa2d9adac7f295a7cadb844d227"}, decimals=3,
       correct="(-ln 0.8 - ln 0.6) / 2: the second example has y = 0, so it costs -ln(1 - p).",
       hint=lambda a: f"{a} is not the mean; an example with y = 1 costs -ln p, one with y = 0 costs -ln(1 - p).")

answer("05", 2, {"1cf07b79403fde2d3fa66921eb8b45d2975edf60116277545fd12a631e1ae2a7"}, decimals=3,
       correct="dl/dz = p - y = sigmoid(2) - 0.",
       hint=lambda a: f"{a} is not dl/dz; with sigmoid + cross-entropy it is p - y, with p = sigmoid(z) and this "
                      f"example's own label.")

answer("05", 3, {"7decbde9f7fe64ee68a04a8921c57a090e6b01e7f6e6dde594fafeaaaebd4813"}, decimals=3,
       correct="(-ln 0.7 - ln 0.1) / 2: only the true class's probability counts.",
       hint=lambda a: f"{a} is not the mean of -ln p_c; take the probability of each row's true class.")


def huber(y_pred, y, delta=1.0):
    """The Huber loss: the mean over all N entries of r^2 / 2 for |r| <= delta and delta (|r| - delta / 2) beyond,
    with r = y_pred - y."""
    r = np.abs(y_pred - y)
    return np.where(r <= delta, r**2 / 2, delta * (r - delta / 2)).sum() / r.size


def _huber_slopes(y_pred, y):  # the reference: central differences of the loss itself
    return numerical_gradient(lambda v: huber(v, y), y_pred.astype(float), h=1e-6)


@register("05", 4)
def huber_gradient(gradient):
    if not callable(gradient):
        return f"not yet. exercise_4 must be a function exercise_4(y_pred, y); got {type(gradient).__name__}."
    rng = np.random.default_rng(5)
    cases = []
    for shape in ((6, 1), (4, 3), (2, 5)):
        y = rng.normal(size=shape)
        size = np.where(rng.random(shape) < 0.5, rng.uniform(0.1, 0.9, shape), rng.uniform(1.1, 3.0, shape))
        y_pred = y + rng.choice([-1.0, 1.0], size=shape) * size  # residuals on both sides of delta = 1, none near it
        cases.append((f"random y_pred and y of shape {shape}", (y_pred, y)))
    where = first_difference(gradient, _huber_slopes, cases, rtol=1e-6, atol=1e-9, ref="the central difference of huber",
                             at=lambda args, i: f"at {i} (residual r = {args[0][i] - args[1][i]:.4f})")
    if where is None:
        return "correct. dL/dy_pred = clip(r, -delta, delta) / N agrees with central differences."
    if "(residual" not in where:
        return f"not yet. {where} The gradient has y_pred's shape."
    residual = float(where.split("residual r = ")[1].split(")")[0])
    region = "beyond delta: differentiate delta (|r| - delta / 2)" if abs(residual) > 1 else \
        "inside delta: differentiate r^2 / 2"
    return f"not yet. {where} This entry is {region}, and remember that L is the mean over all N entries."
