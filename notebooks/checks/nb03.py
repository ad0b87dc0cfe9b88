"""Notebook 03's checks: sigma'(2), where the sigmoid's slope halves, a softmax derivative, and Swish."""
import numpy as np

from nnlib.activations import Sigmoid

from . import answer, first_difference, register

answer("03", 1, {"c9c222fc327bdcafff82835ec5a53a6d68a64acb0707d3aff6a6fef5b327b8d9"}, decimals=3,
       correct="sigma'(2) = sigma(2) (1 - sigma(2)).",
       hint=lambda a: f"{a} is not sigma'(2); compute s = sigma(2) first, then s (1 - s).")


def _half_slope_hint(z):
    z = float(z)
    slope = float(Sigmoid().derivative(z))
    if z <= 0:
        return f"{z:g}: the exercise asks for the z > 0 (the slope is symmetric: sigma'(-z) = sigma'(z))."
    return f"At z = {z:g} the slope sigma'(z) is {slope:.4f}, not 1/8 = 0.125."


answer("03", 2, {"d195cfc4ebf5b4b879ae31fe4746060dde23aa2802f56fd8c18ec53d4bbbd03f"}, decimals=3,
       correct="sigma'(z) = 1/8 where sigma(z) = (1 + sqrt(1/2)) / 2, at z = ln(s / (1 - s)).", hint=_half_slope_hint)

answer("03", 3, {"d82833eebcc11798f8afb285007250f0da5c017d3d2bca76c276d277e5309bc2"}, sig=3,
       correct="For i != j, dp_i/dz_j = -p_i p_j.",
       hint=lambda a: f"{a} is not dp_1/dz_3; use p_i (delta_ij - p_j) with i = 1, j = 3 (and p = softmax(z)).")


def _swish(z):  # the exercise's definition, z sigma(z), written so that it also takes complex z
    return z / (1 + np.exp(-z))


def _swish_slope(z, h=1e-20):  # the complex-step derivative of the definition: exact to rounding, no formula
    return (_swish(z + 1j * h)).imag / h


@register("03", 4)
def swish(answer):
    act = answer() if isinstance(answer, type) else answer
    if not all(callable(getattr(act, name, None)) for name in ("value", "derivative")):  # the notebook's Activation
        return f"not yet. Swish must be a class written as class Swish(Activation); got {answer!r:.60}."
    rng = np.random.default_rng(4)
    for method, reference in (("value", _swish), ("derivative", _swish_slope)):
        cases = [(f"random z of shape {z.shape}", (z,)) for z in (rng.normal(0, 3, size=7), rng.uniform(-8, 8, (3, 4)))]
        where = first_difference(getattr(act, method), reference, cases, name=f"your {method}", ref="the check's",
                                 at=lambda args, index: f"at z = {args[0][index]:.4g}")
        if where:
            return f"not yet. {where} " + ("The value is z sigma(z)." if method == "value" else
                                          "Derive z sigma(z) with the product rule.")
    with np.errstate(over="raise", invalid="raise"):
        try:
            far = np.asarray(act(np.array([-1000.0, 1000.0])), dtype=float)
        except FloatingPointError as error:
            return f"not yet. At z = +-1000: {error}; compute the sigmoid with logistic(z), which never overflows."
    if not (far[0] == 0 and far[1] == 1000):
        return f"not yet. swish(-1000), swish(1000) = {far.tolist()}, expected [-0.0, 1000.0]."
    return ("correct. Your value and derivative agree with z sigma(z) and its slope on random inputs, and nothing "
            "overflows at +-1000.")
