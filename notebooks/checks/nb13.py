"""Notebook 13's checks: sigmoid of a Value, an adjoint by hand, the MSE as Tensor operations, divide's backward."""
import numpy as np

from nnlib.activations import Sigmoid
from nnlib.autograd import Tensor, Value, topological_order
from nnlib.losses import MeanSquaredError

from . import answer, register

try:
    import torch
except ImportError:  # PyTorch is optional: the checks then use central differences alone
    torch = None


@register("13", 1)
def sigmoid(answer):
    if not callable(answer):
        return "not yet. Answer a function sigmoid(v) that takes and returns a Value."
    for x in np.random.default_rng(13).uniform(-6, 6, size=8).round(4):
        v = Value(float(x))
        out = answer(v)
        if not isinstance(out, Value):
            return f"not yet. sigmoid(Value({x})) returned {type(out).__name__}, not a Value."
        want = float(Sigmoid()(x))
        if abs(out.data - want) > 1e-12:
            return f"not yet. At the random input {x}: your value is {out.data:.6f}, nnlib's Sigmoid gives {want:.6f}."
        (out * 1.0).backward()
        slope = float(Sigmoid().derivative(x))
        if abs(v.grad - slope) > 1e-10:
            return (f"not yet. At the random input {x}: the gradient is {v.grad:.6f}, nnlib's Sigmoid.derivative "
                    f"gives {slope:.6f}.")
    return "correct. The value and the gradient s(1 - s) agree with nnlib's Sigmoid at eight random points."


answer("13", 2, {"fe242e08be30a72384add5b6838aaf5e179256b7fe9a018c7294877ea94b581f"},
       correct="a is used twice, and the adjoints of the two uses add up.",
       hint="Name the nodes (u = ab + a, L = u^2), start from L's adjoint 1, and add up the adjoints of both uses of a.")


@register("13", 3)
def mse(answer):
    rng = np.random.default_rng(3)
    for shape in ((5, 1), (4, 3), tuple(rng.integers(1, 6, size=2))):
        p, y = Tensor(rng.normal(size=shape)), rng.normal(size=shape)
        loss = answer(p, y)
        if not isinstance(loss, Tensor) or loss.data.size != 1:
            return "not yet. mse(p, y) must return a Tensor holding one number."
        loss.backward()
        if abs(float(loss.data) - MeanSquaredError().value(p.data, y)) > 1e-12:
            return f"not yet. For random p and y of shape {shape} the loss is {float(loss.data):.6f}, not the MSE."
        want = MeanSquaredError().gradient(p.data, y)
        if np.abs(p.grad - want).max() > 1e-12:
            i = tuple(int(k) for k in np.argwhere(np.abs(p.grad - want) > 1e-12)[0])
            return (f"not yet. For random p and y of shape {shape}, p.grad at {i} is {p.grad[i]:.6g}; "
                    f"MeanSquaredError's gradient is {want[i]:.6g}.")
    return "correct. Autograd found notebook 05's MSE gradient by itself."


def divide_references(a, b, weights, h=1e-6):
    """The gradients of L = sum(weights * a / b) with respect to a and b, by central differences, entry by entry,
    and by PyTorch where it is installed: {source: (dL/da, dL/db)}."""
    def slopes(x, f):
        out = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[index] = h
            out[index] = (f(x + step) - f(x - step)) / (2 * h)
        return out
    found = {"central differences": (slopes(a, lambda x: np.sum(weights * x / b)),
                                     slopes(b, lambda x: np.sum(weights * a / x)))}
    if torch is not None:
        ta, tb = (torch.tensor(x, requires_grad=True) for x in (a, b))
        (torch.from_numpy(weights) * ta / tb).sum().backward()
        found["PyTorch"] = (ta.grad.numpy(), tb.grad.numpy())
    return found


@register("13", 4)
def divide(answer):
    if not callable(answer):
        return "not yet. Answer a function divide(a, b) that takes two Tensors and returns a Tensor."
    rng = np.random.default_rng(4)
    for shape_a, shape_b in (((4, 3), (3,)), ((4, 3), (4, 1)), ((3,), (2, 3)), ((2, 1), (1, 3)), ((2, 3), (1, 1))):
        a_data = rng.normal(size=shape_a)
        b_data = rng.choice([-1.0, 1.0], size=shape_b) * rng.uniform(0.5, 2.0, size=shape_b)  # away from 0
        a, b, where = Tensor(a_data), Tensor(b_data), f"random a of shape {shape_a}, b of shape {shape_b}"
        out = answer(a, b)
        if not isinstance(out, Tensor):
            return f"not yet. For {where}, divide returned {type(out).__name__}, not a Tensor."
        if sorted(map(id, out.parents)) != sorted((id(a), id(b))):
            return (f"not yet. divide must be one operation whose parents are a and b themselves, with its own "
                    f"backward_step; yours is a graph of {len(topological_order(out)) - 2} operations.")
        if out.data.shape != np.broadcast_shapes(shape_a, shape_b) or not np.allclose(out.data, a_data / b_data):
            return f"not yet. For {where}, the result is not a / b (with numpy's broadcasting)."
        weights = rng.normal(size=out.data.shape)  # L = sum(weights * out): out's adjoint is weights
        try:
            (out * weights).sum().backward()
        except ValueError as error:
            return (f"not yet. For {where}, the backward sweep failed ({error}): each input's adjoint must come "
                    f"back in that input's own shape.")
        for source, grads in divide_references(a_data, b_data, weights).items():
            for name, leaf, expected in (("a", a, grads[0]), ("b", b, grads[1])):
                if leaf.grad.shape != leaf.data.shape:
                    return (f"not yet. For {where}, {name}.grad has shape {leaf.grad.shape}, not {name}'s "
                            f"{leaf.data.shape}: sum the adjoint over the axes {name} was repeated along.")
                wrong = np.argwhere(~np.isclose(leaf.grad, expected, rtol=1e-6, atol=1e-8))
                if len(wrong):
                    index = tuple(int(i) for i in wrong[0])
                    return (f"not yet. For {where}: {name}.grad at {index} is {leaf.grad[index]:.6g}; by {source} it "
                            f"is {expected[index]:.6g}.")
    against = "central differences and PyTorch" if torch is not None else "central differences (PyTorch not installed)"
    return f"correct. The value and both gradients agree with {against} on five pairs of shapes."
